"""The demo container and the Molecule platform must stay the same kind of machine."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_demo_and_bench_run_the_same_container_settings_as_molecule():
    platform = yaml.safe_load((ROOT / ".config" / "molecule" / "config.yml").read_text())[
        "platforms"
    ][0]
    common = (ROOT / "scripts" / "lib" / "common.sh").read_text()
    start = common.index("SYSTEMD_CONTAINER_OPTS=(")
    options = common[start : common.index(")", start)]
    assert sorted(re.findall(r"--cap-add (\S+)", options)) == sorted(platform["capabilities"])
    assert sorted(re.findall(r"--security-opt (\S+)", options)) == sorted(platform["security_opts"])
    assert sorted(re.findall(r"--tmpfs (\S+)", options)) == sorted(platform["tmpfs"])
    assert f"--cgroupns {platform['cgroupns_mode']}" in options
    assert "/sys/fs/cgroup:/sys/fs/cgroup:rw" in platform["volumes"]
    assert "-v /sys/fs/cgroup:/sys/fs/cgroup:rw" in options
    assert "--privileged" not in options  # fails on the test machines (TEST-MACHINE.md)


def test_every_scenario_is_under_molecule_and_has_tests():
    scenarios = [p.parent for p in (ROOT / "molecule").glob("*/molecule.yml")]
    assert scenarios
    for scenario in scenarios:
        assert list((scenario / "tests").glob("test_*.py")), (
            f"{scenario.name} has no testinfra tests"
        )


@pytest.mark.parametrize("scenario", ["rebuild", "site"])
def test_scenarios_with_two_servers_restate_the_molecule_platform(scenario):
    """These scenarios have two platforms (and rebuild's converge starts a new server by
    itself): each must be the same kind of machine as every other scenario's."""
    platform = yaml.safe_load((ROOT / ".config" / "molecule" / "config.yml").read_text())[
        "platforms"
    ][0]
    directory = ROOT / "molecule" / scenario
    converge = yaml.safe_load((directory / "converge.yml").read_text())
    started = [
        task["community.docker.docker_container"]
        for play in converge
        for task in play.get("tasks", [])
        if task.get("community.docker.docker_container", {}).get("state") == "started"
    ]
    machines = [*yaml.safe_load((directory / "molecule.yml").read_text())["platforms"], *started]
    assert len(machines) >= 2
    for machine in machines:
        for key in ("command", "capabilities", "security_opts", "cgroupns_mode", "tmpfs"):
            assert machine[key] == platform[key], (machine.get("name"), key)
        assert machine["volumes"][0] == platform["volumes"][0]


def test_no_two_scenarios_name_a_container_alike():
    """Scenarios run side by side: one's destroy removes the containers of its names, so
    a name in two scenarios kills the other's server halfway."""
    names: list[str] = []
    for molecule_yml in sorted((ROOT / "molecule").glob("*/molecule.yml")):
        platforms = (yaml.safe_load(molecule_yml.read_text()) or {}).get("platforms")
        scenario = molecule_yml.parent.name
        names += [p["name"] for p in platforms] if platforms else [f"instance-{scenario}"]
    assert len(names) == len(set(names)), sorted(names)
