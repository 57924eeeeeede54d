"""Where a server's backups go: restic's repository and rest-server account."""

import pytest
from test_preflight import GROUPS, WITH_TARGET, check

WHERE = "Set it in inventories/asso/group_vars/all/association.yml."


def test_production_server_without_backups_is_refused():
    assert check(drop=("restic_repository",)) == [
        "restic_repository: is empty and the inventory has no host in backup_targets: this "
        "server would have no backups; add a second server to backup_targets (it gets a "
        "restic rest-server), or set restic_repository to a rest:, s3: or sftp: repository. "
        + WHERE
    ]
    assert len(check({"restic_repository": ""})) == 1


@pytest.mark.parametrize(
    ("changes", "groups"),
    [
        ({}, WITH_TARGET),
        ({"collectif_environment": "test"}, GROUPS),
        ({"collectif_environment": "demo"}, GROUPS),
    ],
    ids=["a backup target", "test", "demo"],
)
def test_no_repository_allowed_with_a_target_or_outside_production(changes, groups):
    assert check(changes, groups=groups, drop=("restic_repository",)) == []


@pytest.mark.parametrize(
    "repository",
    [
        "rest:https://backup.asso-exemple.fr:8000/asso1/",
        "rest:https://192.0.2.20:8000/asso1/",
        "s3:https://s3.gra.io.cloud.ovh.net/asso1-backups",
        "sftp:backup@backup.asso-exemple.fr:/srv/restic",
    ],
)
def test_remote_repositories_accepted(repository):
    keys = {"restic_s3_access_key_id": "AK", "restic_s3_secret_access_key": "SK"}
    assert check({"restic_repository": repository, **keys}) == []


@pytest.mark.parametrize(
    "repository",
    [
        "backup.asso-exemple.fr:/srv/restic",
        "https://backup.asso-exemple.fr:8000/",
        "s3:http://s3.local/b",
    ],
)
def test_repository_must_be_a_restic_url(repository):
    assert check({"restic_repository": repository}) == [
        f"restic_repository: '{repository}' is not a restic repository URL: use "
        "rest:https://host:8000/name/, s3:https://s3.<region>.io.cloud.ovh.net/<bucket>, "
        "sftp:user@host:/path, or (tests and demo only) an absolute path. " + WHERE
    ]


def test_plain_http_rest_server_refused_in_production_only():
    repository = "rest:http://192.0.2.20:8000/asso1/"
    assert check({"restic_repository": repository}) == [
        f"restic_repository: '{repository}': plain HTTP sends the backups and the account's "
        "password in clear; use rest:https:// (leave restic_repository empty to use the "
        "inventory's backup target, which serves HTTPS with a certificate the servers pin). "
        + WHERE
    ]
    for environment in ("test", "demo"):
        plain = {"restic_repository": repository, "collectif_environment": environment}
        assert check(plain) == []


def test_local_repository_refused_in_production_only():
    assert check({"restic_repository": "/srv/restic"}) == [
        "restic_repository: '/srv/restic': a repository on the server's own disk is lost "
        "with the server; use a rest:, s3: or sftp: repository. " + WHERE
    ]
    for environment in ("test", "demo"):
        local = {"restic_repository": "/srv/restic", "collectif_environment": environment}
        assert check(local) == []


@pytest.mark.parametrize(
    ("keys", "missing"),
    [
        ({}, ["restic_s3_access_key_id", "restic_s3_secret_access_key"]),
        ({"restic_s3_access_key_id": "AK"}, ["restic_s3_secret_access_key"]),
        (
            {"restic_s3_secret_access_key": "SK", "restic_s3_access_key_id": ""},
            ["restic_s3_access_key_id"],
        ),
    ],
)
def test_s3_repository_needs_its_keys(keys, missing):
    lines = check({"restic_repository": "s3:https://s3.gra.io.cloud.ovh.net/asso1", **keys})
    assert [line.split(":")[0] for line in lines] == missing
    assert all("is required with an s3: restic_repository" in line for line in lines)


@pytest.mark.parametrize("user", ["Asso1", "-asso1", "asso 1", "asso1/x"])
def test_rest_user_must_be_an_account_name(user):
    (line,) = check({"restic_rest_user": user})
    assert line.startswith(f"restic_rest_user: '{user}' is not a rest-server account name")


@pytest.mark.parametrize("user", ["asso1", "asso_1", "1asso-x"])
def test_rest_user_accepted(user):
    assert check({"restic_rest_user": user}) == []


@pytest.mark.parametrize(
    "repository",
    [
        "rest:https://",
        "rest:https://backup.asso-exemple.fr:8000",
        "rest:https://back up.asso-exemple.fr:8000/asso1/",
        "s3:https://s3.gra.io.cloud.ovh.net/",
        "sftp:",
    ],
)
def test_a_repository_with_only_the_right_prefix_is_refused(repository):
    (line,) = check({"restic_repository": repository})
    assert line.startswith(f"restic_repository: '{repository}' is not a restic repository URL")


def test_a_second_backup_target_is_refused():
    groups = {
        "all": ["asso1", "backup1", "backup2"],
        "servers": ["asso1"],
        "backup_targets": ["backup1", "backup2"],
    }
    (line,) = check(groups=groups, drop=("restic_repository",))
    assert line.startswith(
        "group backup_targets: has 2 hosts (backup1, backup2); asso1 sends its backups to the "
        "first one only, backup1"
    )
    assert line.endswith("Set it in inventories/asso/hosts.yml.")


@pytest.mark.parametrize(
    ("within", "refused"), [("30d", False), ("1y6m", False), ("30 days", True), (30, True)]
)
def test_the_targets_window_is_a_restic_duration(within, refused):
    lines = check({"rest_server_keep_within": within}, groups=WITH_TARGET, host="backup1")
    expected = (
        [
            f"rest_server_keep_within: '{within}' is not a restic duration: a number and a "
            f"unit, y, m (months), d or h, such as 30d or 1y6m. {WHERE}"
        ]
        if refused
        else []
    )
    assert [line for line in lines if line.startswith("rest_server_")] == expected
