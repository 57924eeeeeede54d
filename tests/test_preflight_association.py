"""The association's values, on every host: domain, address, environment, plans, artifact
mirror, and the secret key wherever a service derives its passwords from it."""

import pytest
from test_preflight import MATRIX, check


def test_required_values_named_with_where_to_set_them():
    lines = check(drop=("collectif_domain", "collectif_admin_email"))
    assert lines == [
        "collectif_admin_email: is required (for example: bureau@example.org). "
        "Set it in inventories/asso/group_vars/all/association.yml.",
        "collectif_domain: is required (for example: example.org). "
        "Set it in inventories/asso/group_vars/all/association.yml.",
    ]


def test_several_problems_reported_together():
    lines = check(
        {
            "collectif_domain": "Example.org",
            "collectif_admin_email": "bureau",
            "collectif_plans": [{"name": "essentiel", "nextcloud_quota": "5 Go"}],
        }
    )
    assert len(lines) == 3
    assert any(
        line.startswith("collectif_domain: 'Example.org' has uppercase letters") for line in lines
    )
    assert any(
        line.startswith("collectif_admin_email: 'bureau' is not an e-mail address")
        for line in lines
    )
    assert any(
        line.startswith("collectif_plans[0].nextcloud_quota: '5 Go' is not a quota")
        for line in lines
    )


def test_plans_need_unique_names():
    plans = [
        {"name": "essentiel", "nextcloud_quota": "5 GB"},
        {"name": "essentiel", "nextcloud_quota": "50 GB"},
    ]
    assert check({"collectif_plans": plans}) == [
        "collectif_plans[1].name: 'essentiel' is used by two plans. "
        "Set it in inventories/asso/group_vars/all/association.yml."
    ]


def test_unknown_environment():
    assert check({"collectif_environment": "prod"})[0].startswith(
        "collectif_environment: 'prod' is not one of production, test, demo"
    )


@pytest.mark.parametrize("mirror", ["https://mirror.example.org/collectif", "file:///srv/mirror"])
def test_artifact_mirror_accepted(mirror):
    assert check({"collectif_artifact_mirror": mirror}) == []


def test_artifact_mirror_needs_a_scheme():
    assert check({"collectif_artifact_mirror": "mirror.example.org"})[0].startswith(
        "collectif_artifact_mirror: 'mirror.example.org' is not a mirror address"
    )


def test_services_need_the_secret_key():
    (line,) = check(groups=MATRIX, drop=("collectif_secret_key",))
    assert line.startswith("collectif_secret_key: must be set, 32 characters at least")
    (line,) = check({"collectif_secret_key": "short"}, groups=MATRIX)
    assert line.startswith("collectif_secret_key:")
    assert check(groups=MATRIX) == []
