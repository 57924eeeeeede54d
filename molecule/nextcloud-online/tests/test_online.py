"""The real Nextcloud: occ status, a member logging in through WebDAV, an upload within
the plan's quota accepted and one beyond it refused. Needs the internet."""

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("pebble_root")

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"
PEBBLE_ROOT = "/root/pebble-root.pem"
DAV = "https://cloud.collectif.test/remote.php/dav/files/dominique"
OCC = (
    "runuser -u nextcloud -- env NEXTCLOUD_CONFIG_DIR=/var/lib/nextcloud/config "
    "php /var/www/nextcloud/occ"
)


def test_occ_status_says_installed(host):
    status = json.loads(host.check_output(f"{OCC} status --output=json"))
    assert status["installed"] is True and status["maintenance"] is False
    assert status["versionstring"].startswith("35.")


def put(host, name: str, size_kb: int) -> str:
    password = (SECRETS / "dominique").read_text().strip()
    host.check_output(f"head -c {size_kb}K /dev/urandom > /tmp/{name}")
    return host.check_output(
        f"curl -s -o /dev/null -w '%{{http_code}}' --cacert {PEBBLE_ROOT} "
        f"-u 'dominique:{password}' -T /tmp/{name} {DAV}/{name}"
    )


def test_member_uploads_within_the_quota(host):
    assert put(host, "small.bin", 100) in ("201", "204")


def test_upload_beyond_the_quota_is_refused(host):
    assert put(host, "big.bin", 6 * 1024) == "507"  # Insufficient Storage
