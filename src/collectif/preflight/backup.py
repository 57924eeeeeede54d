"""Where a server's snapshots go (the restic role): off the server, on a real one (a
rest-server, S3 or SFTP). A repository on the server's own disk dies with it."""

from __future__ import annotations

import re
from functools import partial

from .. import i18n
from .common import BACKUP_GROUP, Host, Problem, group_label

_say = partial(i18n.say, "preflight_backup")

ROLES = ("restic", "rest_server")
# restic repositories collectif knows, whole (a right prefix with a wrong rest fails only
# on the server, after the backups were set up): a rest-server, S3, SFTP, or (tests and
# the demo only) a path.
_HOST = r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]"
RESTIC_REPOSITORY = re.compile(
    rf"^(rest:https?://([^@/\s]+@)?({_HOST})(:\d{{1,5}})?/([^\s]*)"
    rf"|s3:https://({_HOST})(:\d{{1,5}})?/[a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9](/[^\s]*)?"
    rf"|sftp:([A-Za-z0-9._-]+@)?({_HOST}):/?[^\s]+"
    rf"|sftp://[A-Za-z0-9._-]+@({_HOST})(:\d{{1,5}})?/[^\s]+"
    r"|/[^\s]*)$"
)
RESTIC_S3_KEYS = ("restic_s3_access_key_id", "restic_s3_secret_access_key")
# rest-server's account names (also the repository's path on the backup server).
REST_USER = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A restic duration (forget --keep-within): years, months, days, hours.
DURATION = re.compile(r"^(\d+[ymdh])+$")


def problems(host: Host) -> list[Problem]:
    found = _target(host) if "rest_server" in host.roles else []
    if "restic" in host.roles:
        found += _server(host)
    return found


def _target(host: Host) -> list[Problem]:
    """The backup target's retention: a window restic understands."""
    within = host.vars.get("rest_server_keep_within", "30d")
    if isinstance(within, str) and DURATION.match(within):
        return []
    return [
        Problem(
            "rest_server_keep_within",
            _say("keep_within", value=within),
            host.places.association,
        )
    ]


def _server(host: Host) -> list[Problem]:
    where = host.places.association
    found = _repository(host, where)
    targets = host.groups.get(BACKUP_GROUP, [])
    # Without a repository of its own, a server backs up to the group's first host.
    if len(targets) > 1 and not host.vars.get("restic_repository"):
        found.append(
            Problem(
                group_label(BACKUP_GROUP),
                _say(
                    "targets",
                    count=len(targets),
                    hosts=", ".join(targets),
                    host=host.name,
                    first=targets[0],
                ),
                host.places.hosts_file,
            )
        )
    user = host.vars.get("restic_rest_user")
    if user and not (isinstance(user, str) and REST_USER.match(user)):
        found.append(
            Problem(
                "restic_rest_user",
                _say("rest_user", user=user),
                where,
            )
        )
    return found


def _repository(host: Host, where: str) -> list[Problem]:
    production = host.environment == "production"
    repository = host.vars.get("restic_repository") or ""
    if not repository:
        # Without a repository and without a backup target, site.yml sets up no backups.
        if production and not host.groups.get(BACKUP_GROUP):
            return [
                Problem(
                    "restic_repository",
                    _say("repository.none", group=BACKUP_GROUP),
                    where,
                )
            ]
        return []
    if not isinstance(repository, str) or not RESTIC_REPOSITORY.match(repository):
        return [
            Problem(
                "restic_repository",
                _say("repository.url", repository=repository),
                where,
            )
        ]
    if repository.startswith("rest:http://") and production:
        return [
            Problem(
                "restic_repository",
                _say("repository.http", repository=repository),
                where,
            )
        ]
    if repository.startswith("/") and production:
        return [
            Problem(
                "restic_repository",
                _say("repository.local", repository=repository),
                where,
            )
        ]
    if repository.startswith("s3:"):
        return [
            Problem(
                variable,
                _say("s3_key"),
                where,
            )
            for variable in RESTIC_S3_KEYS
            if not host.vars.get(variable)
        ]
    return []
