"""nginx's sites and ACME settings, PHP's extensions, on the servers."""

import pytest
from test_preflight import GROUPS, check

WHERE = "Set it in inventories/asso/group_vars/all/association.yml."

SITE = {
    "name": "accueil",
    "server_names": ["asso-exemple.fr", "www.asso-exemple.fr"],
    "return": "204",
}


def test_a_good_site_has_no_problem():
    assert check({"nginx_sites": [SITE]}) == []


def test_a_server_name_that_is_not_a_domain_is_refused():
    bad = dict(SITE, server_names=["asso-exemple.fr", "Www.Example.org", "exa mple.org"])
    assert check({"nginx_sites": [bad]}) == [
        "nginx_sites[0]: server name 'Www.Example.org' has uppercase letters; write it "
        "in lowercase ('www.example.org'). Set it in inventories/asso/group_vars/all/association.yml.",
        "nginx_sites[0]: server name 'exa mple.org' is not a domain name: use letters, "
        "digits and hyphens between dots, like example.org. "
        "Set it in inventories/asso/group_vars/all/association.yml.",
    ]


def test_sites_need_unique_names_and_one_target():
    other = dict(SITE, root="/var/www/x", server_names=["www.asso-exemple.fr"])
    lines = check({"nginx_sites": [SITE, other]})
    assert any("nginx_sites[1].name: 'accueil' names two sites" in line for line in lines)
    assert any(
        "'www.asso-exemple.fr' is already served by site 'accueil'" in line for line in lines
    )
    assert any("nginx_sites[1]: gives root and return" in line for line in lines)


def test_php_socket_needs_a_root():
    site = {"name": "x", "server_names": ["x.asso-exemple.fr"], "php_socket": "/run/php/x.sock"}
    assert check({"nginx_sites": [site]}) == [
        "nginx_sites[0]: php_socket needs a root, where the PHP files are. "
        "Set it in inventories/asso/group_vars/all/association.yml."
    ]


def test_dns_ovh_needs_the_three_keys():
    lines = check({"nginx_acme_challenge": "dns-ovh", "nginx_acme_ovh_consumer_key": "k"})
    assert [line.split(":")[0] for line in lines] == [
        "nginx_acme_ovh_application_key",
        "nginx_acme_ovh_application_secret",
    ]


def test_unknown_php_extension_gets_a_suggestion():
    (line,) = check({"php_fpm_extensions": ["intl", "mbstrng"]})
    assert line.startswith("php_fpm_extensions: 'mbstrng' (did you mean 'mbstring'?)")


def test_a_site_without_server_names_is_refused():
    site = {"name": "x", "return": "204"}
    assert check({"nginx_sites": [site]}) == [
        "nginx_sites[0]: server_names must list the site's domain names. "
        "Set it in inventories/asso/group_vars/all/association.yml."
    ]


def test_a_bad_site_name_is_reported_once():
    (line,) = check({"nginx_sites": [dict(SITE, name="Accueil")]})
    assert line.startswith("nginx_sites[0]: name 'Accueil' must be lowercase letters")


def test_a_misspelt_site_key_is_refused():
    (line,) = check(
        {"nginx_sites": [{"name": "x", "server_names": ["x.asso-exemple.fr"], "retrun": "204"}]}
    )
    assert line.startswith("nginx_sites[0]: has unknown keys retrun (the keys: name, server_names")


def test_inline_locations_are_checked():
    site = dict(SITE, locations=[{"path": "/x", "match": "glob"}])
    (line,) = check({"nginx_sites": [site]})
    assert line.startswith("nginx_sites[0]: location: '/x': match is one of prefix, exact")


@pytest.mark.parametrize("sites", ["accueil", ["accueil"]])
def test_sites_must_be_a_list_of_mappings(sites):
    (line,) = check({"nginx_sites": sites})
    assert line.startswith("nginx_sites")


def test_an_inventory_site_may_not_take_a_service_site_name_or_address():
    groups = {**GROUPS, "nextcloud": ["asso1"], "matrix": ["asso1"]}
    sites = [
        {"name": "accueil", "server_names": ["asso-exemple.fr"], "return": "204"},
        {"name": "nextcloud", "server_names": ["files.asso-exemple.fr"], "return": "204"},
        {"name": "chat", "server_names": ["matrix.asso-exemple.fr"], "return": "204"},
    ]
    lines = check({"nginx_sites": sites}, groups=groups)
    assert lines == [
        "nginx_sites[1].name: 'nextcloud' is the name of the nextcloud role's own site; give "
        f"this site another name. {WHERE}",
        "nginx_sites[2].server_names[0]: 'matrix.asso-exemple.fr' is the address of the site "
        "'synapse' (synapse_domain): remove it from this site, or set synapse_domain to "
        f"another address. {WHERE}",
    ]


def test_a_domain_too_long_once_a_service_prefixes_it():
    domain = ".".join(["a" * 61] * 4)  # 247 characters: valid alone
    site = {"name": "accueil", "server_names": [domain], "return": "204"}
    lines = check(
        {"collectif_domain": domain, "collectif_admin_email": f"b@{domain}", "nginx_sites": [site]},
        groups={**GROUPS, "matrix": ["asso1"]},
    )
    assert (
        f"synapse_domain: makes the site 'synapse' answer at matrix.{domain}, 254 characters "
        f"long, and DNS allows 253: choose a shorter domain. {WHERE}"
    ) in lines
