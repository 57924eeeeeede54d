"""Inventory checks run before any host is touched (the first play of site.yml).

`problems()` looks at one host's variables and the inventory's groups and returns every
problem found, each as one line that names the variable, says what is wrong and where to
set it. Nothing stops at the first problem: a volunteer fixes them all in one go.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectif import php, validators

ENVIRONMENTS = ("production", "test", "demo")
SERVERS_GROUP = "servers"
# Services that run once per association (one host each, for now).
SERVICE_GROUPS = ("nextcloud", "matrix", "jitsi", "wordpress", "invoiceninja")
BACKUP_GROUP = "backup_targets"
# Hosts that run Pebble, the ACME test server (demo and tests only).
PEBBLE_GROUP = "pebble"
# Shared by Matrix and Jitsi.
TURN_GROUP = "coturn"
KNOWN_GROUPS = (SERVERS_GROUP, BACKUP_GROUP, PEBBLE_GROUP, TURN_GROUP, *SERVICE_GROUPS)
# What location / of a site does: exactly one of these, or none when only locations serve.
SITE_TARGETS = ("upstream", "root", "return")
# The one secret every service's passwords and tokens are derived from.
MIN_SECRET_KEY = 32
OVH_KEYS = (
    "nginx_acme_ovh_application_key",
    "nginx_acme_ovh_application_secret",
    "nginx_acme_ovh_consumer_key",
)
# restic repositories collectif knows; a local path is for tests and the demo only.
RESTIC_REPOSITORY = re.compile(r"^(rest:https?://|s3:https://|sftp:|/)")
RESTIC_S3_KEYS = ("restic_s3_access_key_id", "restic_s3_secret_access_key")
# rest-server's account names (also the repository's path on the backup server).
REST_USER = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, order=True)
class Problem:
    variable: str
    message: str
    where: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.message}. Set it in {self.where}."


@dataclass(frozen=True)
class _Places:
    """Where a volunteer sets things, relative to the inventory they run."""

    inventory: str
    host: str

    @property
    def association(self) -> str:
        return f"{self.inventory}/group_vars/all/association.yml"

    @property
    def host_file(self) -> str:
        return f"{self.inventory}/host_vars/{self.host}.yml"

    @property
    def hosts_file(self) -> str:
        return f"{self.inventory}/hosts.yml"


def problems(
    hostvars: Mapping[str, Any],
    groups: Mapping[str, Sequence[str]],
    host: str,
    inventory_dir: str | None = None,
) -> list[str]:
    """Every problem with `host`'s variables, as readable lines (empty when all is well)."""
    places = _Places(_shown_path(inventory_dir), host)
    found: list[Problem] = []
    found += _association(hostvars, places)
    found += _plans(hostvars.get("collectif_plans", []), places)
    found += _groups(groups, host, hostvars, places)
    # The backup server gets the base role too: admins, SSH hardening, firewall.
    if host in groups.get(SERVERS_GROUP, ()) or host in groups.get(BACKUP_GROUP, ()):
        found += _admins(hostvars, places)
        found += _base(hostvars, places)
    if host in groups.get(SERVERS_GROUP, ()):
        found += _web(hostvars, places)
        found += _backup(hostvars, groups, places)
    if any(host in groups.get(service, ()) for service in (*SERVICE_GROUPS, TURN_GROUP)):
        found += _secret_key(hostvars, places)
    if host in groups.get("matrix", ()):
        found += _matrix(hostvars, host in groups.get("wordpress", ()), places)
    if host in groups.get("wordpress", ()):
        found += _wordpress(hostvars, places)
    return [str(p) for p in sorted(set(found))]


def _shown_path(inventory_dir: str | None) -> str:
    if not inventory_dir:
        return "your inventory"
    path = Path(inventory_dir)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check(
    variable: str,
    value: Any,
    check: Callable[[Any], str | None],
    where: str,
) -> list[Problem]:
    message = check(value)
    return [] if message is None else [Problem(variable, message, where)]


def _association(hostvars: Mapping[str, Any], places: _Places) -> list[Problem]:
    found: list[Problem] = []
    for variable, check, example in (
        ("collectif_domain", validators.domain_problem, "example.org"),
        ("collectif_admin_email", validators.email_problem, "bureau@example.org"),
    ):
        if variable not in hostvars or hostvars[variable] in (None, ""):
            found.append(
                Problem(variable, f"is required (for example: {example})", places.association)
            )
        else:
            found += _check(variable, hostvars[variable], check, places.association)
    mirror = hostvars.get("collectif_artifact_mirror", "")
    if mirror and not str(mirror).startswith(("http://", "https://", "file:///")):
        found.append(
            Problem(
                "collectif_artifact_mirror",
                f"'{mirror}' is not a mirror address: it starts with https://, http:// "
                "or file:/// (a directory on the controller)",
                places.association,
            )
        )
    environment = hostvars.get("collectif_environment", "production")
    if environment not in ENVIRONMENTS:
        found.append(
            Problem(
                "collectif_environment",
                f"'{environment}' is not one of {', '.join(ENVIRONMENTS)}",
                places.association,
            )
        )
    return found


def _named_items(
    value: Any, variable: str, items_of: str, item_needs: str, duplicate: str, where: str
) -> tuple[list[tuple[str, Mapping[str, Any]]], list[Problem]]:
    """The mappings of a list such as collectif_plans or nginx_sites, each with its label,
    and the problems they share: not a list, an item that is not a mapping, a bad or
    repeated name (`duplicate` is that message, with {name} in it)."""
    if not isinstance(value, list):
        return [], [Problem(variable, f"must be a list of {items_of}", where)]
    items: list[tuple[str, Mapping[str, Any]]] = []
    found: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        label = f"{variable}[{index}]"
        if not isinstance(item, Mapping):
            found.append(Problem(label, f"must have {item_needs}", where))
            continue
        name = item.get("name")
        found += _check(f"{label}.name", name, validators.slug_problem, where)
        if isinstance(name, str) and name in seen:
            found.append(Problem(f"{label}.name", duplicate.format(name=name), where))
        seen.add(str(name))
        items.append((label, item))
    return items, found


def _plans(plans: Any, places: _Places) -> list[Problem]:
    where = places.association
    items, found = _named_items(
        plans,
        "collectif_plans",
        "plans (name, nextcloud_quota)",
        "a name and a nextcloud_quota",
        "'{name}' is used by two plans",
        where,
    )
    for label, plan in items:
        found += _check(
            f"{label}.nextcloud_quota", plan.get("nextcloud_quota"), validators.quota_problem, where
        )
    return found


def _groups(
    groups: Mapping[str, Sequence[str]],
    host: str,
    hostvars: Mapping[str, Any],
    places: _Places,
) -> list[Problem]:
    where = places.hosts_file
    found: list[Problem] = []
    servers = set(groups.get(SERVERS_GROUP, ()))
    for service in SERVICE_GROUPS:
        members = list(groups.get(service, ()))
        if host not in members:
            continue
        if len(members) > 1:
            found.append(
                Problem(
                    f"group {service}",
                    f"has {len(members)} hosts ({', '.join(members)}); "
                    f"{service} runs on one host only",
                    where,
                )
            )
        if host not in servers:
            found.append(
                Problem(
                    f"group {service}",
                    f"host {host} is in {service} but not in '{SERVERS_GROUP}', "
                    "so it would get no firewall or admin accounts; add it to "
                    f"'{SERVERS_GROUP}'",
                    where,
                )
            )
    environment = hostvars.get("collectif_environment", "production")
    if host in groups.get(PEBBLE_GROUP, ()) and environment == "production":
        found.append(
            Problem(
                f"group {PEBBLE_GROUP}",
                f"host {host} is a real server (collectif_environment production), and "
                "Pebble issues certificates no browser trusts; take it out of the group",
                where,
            )
        )
    if host in groups.get(BACKUP_GROUP, ()) and environment == "production":
        shared = [s for s in SERVICE_GROUPS if host in groups.get(s, ())]
        if shared:
            found.append(
                Problem(
                    f"group {BACKUP_GROUP}",
                    f"host {host} would hold the backups of its own services "
                    f"({', '.join(shared)}): a backup on the same machine is lost with it; "
                    "use a second server",
                    where,
                )
            )
    for group in _unknown_groups(groups, host):
        guess = difflib.get_close_matches(group, KNOWN_GROUPS, n=1, cutoff=0.75)
        if guess:
            found.append(
                Problem(
                    f"group {group}", f"is not a collectif group; did you mean '{guess[0]}'?", where
                )
            )
    return found


def _unknown_groups(groups: Mapping[str, Sequence[str]], host: str) -> Iterable[str]:
    for group, members in groups.items():
        if group in ("all", "ungrouped") or group in KNOWN_GROUPS:
            continue
        if host in members:
            yield group


def _admins(hostvars: Mapping[str, Any], places: _Places) -> list[Problem]:
    where = places.association
    users = hostvars.get("base_admin_users", [])
    if not isinstance(users, list):
        return [Problem("base_admin_users", "must be a list of admins (name, ssh_keys)", where)]
    found: list[Problem] = []
    with_keys = 0
    for index, user in enumerate(users):
        label = f"base_admin_users[{index}]"
        if not isinstance(user, Mapping):
            found.append(Problem(label, "must have a name and ssh_keys", where))
            continue
        found += _check(f"{label}.name", user.get("name"), validators.username_problem, where)
        keys = user.get("ssh_keys", [])
        if not isinstance(keys, list):
            found.append(Problem(f"{label}.ssh_keys", "must be a list of public keys", where))
            continue
        for key_index, key in enumerate(keys):
            found += _check(
                f"{label}.ssh_keys[{key_index}]", key, validators.ssh_key_problem, where
            )
        if user.get("state", "present") == "present" and keys:
            with_keys += 1
    environment = hostvars.get("collectif_environment", "production")
    if environment == "production" and with_keys == 0:
        found.append(
            Problem(
                "base_admin_users",
                "no admin with an SSH key: on a real server password logins are turned off, "
                "so add at least one admin with the content of their ~/.ssh/id_ed25519.pub",
                where,
            )
        )
    return found


def _base(hostvars: Mapping[str, Any], places: _Places) -> list[Problem]:
    """Rules the role's argument specs cannot express (types are checked there)."""
    found: list[Problem] = []
    host_where = places.host_file
    if "base_hostname" in hostvars:
        value = hostvars["base_hostname"]
        if (
            not isinstance(value, str)
            or "." in value
            or validators.domain_problem(f"{value}.example.org")
        ):
            found.append(
                Problem(
                    "base_hostname",
                    f"'{value}' is not a short host name (lowercase letters, digits, "
                    "hyphens, no dots)",
                    host_where,
                )
            )
    locale = hostvars.get("base_locale")
    locales = hostvars.get("base_locales")
    if locale is not None and isinstance(locales, list) and locale not in locales:
        found.append(
            Problem("base_locale", f"'{locale}' is not in base_locales {locales}", host_where)
        )
    for variable in ("base_firewall_ssh_sources", "base_fail2ban_ignoreip"):
        for index, network in enumerate(_as_list(hostvars.get(variable))):
            found += _check(f"{variable}[{index}]", network, validators.network_problem, host_where)
    # Ports of the wrong type are reported by the argument specs; here only the range.
    for variable in ("base_firewall_tcp_ports", "base_firewall_udp_ports"):
        for index, port in enumerate(_as_list(hostvars.get(variable))):
            if isinstance(port, int):
                found += _check(f"{variable}[{index}]", port, validators.port_problem, host_where)
    if isinstance(hostvars.get("base_sshd_port"), int):
        found += _check(
            "base_sshd_port", hostvars["base_sshd_port"], validators.port_problem, host_where
        )
    return found


def _web(hostvars: Mapping[str, Any], places: _Places) -> list[Problem]:
    """nginx's sites and ACME settings, PHP's extensions: rules beyond the specs' types."""
    where = places.association
    found: list[Problem] = []
    if hostvars.get("nginx_acme_challenge") == "dns-ovh":
        for variable in OVH_KEYS:
            if not hostvars.get(variable):
                found.append(
                    Problem(
                        variable,
                        "is required with nginx_acme_challenge dns-ovh (create the keys at "
                        "https://eu.api.ovh.com/createToken/ and keep them in the vault)",
                        where,
                    )
                )
    found += _sites(hostvars.get("nginx_sites"), where)
    extensions = hostvars.get("php_fpm_extensions")
    if extensions is not None:
        found += _check("php_fpm_extensions", extensions, php.unknown_extensions_problem, where)
    return found


def _backup(
    hostvars: Mapping[str, Any], groups: Mapping[str, Sequence[str]], places: _Places
) -> list[Problem]:
    """Where a server's snapshots go: off the server, on a real one (rest, s3 or sftp)."""
    where = places.association
    found: list[Problem] = []
    environment = hostvars.get("collectif_environment", "production")
    repository = hostvars.get("restic_repository") or ""
    if not repository:
        # Without a repository and without a backup target, site.yml sets up no backups.
        if environment == "production" and not groups.get(BACKUP_GROUP):
            found.append(
                Problem(
                    "restic_repository",
                    f"is empty and the inventory has no host in {BACKUP_GROUP}: this server "
                    f"would have no backups; add a second server to {BACKUP_GROUP} (it gets a "
                    "restic rest-server), or set restic_repository to a rest:, s3: or sftp: "
                    "repository",
                    where,
                )
            )
    elif not isinstance(repository, str) or not RESTIC_REPOSITORY.match(repository):
        found.append(
            Problem(
                "restic_repository",
                f"'{repository}' is not a restic repository URL: use "
                "rest:https://host:8000/name/, s3:https://s3.<region>.io.cloud.ovh.net/<bucket>, "
                "sftp:user@host:/path, or (tests and demo only) an absolute path",
                where,
            )
        )
    elif repository.startswith("/") and environment == "production":
        found.append(
            Problem(
                "restic_repository",
                f"'{repository}': a repository on the server's own disk is lost with the "
                "server; use a rest:, s3: or sftp: repository",
                where,
            )
        )
    elif repository.startswith("s3:"):
        for variable in RESTIC_S3_KEYS:
            if not hostvars.get(variable):
                found.append(
                    Problem(
                        variable,
                        "is required with an s3: restic_repository (the keys of an OVH Object "
                        "Storage user; keep them in the vault)",
                        where,
                    )
                )
    user = hostvars.get("restic_rest_user")
    if user and not (isinstance(user, str) and REST_USER.match(user)):
        found.append(
            Problem(
                "restic_rest_user",
                f"'{user}' is not a rest-server account name: lowercase letters, digits, "
                "hyphens and underscores, starting with a letter or digit",
                where,
            )
        )
    return found


def _sites(sites: Any, where: str) -> list[Problem]:
    if sites is None:
        return []
    items, found = _named_items(
        sites,
        "nginx_sites",
        "sites (name, server_names...)",
        "a name and server_names",
        "'{name}' names two sites",
        where,
    )
    served: dict[str, str] = {}
    for label, site in items:
        name = site.get("name")
        server_names = site.get("server_names")
        if not isinstance(server_names, list) or not server_names:
            found.append(
                Problem(f"{label}.server_names", "must list the site's domain names", where)
            )
            server_names = []
        for name_index, server_name in enumerate(server_names):
            variable = f"{label}.server_names[{name_index}]"
            found += _check(variable, server_name, validators.domain_problem, where)
            if isinstance(server_name, str) and server_name in served:
                found.append(
                    Problem(
                        variable,
                        f"'{server_name}' is already served by site '{served[server_name]}'",
                        where,
                    )
                )
            served.setdefault(str(server_name), str(name))
        targets = [key for key in SITE_TARGETS if site.get(key)]
        if len(targets) > 1:
            found.append(
                Problem(
                    label,
                    f"gives {' and '.join(targets)}; a site serves one of "
                    f"{', '.join(SITE_TARGETS)}",
                    where,
                )
            )
        if site.get("php_socket") and not site.get("root"):
            found.append(
                Problem(f"{label}.php_socket", "needs a root, where the PHP files are", where)
            )
    return found


def _secret_key(hostvars: Mapping[str, Any], places: _Places) -> list[Problem]:
    key = hostvars.get("collectif_secret_key")
    if isinstance(key, str) and len(key) >= MIN_SECRET_KEY:
        return []
    return [
        Problem(
            "collectif_secret_key",
            f"must be set, {MIN_SECRET_KEY} characters at least: the services' passwords "
            "and tokens are derived from it. Make one with `openssl rand -hex 32`, keep it "
            "encrypted as vault_collectif_secret_key in group_vars/all/vault.yml "
            "(ansible-vault create), and refer to it from association.yml",
            places.association,
        )
    ]


def _matrix(hostvars: Mapping[str, Any], with_wordpress: bool, places: _Places) -> list[Problem]:
    where = places.association
    found: list[Problem] = []
    server_name = hostvars.get("synapse_server_name", hostvars.get("collectif_domain"))
    if "synapse_server_name" in hostvars:
        found += _check("synapse_server_name", server_name, validators.domain_problem, where)
    found += _bridges(hostvars, where)
    if with_wordpress:
        return found
    # Without WordPress, one of the inventory's sites must serve the bare domain, where
    # other servers and clients look for /.well-known/matrix/*.
    site = hostvars.get("synapse_wellknown_site", "accueil")
    sites = hostvars.get("nginx_sites")
    served = [
        s
        for s in (sites if isinstance(sites, list) else [])
        if isinstance(s, Mapping)
        and s.get("name") == site
        and server_name in (s.get("server_names") or [])
    ]
    if not served:
        found.append(
            Problem(
                "nginx_sites",
                f"Matrix needs the bare domain {server_name} served over HTTPS for its "
                f"/.well-known/matrix files, and no site named '{site}' serves it. Add "
                f"one (name: {site}, server_names: [{server_name}], return: '301 "
                f"https://matrix.{server_name}'), or put this host in the wordpress group",
                where,
            )
        )
    return found


WORDPRESS_SLUG = re.compile(r"^[a-z0-9]{4,}$")
WORDPRESS_OWNER = re.compile(r"^[a-z0-9]{4,60}$")
# Paths WordPress keeps for itself in a sub-directory network.
WORDPRESS_RESERVED = {"page", "comments", "blog", "files", "feed", "embed"}


def _wordpress(hostvars: Mapping[str, Any], places: _Places) -> list[Problem]:
    """WordPress owns its domain's site; members' sites need names WordPress accepts."""
    where = places.association
    found: list[Problem] = []
    domain = hostvars.get("wordpress_domain", hostvars.get("collectif_domain"))
    sites = hostvars.get("nginx_sites")
    for site in sites if isinstance(sites, list) else []:
        if isinstance(site, Mapping) and domain in (site.get("server_names") or []):
            found.append(
                Problem(
                    "nginx_sites",
                    f"site '{site.get('name')}' serves {domain}, which WordPress serves "
                    "(wordpress_domain): remove that site, or give WordPress another domain",
                    where,
                )
            )
    members = hostvars.get("wordpress_sites", [])
    if not isinstance(members, list):
        return [*found, Problem("wordpress_sites", "must be a list of sites", where)]
    seen: set[str] = set()
    for index, site in enumerate(members):
        label = f"wordpress_sites[{index}]"
        if not isinstance(site, Mapping):
            found.append(Problem(label, "must be a site (slug, title, owner, owner_email)", where))
            continue
        slug = str(site.get("slug", ""))
        if not WORDPRESS_SLUG.match(slug) or slug in WORDPRESS_RESERVED:
            found.append(
                Problem(
                    f"{label}.slug",
                    f"'{slug}': the site's address takes 4 or more lowercase letters and "
                    f"digits (WordPress's rule), and not {', '.join(sorted(WORDPRESS_RESERVED))}",
                    where,
                )
            )
        elif slug in seen:
            found.append(Problem(f"{label}.slug", f"'{slug}' names two sites", where))
        seen.add(slug)
        if not site.get("title"):
            found.append(Problem(f"{label}.title", "is missing", where))
        if not WORDPRESS_OWNER.match(str(site.get("owner", ""))):
            found.append(
                Problem(
                    f"{label}.owner",
                    f"'{site.get('owner', '')}': an account name of 4 to 60 lowercase "
                    "letters and digits (WordPress's rule in a network)",
                    where,
                )
            )
        found += _check(
            f"{label}.owner_email", site.get("owner_email"), validators.email_problem, where
        )
    return found


BRIDGE_NETWORKS = {
    "whatsapp": "WhatsApp",
    "signal": "Signal",
    "telegram": "Telegram",
    "meta": "Messenger",
}
MATRIX_ID = re.compile(r"^@[a-z0-9._=/+-]+:[a-z0-9.-]+(:[0-9]+)?$")


def _bridges(hostvars: Mapping[str, Any], where: str) -> list[Problem]:
    networks = hostvars.get("mautrix_bridge_networks", [])
    if not isinstance(networks, list):
        return [
            Problem("mautrix_bridge_networks", "must be a list, e.g. [whatsapp, signal]", where)
        ]
    found: list[Problem] = []
    known = ", ".join(f"{key} ({name})" for key, name in BRIDGE_NETWORKS.items())
    for network in networks:
        if network not in BRIDGE_NETWORKS:
            aliases = {"messenger": "meta", "facebook": "meta", "fb": "meta", "wa": "whatsapp"}
            guess = aliases.get(str(network).lower()) or next(
                iter(difflib.get_close_matches(str(network), list(BRIDGE_NETWORKS), n=1)), None
            )
            hint = f" Did you mean {guess}?" if guess else ""
            found.append(
                Problem(
                    "mautrix_bridge_networks",
                    f"'{network}' is not a bridge collectif knows; the bridges are {known}.{hint}",
                    where,
                )
            )
    if "telegram" in networks:
        api_id, api_hash = (
            hostvars.get("mautrix_bridge_telegram_api_id"),
            hostvars.get("mautrix_bridge_telegram_api_hash"),
        )
        # A number, or its digits as a string (as a vault value usually is).
        valid_id = not isinstance(api_id, bool) and str(api_id).isdigit() and int(api_id) > 0
        if not valid_id or not re.fullmatch(r"[0-9a-f]{32}", str(api_hash or "")):
            found.append(
                Problem(
                    "mautrix_bridge_telegram_api_id",
                    "and mautrix_bridge_telegram_api_hash are needed by the Telegram bridge: "
                    "log in at https://my.telegram.org with the association's phone number, "
                    "open 'API development tools', create an app, and keep its api_id (a "
                    "number) and api_hash (32 hexadecimal characters) in the vault",
                    where,
                )
            )
    admins = hostvars.get("mautrix_bridge_admins", [])
    domain = hostvars.get("collectif_domain", "example.org")
    for admin in admins if isinstance(admins, list) else [admins]:
        if not isinstance(admin, str) or not MATRIX_ID.match(admin):
            found.append(
                Problem(
                    "mautrix_bridge_admins",
                    f"'{admin}' is not a Matrix ID; write it as @name:{domain}",
                    where,
                )
            )
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def spec_problems(
    results: Sequence[Mapping[str, Any]], inventory_dir: str | None = None
) -> list[str]:
    """Lines for the argument-spec errors registered by the preflight's validation loop."""
    where = f"{_shown_path(inventory_dir)}/group_vars or host_vars"
    lines: list[str] = []
    for result in results:
        role = result.get("item", "?")
        errors = result.get("argument_errors") or []
        for error in errors:
            lines.append(f"role {role}: {str(error).rstrip('.')}. Set it in {where}.")
        if result.get("failed") and not errors:
            # Not a wrong value but one that cannot be computed (an undefined variable, a
            # lookup that fails): the role would fail on it too, later and half-way.
            reason = str(result.get("msg", "unknown error")).removeprefix("Task failed: ")
            lines.append(
                f"role {role}: its variables could not be read ({reason.rstrip('.')}). "
                f"Set them in {where}."
            )
    return lines
