"""The stamps that let a re-run with nothing new skip a play, on a real server: the second
run ends the play before its role, check mode follows the stamp, anything new (a value, a
reboot) runs the role in full, and the stamp is root's alone. The other steps of the scenario run with the
stamps off, so that they test every task."""

import json

HOST = "instance-base"
STAMPS = "/run/collectif/stamps.json"
ON = ("-e", "collectif_stamps=true")


def stamped_run(run_playbook, *args):
    played = run_playbook("base.yml", *ON, *args)
    assert played.returncode == 0, played.tail()
    assert played.changed == {HOST: 0}, played.tail()
    return played


def test_a_rerun_with_nothing_new_skips_the_role_and_anything_new_runs_it(host, run_playbook):
    host.run(f"rm -f {STAMPS}")
    first = stamped_run(run_playbook)
    statuses = first.statuses("base")
    assert "ok" in statuses, first.tail()
    stamp = host.file(STAMPS)
    assert (stamp.user, stamp.mode) == ("root", 0o600)
    assert json.loads(stamp.content_string)["plays"] == ["base"]

    # The play ends for the host before its role: not one of the role's tasks is run.
    second = stamped_run(run_playbook)
    assert second.statuses("base") == [], second.tail()
    assert second.ok[HOST] < first.ok[HOST]

    checked = stamped_run(run_playbook, "--check", "--diff")
    assert checked.statuses("base") == [], checked.tail()

    # The same value as the inventory's, given on the command line: something new.
    again = stamped_run(run_playbook, "-e", '{"base_fail2ban_maxretry": 3}')
    assert "ok" in again.statuses("base"), again.tail()

    # A reboot empties /run: the first run after it checks everything.
    host.run("rm -rf /run/collectif")
    rebooted = stamped_run(run_playbook, "-e", '{"base_fail2ban_maxretry": 3}')
    assert "ok" in rebooted.statuses("base"), rebooted.tail()


def test_a_partial_run_neither_skips_nor_stamps(host, run_playbook):
    host.run(f"rm -f {STAMPS}")
    tagged = stamped_run(run_playbook, "--tags", "base")
    assert "ok" in tagged.statuses("base"), tagged.tail()
    assert json.loads(host.file(STAMPS).content_string)["plays"] == []
