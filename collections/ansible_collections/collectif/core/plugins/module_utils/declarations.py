"""Template a role's declaration (meta/collectif.yml) on a host, as the role would see it.

A value a service declares refers to its own role's variables (nextcloud_domain,
__nextcloud_db_password...). Templated here, those resolve as in the role's own tasks:
its vars/main.yml first, then what the host has (inventory, facts, play), then its
defaults/main.yml. So a play that does not run the role still reads the same values.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.template import Templar, trust_as_template
from ansible_collections.collectif.core.plugins.module_utils.collectif import services

# Each file once per process: Ansible's loader copies its cached data on every call, and a
# task may ask for several lists. The data is only read (templating makes new values).
_FILES: dict[Path, Any] = {}


class Declarations:
    """The registry of services, with the means to template their values on one host."""

    def __init__(self, loader: Any, templar: Templar, variables: Mapping[str, Any]) -> None:
        self._loader = loader
        self._templar = templar
        self._variables = variables

    def _load(self, path: Path) -> Any:
        if path not in _FILES:
            _FILES[path] = self._loader.load_from_file(str(path), trusted_as_template=True) or {}
        return _FILES[path]

    def _role_file(self, service: services.Service, kind: str) -> Mapping[str, Any]:
        for path in (service.path / kind / "main.yml", service.path / kind / "main.yaml"):
            if path.is_file():
                return self._load(path)
        directory = service.path / kind / "main"
        merged: dict[str, Any] = {}
        if directory.is_dir():
            for path in sorted(directory.glob("*.y*ml")):
                merged.update(self._load(path))
        return merged

    def _declared(self, service: services.Service) -> Mapping[str, Any]:
        """The role's meta/collectif.yml as Ansible loads a vars file: its templates trusted."""
        return self._load(service.path / services.DECLARATION)

    def host_variables(self, host: str | None) -> Mapping[str, Any]:
        if host is None or host == self._variables.get("inventory_hostname"):
            return self._variables
        try:
            other = self._variables["hostvars"][host]
        except KeyError as missing:
            raise AnsibleError(f"collectif: no host '{host}' in the inventory") from missing
        # hostvars[host] templates each value on access; the templar needs the raw values
        # (HostVarsVars keeps them as _vars) to template them in the role's context.
        return getattr(other, "_vars", other)

    def template(self, service: services.Service, value: Any, host: str | None = None) -> Any:
        """`value` templated with the role's variables in their usual precedence."""
        context = ChainMap(
            # role_path is the declaring role's, as in its own tasks (a key in its files/).
            {"role_path": str(service.path)},
            self._role_file(service, "vars"),  # type: ignore[arg-type]
            self.host_variables(host),  # type: ignore[arg-type]
            self._role_file(service, "defaults"),  # type: ignore[arg-type]
        )
        templar = self._templar.copy_with_new_env(available_variables=context)
        return templar.template(value)

    def enabled(self, service: services.Service, host: str | None = None) -> bool:
        """Whether the host runs this service: one of its groups, and its own condition."""
        group_names = self.host_variables(host).get("group_names", [])
        if not set(group_names) & set(service.groups):
            return False
        if not service.enabled:
            return True
        condition = trust_as_template("{{ (" + service.enabled + ") | bool }}")
        return bool(self.template(service, condition, host))

    def services(self, host: str | None = None) -> list[services.Service]:
        """The services this host runs, in the order they are deployed."""
        group_names = self.host_variables(host).get("group_names", [])
        return [s for s in services.on_groups(group_names) if self.enabled(s, host)]

    def needs(self, kind: str, only: str | None = None, host: str | None = None) -> list[Any]:
        """Everything the host's services declare under needs.<kind>, in service order."""
        if kind not in services.NEEDS:
            kinds = ", ".join(services.NEEDS)
            raise AnsibleError(f"collectif: '{kind}' is not a kind of need; the kinds are {kinds}")
        gathered: list[Any] = []
        group_names = self.host_variables(host).get("group_names", [])
        for service in services.on_groups(group_names):
            if kind not in service.needs or (only and service.name != only):
                continue
            if not self.enabled(service, host):
                continue
            value = self.template(service, self._declared(service)["needs"][kind], host)
            if value in (None, ""):
                continue
            if not isinstance(value, list):
                raise AnsibleError(
                    f"collectif: roles/{service.name}/meta/collectif.yml: needs.{kind} must "
                    f"give a list, not {type(value).__name__}"
                )
            gathered.extend(value)
        return gathered

    def published(self, variable: str, host: str | None = None) -> Any:
        """A variable another role publishes, as that role computes it on the host."""
        try:
            owner = services.owner(variable)
        except services.DeclarationError as error:
            raise AnsibleError(f"collectif: {error}") from error
        if variable not in owner.publishes:
            raise AnsibleError(
                f"collectif: {variable} is not published by the role {owner.name} (add it to "
                f"publishes in roles/{owner.name}/meta/collectif.yml, or read another value)"
            )
        return self.template(owner, trust_as_template("{{ " + variable + " }}"), host)


class DeclarationsLookup(LookupBase):
    """What the collection's lookups share: one term, options, the host's declarations."""

    def prepare(
        self,
        terms: list[Any],
        variables: dict[str, Any] | None,
        options: dict[str, Any],
        usage: str,
    ) -> tuple[str, Declarations]:
        self.set_options(var_options=variables, direct=options)
        if len(terms) != 1:
            raise AnsibleError(f"collectif.core.{usage}")
        return str(terms[0]), Declarations(self._loader, self._templar, variables or {})
