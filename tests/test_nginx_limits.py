"""Request limits in nginx's site contract: defined once (nginx_request_limits), asked for
by name on a location, checked before any change (src/collectif/nginx.py)."""

import pytest

from collectif import nginx

LOGIN = {"login": {"rate": "6r/m", "burst": 5, "methods": ["POST"]}}


def site(**location: object) -> dict:
    return {
        "name": "app1",
        "server_names": ["app1.example.org"],
        "root": "/srv/app1",
        "php_socket": "/run/php/app1.sock",
        "locations": [{"path": "/login.php", "match": "exact", **location}],
    }


def test_a_limit_gets_its_zone_and_key_names():
    limits = nginx.request_limits(LOGIN)
    assert limits["login"]["zone"] == "collectif_login"
    assert limits["login"]["key"] == "$collectif_limit_login"
    assert nginx.request_limits({"api": {"rate": "2r/s"}})["api"]["burst"] == 5


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        ({"Login": {"rate": "6r/m"}}, "name 'Login' must be lowercase"),
        ({"login": {"rate": "6 per minute"}}, "rate is requests per second or minute"),
        ({"login": {"rate": "6r/h"}}, "rate is requests per second or minute"),
        ({"login": {"rate": "6r/m", "burst": -1}}, "burst is a number of requests"),
        ({"login": {"rate": "6r/m", "methods": ["post"]}}, "methods lists HTTP methods"),
        ({"login": {"rate": "6r/m", "zone": "x"}}, "unknown keys zone"),
    ],
)
def test_a_bad_limit_stops_with_the_reason(limits, problem):
    with pytest.raises(ValueError, match=problem):
        nginx.request_limits(limits)


def test_a_site_location_asks_for_a_defined_limit():
    served = nginx.sites([site(php=True, limit="login")], "10m", {}, list(LOGIN))
    assert served[0]["locations"][0]["limit"] == "login"
    assert served[0]["locations"][0]["php"] is True


def test_an_undefined_limit_is_named_with_those_defined():
    with pytest.raises(ValueError, match=r"limit 'logn' is not a request limit .*defined: login"):
        nginx.sites([site(limit="logn")], "10m", {}, list(LOGIN))


def test_preflight_without_limits_does_not_check_their_names():
    assert nginx.site_problems(site(limit="anything")) == []


def test_php_in_a_location_needs_the_sites_socket():
    without_php = {**site(php=True), "php_socket": ""}
    assert "location: '/login.php': php needs the site's php_socket" in nginx.site_problems(
        without_php
    )


def test_a_drop_in_location_cannot_run_php_nor_use_an_undefined_limit():
    drop_in = {"site": "app1", "name": "login", "path": "/login.php", "php": True, "limit": "x"}
    problems = nginx.location_problems(drop_in, limits=list(LOGIN))
    assert "'/login.php': php is for a site's own locations only" in problems
    assert any("limit 'x' is not a request limit" in p for p in problems)
    with pytest.raises(ValueError):
        nginx.locations([drop_in], list(LOGIN))
