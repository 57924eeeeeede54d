# shellcheck shell=bash
# Shared helpers for the collectif test harness and demo.
# Every ensure_* function is idempotent: it does nothing when its job is already done,
# so the scripts are fast to re-run and safe on a fresh machine.

COLLECTIF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COLLECTIF_CACHE="${COLLECTIF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/collectif}"
COLLECTIF_IMAGE="${COLLECTIF_IMAGE:-local/debian-systemd:trixie}"
COLLECTIF_DEBIAN_MIRROR="${COLLECTIF_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
COLLECTIF_APT_CACHE_PORT="${COLLECTIF_APT_CACHE_PORT:-3142}"
export COLLECTIF_ROOT COLLECTIF_CACHE COLLECTIF_IMAGE

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[33mwarning: %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  # Install Debian packages on the controller host when a command is missing.
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The tool venv lives in the cache, keyed by the pinned dependencies: a fresh clone of the
# same commit reuses it instead of downloading ansible again (about 1 minute saved per run).
# It holds the pinned tools only; each checkout puts its own src/ on PYTHONPATH, so two
# checkouts sharing the venv never run each other's code.
pinned_requirements() {
  python3 -c 'import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' "$COLLECTIF_ROOT/pyproject.toml"
}

ensure_venv() {
  local key venv
  key=$(pinned_requirements | sha256sum | cut -c1-16) || return 1
  venv="$COLLECTIF_CACHE/venv-$key"
  if [ ! -x "$venv/bin/molecule" ] || [ ! -f "$venv/.complete" ]; then
    log "Creating the tool environment in $venv (pinned in pyproject.toml)"
    rm -rf "$venv"
    mkdir -p "$COLLECTIF_CACHE"
    # Environments of other pins, unused for a week, only take disk space.
    find "$COLLECTIF_CACHE" -maxdepth 1 -name 'venv-*' -mtime +7 -exec rm -rf {} + 2>/dev/null || true
    python3 -m venv "$venv" || return 1
    # pip's own wheel cache makes a re-creation cheap; its notices about this machine's
    # package sources are noise here.
    "$venv/bin/pip" install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
    pinned_requirements >"$venv/requirements.txt" || return 1
    "$venv/bin/pip" install -q -r "$venv/requirements.txt" 2>&1 | { grep -v "^WARNING: Location" || true; }
    [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
    touch "$venv/.complete"
  fi
  export VIRTUAL_ENV="$venv"
  export PATH="$venv/bin:$PATH"
  export PYTHONPATH="$COLLECTIF_ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
}

# Mitogen runs each task in a Python interpreter kept open on the server (over SSH, or
# docker exec for the containers) instead of starting one per task. On unless
# COLLECTIF_MITOGEN=0; Molecule's own create and destroy playbooks run without it.
use_mitogen() {
  [ "${COLLECTIF_MITOGEN:-1}" = 1 ] || { without_mitogen; return 0; }
  local strategies
  strategies=$(python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))' 2>/dev/null) \
    || { warn "Mitogen is not installed: tasks run without it"; return 0; }
  export ANSIBLE_STRATEGY_PLUGINS="$strategies/plugins/strategy" ANSIBLE_STRATEGY=mitogen_linear
}

without_mitogen() {
  unset ANSIBLE_STRATEGY_PLUGINS ANSIBLE_STRATEGY
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "Installing Debian's docker.io (no Docker engine on this machine)"
    apt_install docker.io
  fi
  if ! docker info >/dev/null 2>&1; then
    log "Starting dockerd in the background (log: /var/log/dockerd.log)"
    as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
    local i
    for i in $(seq 1 60); do
      docker info >/dev/null 2>&1 && return 0
      sleep 1
    done
    die "dockerd did not answer after 60 s; see /var/log/dockerd.log"
  fi
}

# A local apt cache (Debian's apt-cacher-ng) shared by every test container: scenarios
# install the same packages again and again. Containers find it through the image's
# proxy auto-detection (see build-image) and go direct when it is not running.
ensure_apt_cache() {
  [ "${COLLECTIF_APT_CACHE:-1}" = 1 ] || return 0
  if (exec 3<>"/dev/tcp/127.0.0.1/$COLLECTIF_APT_CACHE_PORT") 2>/dev/null; then
    return 0
  fi
  if ! command -v apt-cacher-ng >/dev/null 2>&1 && [ ! -x /usr/sbin/apt-cacher-ng ]; then
    log "Installing Debian's apt-cacher-ng (local package cache for test containers)"
    apt_install apt-cacher-ng
  fi
  # Our own configuration, in the cache: Debian's default one remaps the Debian archive to
  # mirrors the test machines cannot reach. Without remapping it caches by URL as a proxy.
  local dir="$COLLECTIF_CACHE/apt-cacher-ng"
  mkdir -p "$dir/conf" "$dir/cache" "$dir/log"
  cat >"$dir/conf/acng.conf" <<CONF
CacheDir: $dir/cache
LogDir: $dir/log
SupportDir: /usr/lib/apt-cacher-ng
Port: $COLLECTIF_APT_CACHE_PORT
BindAddress: 0.0.0.0
ExThreshold: 4
CONF
  log "Starting apt-cacher-ng on port $COLLECTIF_APT_CACHE_PORT (cache: $dir/cache)"
  as_root /usr/sbin/apt-cacher-ng -c "$dir/conf" ForeGround:0 >"$dir/log/start.log" 2>&1 \
    || warn "apt-cacher-ng did not start; containers will fetch packages directly"
}

# What the image is made of: the build script, the mirror and the host's extra CAs. The
# image carries it as a label, so a change to any of them rebuilds it, and nothing else does.
image_build_key() {
  {
    cat "$COLLECTIF_ROOT/scripts/build-image"
    echo "$COLLECTIF_DEBIAN_MIRROR ${COLLECTIF_TRUST_HOST_CAS:-1}"
    cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true
  } | sha256sum | cut -c1-16
}

ensure_image() {
  ensure_docker
  local built
  built=$(docker image inspect -f '{{ index .Config.Labels "collectif.build" }}' "$COLLECTIF_IMAGE" 2>/dev/null || true)
  if [ -n "$built" ] && [ "$built" = "$(image_build_key)" ]; then
    return 0
  fi
  [ -n "$built" ] && log "The base image is out of date (build script or CAs changed): rebuilding"
  "$COLLECTIF_ROOT/scripts/build-image" --force
}

# The settings a systemd container needs on the test machines, without --privileged (which
# fails there): the same as Molecule's shared platform (.config/molecule/config.yml);
# tests/test_harness.py keeps the two in step.
SYSTEMD_CONTAINER_OPTS=(
  --cap-add SYS_ADMIN --cap-add NET_ADMIN
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
  --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw
  --tmpfs /run --tmpfs /run/lock --tmpfs /tmp
)

# start_systemd_container NAME [docker run options...]: create (or start) a container of the
# base image running systemd, and wait until systemd has booted.
start_systemd_container() {
  local name=$1 state i
  shift
  if ! docker container inspect "$name" >/dev/null 2>&1; then
    log "Starting the container $name"
    docker run -d --name "$name" "${SYSTEMD_CONTAINER_OPTS[@]}" "$@" "$COLLECTIF_IMAGE" >/dev/null || return 1
  elif [ "$(docker container inspect -f '{{ .State.Running }}' "$name")" != true ]; then
    log "Starting the stopped container $name"
    docker start "$name" >/dev/null || return 1
  fi
  for i in $(seq 1 60); do
    state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
    case "$state" in running | degraded) return 0 ;; esac
    sleep 1
  done
  warn "systemd in $name did not finish booting (state: $state)"
  return 1
}

# demo_release_at ARTIFACT URL: whether the demo can have a service whose release comes
# from the internet: it is in the demo's artifact cache already (inventories/demo/artifacts/
# ARTIFACT; "" for none), or URL's site answers (any HTTP answer, within 10 s).
demo_release_at() {
  [ -n "$1" ] && [ -n "$(ls "$COLLECTIF_ROOT/inventories/demo/artifacts/$1" 2>/dev/null)" ] && return 0
  curl -sSI --connect-timeout 5 --max-time 10 -o /dev/null "$2" 2>/dev/null
}

# The demo's admin key pair (inventories/demo gives its public half to the admin "demo").
DEMO_KEY="$COLLECTIF_ROOT/.cache/demo/id_ed25519"
ensure_demo_key() {
  [ -f "$DEMO_KEY" ] && return 0
  command -v ssh-keygen >/dev/null 2>&1 || apt_install openssh-client
  mkdir -p "$(dirname "$DEMO_KEY")"
  ssh-keygen -q -t ed25519 -N "" -C "collectif-demo" -f "$DEMO_KEY"
}
