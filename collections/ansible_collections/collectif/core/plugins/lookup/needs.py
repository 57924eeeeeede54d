"""Lookup collectif.core.needs: what the host's services ask of a shared service."""

from __future__ import annotations

from typing import Any

from ansible_collections.collectif.core.plugins.module_utils.declarations import (
    DeclarationsLookup,
)

DOCUMENTATION = r"""
name: needs
author: collectif
short_description: What the services of this host ask of a shared service
description:
  - Gathers, in deployment order, the items each service that runs on the host declares
    under C(needs.<kind>) in its C(roles/<role>/meta/collectif.yml), templated with that
    role's variables. Shared roles read it in their C(<kind>_auto) default.
options:
  _terms:
    description: The kind of need (for example nginx_sites, postgresql_databases).
    required: true
  service:
    description: Only this service's items.
    type: str
  host:
    description: For another host of the inventory (default, the current one).
    type: str
"""

EXAMPLES = r"""
postgresql_databases_auto: "{{ lookup('collectif.core.needs', 'postgresql_databases') }}"
"""

RETURN = r"""
_raw:
  description: One list, the items of every service on the host.
  type: list
"""


class LookupModule(DeclarationsLookup):
    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        kind, declarations = self.prepare(terms, variables, kwargs, "needs takes one kind of need")
        return [
            declarations.needs(kind, only=self.get_option("service"), host=self.get_option("host"))
        ]
