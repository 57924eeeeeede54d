"""PHP extension names to Debian packages: one table for the php_fpm role and the preflight."""

import pytest

from collectif import php


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        (["intl"], ["php8.4-intl"]),
        (["gd", "apcu", "redis"], ["php8.4-apcu", "php8.4-gd", "php8.4-redis"]),
        (["imagick", "bcmath", "gmp"], ["php8.4-bcmath", "php8.4-gmp", "php8.4-imagick"]),
        (["xsl", "dom"], ["php8.4-xml"]),
        (["PDO_PGSQL", "Zend OPcache"], ["php8.4-opcache", "php8.4-pgsql"]),
        ([], []),
    ],
)
def test_known_extensions_give_their_packages(extensions, expected):
    assert php.packages(extensions) == expected


def test_the_version_names_the_packages():
    assert php.packages(["intl"], "8.2") == ["php8.2-intl"]


@pytest.mark.parametrize(
    "extension",
    ["ctype", "fileinfo", "iconv", "pdo", "posix", "tokenizer", "exif", "sockets", "json", "PDO"],
)
def test_built_in_extensions_need_no_package(extension):
    assert php.packages([extension]) == []
    assert php.unknown_extensions_problem([extension]) is None


def test_duplicates_collapse_into_one_package():
    assert php.packages(["pdo_pgsql", "pgsql", "pgsql", "mysqli", "pdo_mysql", "mysqlnd"]) == [
        "php8.4-mysql",
        "php8.4-pgsql",
    ]


def test_unknown_extension_is_named_with_a_suggestion():
    problem = php.unknown_extensions_problem(["gd", "intll"])
    assert problem.startswith("'intll' (did you mean 'intl'")
    assert "is not a PHP extension collectif knows" in problem
    assert "'gd'" not in problem


def test_every_unknown_extension_is_named_once():
    problem = php.unknown_extensions_problem(["mbstrin", "nosuchthing", "mbstrin"])
    assert "are not PHP extensions" in problem
    assert problem.count("'mbstrin'") == 1
    assert "did you mean 'mbstring'" in problem
    assert "'nosuchthing' are not" in problem


def test_unknown_extension_stops_packages():
    with pytest.raises(php.UnknownExtensionError, match="did you mean 'redis'"):
        php.packages(["rediss"])


@pytest.mark.parametrize("value", ["intl", None, [1], [""], {"intl": True}])
def test_not_a_list_of_names(value):
    assert "must be a list of PHP extension names" in php.unknown_extensions_problem(value)


def test_bad_version_is_refused():
    with pytest.raises(ValueError, match="not a PHP version"):
        php.packages(["intl"], "8")


def test_no_extension_maps_to_a_package_of_another_version():
    assert all(p is None or p.startswith("php{version}-") for p in php.EXTENSIONS.values())
