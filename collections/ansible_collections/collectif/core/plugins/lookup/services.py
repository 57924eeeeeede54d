"""Lookup collectif.core.services: the services of this host, in deployment order."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible_collections.collectif.core.plugins.module_utils.collectif import services
from ansible_collections.collectif.core.plugins.module_utils.declarations import Declarations

DOCUMENTATION = r"""
name: services
author: collectif
short_description: The services a host runs, from the roles' declarations
description:
  - C(on_host) gives the roles that run on the host (their group, and their own condition),
    in deployment order; C(health) the same, only those with a health check (doctor.yml);
    C(runs) with O(service) tells whether that one runs on the host.
options:
  _terms:
    description: on_host, health, or runs.
    required: true
  service:
    description: The role asked about (with C(runs)).
    type: str
"""

EXAMPLES = r"""
__nextcloud_enabled: "{{ lookup('collectif.core.services', 'runs', service='nextcloud') }}"
"""

RETURN = r"""
_raw:
  description: A list of role names, or a boolean for C(runs).
"""

QUERIES = ("on_host", "health", "runs", "on_groups")


class LookupModule(LookupBase):
    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        self.set_options(var_options=variables, direct=kwargs)
        query = str(terms[0]) if len(terms) == 1 else ""
        if query not in QUERIES:
            raise AnsibleError(f"collectif.core.services takes one of {', '.join(QUERIES)}")
        if query == "on_groups":
            groups = (variables or {}).get("group_names", [])
            return [[service.name for service in services.on_groups(groups)]]
        declarations = Declarations(self._loader, self._templar, variables or {})
        if query == "runs":
            wanted = services.by_name().get(self.get_option("service"))
            if wanted is None:
                raise AnsibleError(
                    f"collectif.core.services: no role '{self.get_option('service')}'"
                )
            return [declarations.enabled(wanted)]
        running = declarations.services()
        if query == "health":
            return [[service.name for service in running if service.health]]
        return [[service.name for service in running]]
