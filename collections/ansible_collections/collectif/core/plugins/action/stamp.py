"""Action collectif.core.stamp: skip a play that already ran with the same inputs."""

from __future__ import annotations

from typing import Any

from ansible import context
from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ansible_version
from ansible_collections.collectif.core.plugins.module_utils.collectif import stamps

DOCUMENTATION = r"""
action: stamp
author: collectif
short_description: Tell whether a play already ran with the same code, inventory and facts
description:
  - Works out, on the controller, the stamp of this run on the host (see
    src/collectif/stamps.py) and asks the module of the same name whether O(play) already
    ran to the end with it (C(fresh)); with O(done), remembers that it did.
  - The stamp counts only on a whole run (no --tags, no --skip-tags): a partial run never
    skips a play and never stamps one. C(collectif_stamps=false) turns stamps off
    (every play runs in full); C(collectif_stamps_max_age_hours) is how long one counts.
options:
  play: {description: The play's name., type: str, required: true}
  done: {description: The play ran to the end on this host., type: bool, default: false}
"""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("play", "done"))

    def _setting(self, task_vars: dict[str, Any], name: str, default: Any) -> Any:
        return self._templar.template(task_vars.get(name, default))

    def _key(self, task_vars: dict[str, Any]) -> str:
        hostvars = task_vars["hostvars"]
        hosts_facts = {
            host: dict(hostvars[host].get("ansible_facts") or {})
            for host in task_vars["groups"].get("all", [])
        }
        sources = task_vars.get("ansible_inventory_sources") or []
        return stamps.digest(
            host=task_vars["inventory_hostname"],
            code=stamps.code_digest(),
            inventory=stamps.tree_digest(stamps.inventory_paths(sources)),
            extra=stamps.extra_values(context.CLIARGS.get("extra_vars") or ()),
            ansible_version=ansible_version,
            hosts_facts=hosts_facts,
        )

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        play = self._task.args.get("play")
        if not play:
            raise AnsibleActionFail("collectif.core.stamp needs the play's name (play)")
        done = boolean(self._task.args.get("done", False))
        enabled = boolean(self._setting(task_vars, "collectif_stamps", True))
        whole = list(task_vars.get("ansible_run_tags") or ["all"]) == ["all"] and not task_vars.get(
            "ansible_skip_tags"
        )
        result.update(changed=False, fresh=False)
        if not enabled or (done and not whole):
            return result
        answer = self._execute_module(
            module_name="collectif.core.stamp",
            module_args={
                "key": self._key(task_vars),
                "play": play,
                "done": done,
                "max_age_hours": int(
                    self._setting(task_vars, "collectif_stamps_max_age_hours", 24)
                ),
            },
            task_vars=task_vars,
        )
        if answer.get("failed"):
            return {**result, **answer}
        result["fresh"] = bool(answer.get("fresh")) and whole
        return result
