"""The hardening index of an independent auditing tool, Lynis (Debian's package), on the
converged server against the bare image it was built from, in the same run: the roles'
hardening must raise it by at least 20 points. Lynis installs into both from the same APT
sources. Both audits leave out the same three tests, which judge the test machine rather
than the container: the kernel's live settings (KRNL-6000: a container reads its host's
and may not change them; the role's file is checked by the base scenario), /proc's mount
options (FILE-6344: Docker mounts it) and AppArmor (MACF-6290: the host's)."""

from __future__ import annotations

import os
import subprocess
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

testinfra_hosts = ["ansible://asso1"]

IMAGE = os.environ.get("COLLECTIF_IMAGE", "local/debian-systemd:trixie")
# The same container settings as the scenario's servers (.config/molecule/config.yml).
RUN = [
    "docker", "run", "--detach", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--cgroupns", "host", "--volume", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
]  # fmt: skip
AUDIT = (
    "set -e; systemctl is-system-running --wait >/dev/null 2>&1 || true;"
    " apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
    " apt-get install -y -qq --no-install-recommends lynis >/dev/null;"
    " printf 'skip-test=%s\\n' KRNL-6000 FILE-6344 MACF-6290 > /etc/lynis/custom.prf;"
    " lynis audit system --quick --no-colors --quiet >/dev/null 2>&1 || true;"
    " sed -n 's/^hardening_index=//p' /var/log/lynis-report.dat;"
    " sed -n 's/^suggestion\\[\\]=\\([^|]*\\)|\\([^|]*\\)|.*/\\1 \\2/p' /var/log/lynis-report.dat"
)


def audit(container: str) -> tuple[int, list[str]]:
    out = subprocess.run(
        ["docker", "exec", container, "bash", "-c", AUDIT],
        capture_output=True, text=True, timeout=900, check=True,
    ).stdout.splitlines()  # fmt: skip
    return int(out[0]), out[1:]


@pytest.fixture(scope="module")
def bare_container():
    name = f"collectif-lynis-bare-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [*RUN, "--name", name, IMAGE, "/lib/systemd/systemd"], check=True, capture_output=True
    )
    try:
        yield name
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True)


def test_hardening_index_rises_by_20_points_over_the_bare_image(host, bare_container):
    converged = host.backend.get_hostname()
    with ThreadPoolExecutor(2) as pool:
        bare, site = pool.map(audit, [bare_container, converged])
    report = (
        f"Lynis hardening index: bare image {bare[0]}, converged server {site[0]}"
        f" (+{site[0] - bare[0]}).\nStill suggested on the converged server:\n  "
        + "\n  ".join(site[1])
    )
    # Shown in the run's warnings summary: the README quotes these figures.
    warnings.warn(report, stacklevel=1)
    assert 0 < bare[0] < 100 and 0 < site[0] <= 100, report
    assert site[0] - bare[0] >= 20, report
