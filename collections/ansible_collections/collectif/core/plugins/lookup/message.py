"""Lookup collectif.core.message: a message of the catalogue, in the volunteer's language."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.collectif.core.plugins.module_utils.collectif import i18n

DOCUMENTATION = r"""
name: message
author: collectif
short_description: A message of collectif's catalogue, in French or English
description:
  - The message C(key) of C(src/collectif/locale/<subject>.toml), in French when the
    locale of the controller (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) is French, in English
    otherwise, its C({values}) filled with the lookup's keyword arguments.
options:
  _terms:
    description: The subject (the catalogue's name), then the message's key.
    required: true
"""

EXAMPLES = r"""
msg: "{{ lookup('collectif.core.message', 'preflight', 'report.head', count=3) }}"
"""

RETURN = r"""
_raw:
  description: The message, one text.
  type: list
"""


class LookupModule(LookupBase):
    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[str]:
        if len(terms) != 2:
            raise AnsibleLookupError("collectif.core.message takes a subject and a key")
        subject, key = (str(term) for term in terms)
        try:
            return [i18n.say(subject, key, **kwargs)]
        except (OSError, KeyError) as error:
            raise AnsibleLookupError(
                f"collectif.core.message: cannot say {key!r} of locale/{subject}.toml ({error!r})"
            ) from error
