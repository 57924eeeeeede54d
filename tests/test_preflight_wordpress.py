"""WordPress: its domain, and the members' sites."""

from test_preflight import WORDPRESS, check

MEMBER_SITE = {
    "slug": "camille",
    "title": "Le carnet",
    "owner": "camille",
    "owner_email": "c@example.org",
}


def test_wordpress_owns_its_domain():
    (line,) = check(groups=WORDPRESS)
    assert line.startswith("nginx_sites: site 'accueil' serves example.org, which WordPress serves")
    assert check(groups=WORDPRESS, drop=("nginx_sites",)) == []
    assert check({"wordpress_domain": "blog.example.org"}, groups=WORDPRESS) == []


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
