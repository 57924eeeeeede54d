"""Lookup collectif.core.published: a value another role publishes, read at its source."""

from __future__ import annotations

from typing import Any

from ansible_collections.collectif.core.plugins.module_utils.declarations import (
    DeclarationsLookup,
)

DOCUMENTATION = r"""
name: published
author: collectif
short_description: A variable another role publishes, as that role computes it
description:
  - The value of a variable that its role lists under C(publishes) in its
    C(meta/collectif.yml), templated on the host with that role's defaults and vars, so
    that no other role writes it again (a socket path, an address, a shared secret).
options:
  _terms:
    description: The variable's name (its prefix names the role that owns it).
    required: true
  host:
    description: Read it for another host of the inventory (default, the current one).
    type: str
"""

EXAMPLES = r"""
synapse_turn_shared_secret: "{{ lookup('collectif.core.published', 'coturn_shared_secret') }}"
"""

RETURN = r"""
_raw:
  description: The value.
"""


class LookupModule(DeclarationsLookup):
    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        variable, declarations = self.prepare(
            terms, variables, kwargs, "published takes one variable name"
        )
        return [declarations.published(variable, host=self.get_option("host"))]
