"""Fixtures shared by the Molecule scenarios' testinfra tests (pytest finds this file
above each scenario's tests/ directory)."""

import time
from collections.abc import Callable

import pytest
from testinfra.host import Host

PEBBLE_ROOT = "/root/pebble-root.pem"


@pytest.fixture(scope="module")
def pebble_root(host: Host) -> str:
    """Pebble makes a new root CA each time it starts: fetch the current one, which signs
    the certificates of every HTTPS name in the container. Modules that check TLS chains
    ask for it with pytestmark = pytest.mark.usefixtures("pebble_root")."""
    host.check_output(
        "curl -sSf --cacert /etc/pebble/listener-ca.pem https://localhost:15000/roots/0 "
        f"-o {PEBBLE_ROOT}"
    )
    return PEBBLE_ROOT


def _wait_until(condition: Callable[[], bool], seconds: float = 20) -> bool:
    """Poll a condition: a busy test machine is slow, never wrong."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


@pytest.fixture
def wait_until() -> Callable[..., bool]:
    """wait_until(condition, seconds=20): true as soon as condition() is, false after."""
    return _wait_until
