"""The GitHub Actions workflow runs what .ci/run runs, and two linters accept it."""

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_the_workflow_matches_githubs_schema():
    checked = run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_zizmor_finds_nothing_unsafe():
    """Pinned actions, no credentials left in the checkout, no template injection."""
    audited = run("zizmor", "--offline", "--no-progress", str(WORKFLOW))
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_the_workflow_runs_the_test_command_and_the_online_scenarios():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    steps = [step.get("run", "") for job in jobs.values() for step in job["steps"]]
    assert "scripts/test" in steps  # what .ci/run calls
    online = sorted(p.name for p in (ROOT / "molecule").glob("*-online"))
    assert jobs["online"]["strategy"]["matrix"]["scenario"] == online
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("exec scripts/test")
