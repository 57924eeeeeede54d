"""PHP extensions an application may ask for, and the Debian packages that provide them.

One source of truth for the php_fpm role (filter collectif_php_packages) and the preflight.
Names are PHP's own, as `php -m` prints them in lowercase. Checked against Debian 13's
PHP 8.4 packages: the modules each php8.4-* package ships, and `php -m` of php8.4-fpm.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from . import i18n, shapes

# Extension -> Debian package ("{version}" becomes 8.4), or None when every PHP has it:
# compiled into the binary, or shipped and enabled by php8.4-common (which php8.4-fpm
# depends on). Several extensions share one package (pdo_pgsql and pgsql: php8.4-pgsql).
EXTENSIONS: dict[str, str | None] = {
    # Compiled into every PHP binary of Debian.
    "core": None,
    "date": None,
    "filter": None,
    "hash": None,
    "json": None,
    "libxml": None,
    "openssl": None,
    "pcre": None,
    "random": None,
    "reflection": None,
    "session": None,
    "sodium": None,
    "spl": None,
    "standard": None,
    "zlib": None,
    # Shared modules of php8.4-common, enabled for every SAPI.
    "calendar": None,
    "ctype": None,
    "exif": None,
    "ffi": None,
    "fileinfo": None,
    "ftp": None,
    "gettext": None,
    "iconv": None,
    "pdo": None,
    "phar": None,
    "posix": None,
    "shmop": None,
    "sockets": None,
    "sysvmsg": None,
    "sysvsem": None,
    "sysvshm": None,
    "tokenizer": None,
    # Compiled into php8.4-cli only (command-line jobs such as Nextcloud's cron); FPM
    # never has it, so there is nothing to install for a pool.
    "pcntl": None,
    # PHP's own modules, one package each unless noted.
    "bcmath": "php{version}-bcmath",
    "bz2": "php{version}-bz2",
    "curl": "php{version}-curl",
    "dba": "php{version}-dba",
    "enchant": "php{version}-enchant",
    "gd": "php{version}-gd",
    "gmp": "php{version}-gmp",
    "intl": "php{version}-intl",
    "ldap": "php{version}-ldap",
    "mbstring": "php{version}-mbstring",
    "mysqli": "php{version}-mysql",
    "mysqlnd": "php{version}-mysql",
    "pdo_mysql": "php{version}-mysql",
    "odbc": "php{version}-odbc",
    "pdo_odbc": "php{version}-odbc",
    "opcache": "php{version}-opcache",
    "pgsql": "php{version}-pgsql",
    "pdo_pgsql": "php{version}-pgsql",
    "pdo_dblib": "php{version}-sybase",
    "pdo_firebird": "php{version}-interbase",
    "readline": "php{version}-readline",
    "snmp": "php{version}-snmp",
    "soap": "php{version}-soap",
    "sqlite3": "php{version}-sqlite3",
    "pdo_sqlite": "php{version}-sqlite3",
    "tidy": "php{version}-tidy",
    "dom": "php{version}-xml",
    "simplexml": "php{version}-xml",
    "xml": "php{version}-xml",
    "xmlreader": "php{version}-xml",
    "xmlwriter": "php{version}-xml",
    "xsl": "php{version}-xml",
    "zip": "php{version}-zip",
    # PECL extensions packaged by Debian for PHP 8.4.
    "amqp": "php{version}-amqp",
    "apcu": "php{version}-apcu",
    "ast": "php{version}-ast",
    "ds": "php{version}-ds",
    "excimer": "php{version}-excimer",
    "gmagick": "php{version}-gmagick",
    "gnupg": "php{version}-gnupg",
    "http": "php{version}-http",
    "igbinary": "php{version}-igbinary",
    "imagick": "php{version}-imagick",
    "inotify": "php{version}-inotify",
    "mailparse": "php{version}-mailparse",
    "maxminddb": "php{version}-maxminddb",
    "memcache": "php{version}-memcache",
    "memcached": "php{version}-memcached",
    "mongodb": "php{version}-mongodb",
    "msgpack": "php{version}-msgpack",
    "oauth": "php{version}-oauth",
    "pcov": "php{version}-pcov",
    "psr": "php{version}-psr",
    "raphf": "php{version}-raphf",
    "redis": "php{version}-redis",
    "smbclient": "php{version}-smbclient",
    "solr": "php{version}-solr",
    "ssh2": "php{version}-ssh2",
    "uploadprogress": "php{version}-uploadprogress",
    "uuid": "php{version}-uuid",
    "xdebug": "php{version}-xdebug",
    "xmlrpc": "php{version}-xmlrpc",
    "yaml": "php{version}-yaml",
    "zstd": "php{version}-zstd",
}

_VERSION = re.compile(r"^\d+\.\d+$")


class UnknownExtensionError(ValueError):
    """An extension name collectif cannot map to a Debian package."""


def _key(name: str) -> str:
    # PHP's names are case-insensitive; `php -m` prints "PDO" and "Zend OPcache".
    key = name.strip().lower()
    return "opcache" if key == "zend opcache" else key


def suggestions(name: str, count: int = 3) -> list[str]:
    """The known extension names closest to a misspelt one, best first."""
    return difflib.get_close_matches(_key(name), EXTENSIONS, n=count, cutoff=0.6)


def unknown_extensions_problem(value: Any) -> str | None:
    """None when every name in the list is a known extension, else one sentence naming the
    unknown ones and, for each, the closest known names."""
    if not isinstance(value, list) or not all(isinstance(n, str) and n.strip() for n in value):
        return i18n.say("php", "extensions.not_a_list")
    unknown = [name for name in dict.fromkeys(value) if _key(name) not in EXTENSIONS]
    if not unknown:
        return None
    parts = []
    for name in unknown:
        close = suggestions(name)
        names = i18n.say("php", "extensions.or").join(repr(c) for c in close)
        hint = i18n.say("php", "extensions.did_you_mean", names=names) if close else ""
        parts.append(f"'{name}'{hint}")
    named = parts[0]
    if len(parts) > 1:
        named = i18n.say("php", "extensions.and", first=", ".join(parts[:-1]), last=parts[-1])
    key = "extensions.unknown_one" if len(unknown) == 1 else "extensions.unknown_many"
    return i18n.say("php", key, named=named)


def packages(extensions: Iterable[str], version: str = "8.4") -> list[str]:
    """The Debian packages to install for these extensions: sorted, each once, none for
    the extensions every PHP has. Raises UnknownExtensionError for an unknown name."""
    if not _VERSION.match(str(version)):
        raise ValueError(f"'{version}' is not a PHP version such as 8.4")
    names = list(extensions)
    problem = unknown_extensions_problem(names)
    if problem:
        raise UnknownExtensionError(problem)
    wanted = {EXTENSIONS[_key(name)] for name in names}
    return sorted(p.format(version=version) for p in wanted if p is not None)


# A pool's keys (the php_fpm role's php_fpm_pools_auto items) and their defaults; None:
# computed from the others.
POOL_KEYS: dict[str, Any] = {
    "name": None,
    "user": None,
    "group": None,
    "home": None,
    "extensions": [],
    "pm": "ondemand",
    "max_children": 5,
    "memory_limit": "256M",
    "upload_max_filesize": "64M",
    "max_execution_time": 60,
    "request_terminate_timeout": None,
    "env": {},
    "open_basedir": [],
    "tmp_dir": None,
    "allow_functions": [],
    "php_admin_values": {},
}
# Functions no pool may call unless its service names them in allow_functions: they run
# other programs, or signal and fork processes. Code an attacker slips into an application
# (a plugin, an upload that gets run) cannot start a shell with them. PHP's command line
# (occ, wp-cli, cron jobs) does not read a pool's settings and keeps them all. pcntl is
# not in FPM at all (php.py's EXTENSIONS): named anyway, should a build ever add it.
DISABLED_FUNCTIONS = (
    "exec",
    "passthru",
    "shell_exec",
    "system",
    "proc_open",
    "popen",
    "pcntl_exec",
    "pcntl_fork",
    "pcntl_rfork",
    "pcntl_unshare",
    "pcntl_signal",
    "pcntl_alarm",
    "posix_kill",
    "posix_setsid",
    "posix_mkfifo",
    "proc_nice",
    "dl",
)
# Read by PHP itself and by applications (Nextcloud's admin manual asks for it in
# open_basedir) as a source of randomness; it gives nothing away.
_ALWAYS_READABLE = ("/dev/urandom",)
PM_MODES = ("ondemand", "dynamic", "static")
_POOL_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
# PHP-FPM clears the environment; without PATH, applications cannot find the programs they
# run (Nextcloud's admin page warns about it).
_PATH = "/usr/local/bin:/usr/bin:/bin"


def pool_problems(pool: Any) -> list[str]:
    """What is wrong with one pool, each as a short sentence (empty when it is good)."""
    if not isinstance(pool, dict) or not isinstance(pool.get("name"), str):
        return ["must have a name"]
    found: list[str] = []
    name = pool["name"]
    if not _POOL_NAME.match(name) or name == "www":
        found.append(
            f"name '{name}' must be lowercase letters, digits, _ and -, starting with a letter "
            "(32 at most), and not www (Debian's default pool, which the role removes)"
        )
    unknown = sorted(set(pool) - set(POOL_KEYS))
    if unknown:
        found.append(f"has unknown keys {', '.join(unknown)} (the keys: {', '.join(POOL_KEYS)})")
    for key in ("user", "group"):
        value = pool.get(key)
        if value is not None and not re.match(r"^[a-z_][a-z0-9_-]{0,31}$", str(value)):
            found.append(f"{key} '{value}' is not a system user or group name")
    if pool.get("pm", "ondemand") not in PM_MODES:
        found.append(f"pm is one of {', '.join(PM_MODES)}")
    if int(pool.get("max_children", 5)) < 1:
        found.append("max_children must be 1 or more")
    problem = unknown_extensions_problem(pool.get("extensions", []))
    if problem:
        found.append(problem)
    paths = pool.get("open_basedir", [])
    if not isinstance(paths, list) or not all(
        isinstance(path, str) and path.startswith("/") and ":" not in path for path in paths
    ):
        found.append("open_basedir must list absolute paths (without ':')")
    tmp_dir = pool.get("tmp_dir")
    if tmp_dir is not None and not (isinstance(tmp_dir, str) and tmp_dir.startswith("/")):
        found.append(f"tmp_dir '{tmp_dir}' must be an absolute path")
    allowed = pool.get("allow_functions", [])
    if not isinstance(allowed, list) or not set(allowed) <= set(DISABLED_FUNCTIONS):
        found.append(
            "allow_functions names functions of the disabled list only: "
            + ", ".join(DISABLED_FUNCTIONS)
        )
    return found


def _directory(path: str) -> str:
    """A directory as open_basedir takes it: with its final /, so that /var/lib/app does
    not also open /var/lib/app2 (open_basedir compares prefixes)."""
    return path if path.endswith("/") else f"{path}/"


def pools(
    items: Iterable[Any], socket: str, sessions_dir: str, tmp_dir: str = "/var/lib/php/tmp"
) -> list[dict[str, Any]]:
    """Every pool of the host with all its keys, socket, session and temporary directories
    and confinement included (`socket` is the php_fpm role's pattern, "%s" standing for the
    pool's name; `sessions_dir` and `tmp_dir` hold a directory per pool)."""
    found: list[dict[str, Any]] = []
    for item in items:
        pool = shapes.complete(
            item, POOL_KEYS, pool_problems, f"PHP-FPM pool '{dict(item).get('name')}'"
        )
        name = pool["name"]
        pool["user"] = pool["user"] or name
        pool["group"] = pool["group"] or pool["user"]
        pool["home"] = pool["home"] or f"/var/lib/{name}"
        # max_execution_time counts CPU time only; the wall-clock limit also ends a worker
        # stuck on a database or a remote server: a minute more by default.
        if pool["request_terminate_timeout"] is None:
            pool["request_terminate_timeout"] = int(pool["max_execution_time"]) + 60
        pool["env"] = {"PATH": _PATH, **(pool["env"] or {})}
        pool["sessions"] = f"{sessions_dir}/{name}"
        # Uploads and temporary files in a directory of the pool's own, on disk (/tmp is
        # a RAM disk on Debian 13, shared by every program).
        pool["tmp_dir"] = (pool["tmp_dir"] or f"{tmp_dir}/{name}").rstrip("/")
        # The application reads and writes only below these: its own paths (its home
        # when it names none), its sessions and temporary files, and /dev/urandom.
        own = list(pool["open_basedir"] or [_directory(pool["home"])])
        basedir = [*own, _directory(pool["sessions"]), _directory(pool["tmp_dir"])]
        basedir += [path for path in _ALWAYS_READABLE if path not in basedir]
        pool["open_basedir"] = list(dict.fromkeys(basedir))
        allowed = set(pool["allow_functions"] or [])
        pool["disable_functions"] = [f for f in DISABLED_FUNCTIONS if f not in allowed]
        pool["php_admin_values"] = {
            "session.save_path": pool["sessions"],
            "upload_tmp_dir": pool["tmp_dir"],
            "sys_temp_dir": pool["tmp_dir"],
            "open_basedir": ":".join(pool["open_basedir"]),
            "disable_functions": ",".join(pool["disable_functions"]),
            **(pool["php_admin_values"] or {}),
        }
        pool["socket"] = socket % name
        found.append(pool)
    twice = shapes.repeated([pool["name"] for pool in found])
    if twice:
        raise ValueError(f"PHP-FPM pools: two pools are named {', '.join(twice)}")
    return found
