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


# --- A pool's confinement (open_basedir, disable_functions) --------------------------------

SOCKET = "/run/php/php8.4-fpm-%s.sock"


def one_pool(**keys: object) -> dict:
    return php.pools([{"name": "app1", **keys}], SOCKET, "/var/lib/php/sessions")[0]


def test_pool_confined_to_its_home_sessions_and_temporary_files_by_default():
    pool = one_pool()
    assert pool["open_basedir"] == [
        "/var/lib/app1/",
        "/var/lib/php/sessions/app1/",
        "/var/lib/php/tmp/app1/",
        "/dev/urandom",
    ]
    admin = pool["php_admin_values"]
    assert admin["open_basedir"] == ":".join(pool["open_basedir"])
    assert admin["upload_tmp_dir"] == admin["sys_temp_dir"] == "/var/lib/php/tmp/app1"


def test_pool_confined_to_the_paths_its_service_declares():
    pool = one_pool(open_basedir=["/srv/app1/", "/etc/app1/"], tmp_dir="/srv/app1/tmp/")
    assert pool["open_basedir"][:2] == ["/srv/app1/", "/etc/app1/"]
    assert "/var/lib/app1/" not in pool["open_basedir"]
    assert pool["tmp_dir"] == "/srv/app1/tmp"
    assert "/srv/app1/tmp/" in pool["open_basedir"]


def test_pool_cannot_run_programs_unless_its_service_names_a_function():
    closed = one_pool()["php_admin_values"]["disable_functions"].split(",")
    assert {"exec", "passthru", "shell_exec", "system", "proc_open", "popen"} <= set(closed)
    opened = one_pool(allow_functions=["proc_open"])["php_admin_values"]["disable_functions"]
    assert "proc_open" not in opened.split(",") and "exec" in opened.split(",")


def test_a_service_setting_wins_over_the_pools_own():
    pool = one_pool(php_admin_values={"open_basedir": "/srv/"})
    assert pool["php_admin_values"]["open_basedir"] == "/srv/"


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"open_basedir": ["srv/app1"]}, "open_basedir must list absolute paths"),
        ({"open_basedir": ["/srv:/etc"]}, "open_basedir must list absolute paths"),
        ({"open_basedir": "/srv/app1/"}, "open_basedir must list absolute paths"),
        ({"tmp_dir": "tmp"}, "tmp_dir 'tmp' must be an absolute path"),
        ({"allow_functions": ["eval"]}, "allow_functions names functions of the disabled list"),
    ],
)
def test_bad_confinement_stops_with_the_reason(keys, problem):
    with pytest.raises(ValueError, match=problem):
        one_pool(**keys)
