"""WordPress: its domain, and the members' sites."""

from test_preflight import WORDPRESS, check

MEMBER_SITE = {
    "slug": "camille",
    "title": "Le carnet",
    "owner": "camille",
    "owner_email": "c@asso-exemple.fr",
}


def test_wordpress_owns_its_domain():
    (line,) = check(groups=WORDPRESS)
    assert line.startswith(
        "nginx_sites[0].server_names[0]: 'asso-exemple.fr' is the address of the site 'wordpress' "
        "(wordpress_domain): remove it from this site, or set wordpress_domain to another address"
    )
    assert check(groups=WORDPRESS, drop=("nginx_sites",)) == []
    assert check({"wordpress_domain": "blog.asso-exemple.fr"}, groups=WORDPRESS) == []


def test_wordpress_member_sites_need_names_wordpress_accepts():
    bad = [
        dict(MEMBER_SITE, slug="cam"),
        dict(MEMBER_SITE, slug="blog"),
        dict(MEMBER_SITE, slug="dominique", owner="Camille D"),
        dict(MEMBER_SITE, slug="claude01", owner_email="nope"),
        MEMBER_SITE,
        MEMBER_SITE,
    ]
    lines = check({"wordpress_sites": bad}, groups=WORDPRESS, drop=("nginx_sites",))
    assert any(
        line.startswith("wordpress_sites[0].slug: 'cam': the site's address") for line in lines
    )
    assert any(line.startswith("wordpress_sites[1].slug: 'blog'") for line in lines)
    assert any(line.startswith("wordpress_sites[2].owner: 'Camille D'") for line in lines)
    assert any(line.startswith("wordpress_sites[3].owner_email:") for line in lines)
    assert any(
        line.startswith("wordpress_sites[5].slug: 'camille' names two sites") for line in lines
    )
    assert len(lines) == 5
    good = {"wordpress_sites": [MEMBER_SITE]}
    assert check(good, groups=WORDPRESS, drop=("nginx_sites",)) == []


def test_a_member_site_is_not_the_administrator_s():
    site = dict(MEMBER_SITE, owner="admin")
    (line,) = check({"wordpress_sites": [site]}, groups=WORDPRESS, drop=("nginx_sites",))
    assert line.startswith(
        "wordpress_sites[0].owner: 'admin' is the network's administrator (wordpress_admin_user)"
    )


def test_matrix_delegation_needs_a_site_when_wordpress_lives_elsewhere():
    groups = {**WORDPRESS, "matrix": ["asso1"]}
    (line,) = check(
        {"wordpress_domain": "blog.asso-exemple.fr"}, groups=groups, drop=("nginx_sites",)
    )
    assert line.startswith("nginx_sites: Matrix needs the bare domain asso-exemple.fr served")
