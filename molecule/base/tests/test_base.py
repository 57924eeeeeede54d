"""Role base, seen from outside: what an attacker and an admin would meet."""

import socket
import subprocess
from pathlib import Path

import pytest

ADMIN_KEY = "/root/alice_key"
SSH_OPTS = "-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5"


def sshd_settings(host) -> dict[str, str]:
    out = host.check_output("sshd -T")
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def container_ip(host) -> str:
    return host.interface("eth0").addresses[0]


def test_sshd_effective_settings_refuse_passwords(host):
    settings = sshd_settings(host)
    assert settings["passwordauthentication"] == "no"
    assert settings["kbdinteractiveauthentication"] == "no"
    assert settings["permitemptypasswords"] == "no"
    assert settings["permitrootlogin"] == "no"
    assert settings["maxstartups"] == "10:30:60"
    assert settings["loglevel"] == "VERBOSE"
    assert all(mac.endswith("-etm@openssh.com") for mac in settings["macs"].split(","))
    assert settings["allowgroups"] == "collectif-admins"
    assert settings["maxauthtries"] == "3"
    assert settings["x11forwarding"] == "no"
    assert settings["tcpkeepalive"] == "no"
    assert settings["maxsessions"] == "2"


def test_server_offers_only_public_key_authentication(host):
    result = host.run(f"ssh {SSH_OPTS} -o PreferredAuthentications=password root@127.0.0.1 true")
    assert result.rc == 255
    assert "Permission denied (publickey)" in result.stderr


CLOSED_KEY = "/root/closed_key"


@pytest.mark.parametrize("user", ["debian", "bob", "root"])
def test_only_the_inventorys_admins_log_in(host, user):
    """debian is the provider's first account, bob an admin taken off the list, root has a
    key too (prepare.yml): none of them gets in."""
    result = host.run(f"ssh {SSH_OPTS} -i {CLOSED_KEY} {user}@127.0.0.1 true")
    assert result.rc == 255
    assert "Permission denied" in result.stderr


def test_the_closed_accounts_keep_their_files_not_their_access(host):
    for user in ("debian", "bob"):
        assert not host.file(f"/home/{user}/.ssh/authorized_keys").exists
        assert host.file(f"/home/{user}").is_directory
        assert not {"sudo", "collectif-admins"} & set(host.user(user).groups)
    assert host.user("debian").shell == "/usr/sbin/nologin"
    assert not host.file("/etc/sudoers.d/90-cloud-init-users").exists
    assert {"sudo", "collectif-admins"} <= set(host.user("alice").groups)


def test_admin_logs_in_with_key_and_uses_sudo(host):
    result = host.run(f"ssh {SSH_OPTS} -i {ADMIN_KEY} alice@127.0.0.1 sudo -n id -u")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_removed_admin_has_no_account(host):
    assert not host.user("mallory").exists


def test_admin_keys_are_exclusive_and_private(host):
    keys = host.file("/home/alice/.ssh/authorized_keys")
    assert keys.user == "alice"
    assert keys.mode & 0o077 == 0
    assert keys.content_string.strip().count("\n") == 0  # exactly the one key from the inventory


def test_firewall_input_policy_is_drop(host):
    chain = host.check_output("nft list chain inet collectif input")
    assert "policy drop" in chain
    assert 'tcp dport 22 accept comment "ssh"' in chain


def test_only_ssh_listens_outside_loopback(host):
    listening = set()
    for line in host.check_output("ss -Hltnu").splitlines():
        fields = line.split()
        address, port = fields[4].rsplit(":", 1)
        if not address.startswith(("127.", "[::1]")) and address != "[::ffff:127.0.0.1]":
            listening.add((fields[0], int(port)))
    assert listening == {("tcp", 22)}


def connects(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture
def listeners(host, wait_until):
    """Two listeners inside the container: 8080 is opened by a drop-in, 9999 is not."""
    for port in (8080, 9999):
        host.run(f"systemd-run --unit=listen{port} python3 -m http.server {port}")
    assert wait_until(
        lambda: (
            host.socket("tcp://0.0.0.0:8080").is_listening
            and host.socket("tcp://0.0.0.0:9999").is_listening
        )
    ), "the test listeners did not start"
    yield
    host.run("systemctl stop listen8080 listen9999")


def test_firewall_drops_ports_no_role_opened(host, listeners):
    ip = container_ip(host)
    assert host.run("curl -sf -o /dev/null http://127.0.0.1:9999/").rc == 0  # it does listen
    assert not connects(ip, 9999)  # but the firewall drops it from outside
    assert connects(ip, 8080)  # opened by the base-extra drop-in
    assert connects(ip, 22)


def test_firewall_drop_in_written_by_the_contract(host):
    drop_in = host.file("/etc/nftables.d/base-extra.nft")
    assert drop_in.exists
    # nft shows a one-port set without braces.
    assert 'tcp dport 8080 accept comment "base-extra"' in host.check_output(
        "nft list chain inet collectif services"
    )


def test_unattended_security_upgrades_enabled(host):
    periodic = host.check_output("apt-config dump APT::Periodic")
    assert 'APT::Periodic::Unattended-Upgrade "1";' in periodic
    assert 'APT::Periodic::Update-Package-Lists "1";' in periodic
    assert host.service("apt-daily-upgrade.timer").is_enabled
    dry_run = host.run("unattended-upgrade --dry-run --debug")
    assert dry_run.rc == 0, dry_run.stderr
    assert "Debian-Security" in dry_run.stdout + dry_run.stderr


def test_debians_security_archive_is_a_source_apt_reads(host):
    """The test image has no security source (debootstrap writes the main suite only): the
    origin unattended-upgrades selects must be one APT really fetches."""
    policy = host.check_output("apt-cache policy").splitlines()
    assert any("o=Debian," in line and "n=trixie-security" in line for line in policy)
    sources = host.file("/etc/apt/sources.list.d/collectif-debian-security.sources")
    assert "Suites: trixie-security" in sources.content_string


def test_swap_is_active(host):
    swaps = host.check_output("swapon --show=NAME,SIZE --noheadings --raw")
    assert "/var/lib/collectif-swap/swapfile 64M" in swaps
    assert host.file("/var/lib/collectif-swap/swapfile").mode == 0o600
    assert (
        "/var/lib/collectif-swap/swapfile none swap sw 0 0"
        in host.file("/etc/fstab").content_string
    )


def test_hostname_time_zone_and_locale(host):
    assert host.check_output("hostname") == "server1"
    assert host.check_output("hostname -f") == "server1.collectif.test"
    assert host.file("/etc/localtime").linked_to == "/usr/share/zoneinfo/Europe/Paris"
    assert host.check_output("date +%Z") in ("CET", "CEST")
    locales = host.check_output("locale -a")
    assert "fr_FR.utf8" in locales and "en_US.utf8" in locales


def test_time_sync_configured(host):
    # systemd skips timesyncd inside containers (shared clock); on a server it runs.
    assert host.service("systemd-timesyncd").is_enabled
    assert "NTP=0.debian.pool.ntp.org" in host.check_output(
        "systemd-analyze cat-config systemd/timesyncd.conf"
    )


def test_journald_cap_in_effect(host):
    # journald states its effective limit each time it starts; the last statement counts.
    log = host.check_output("journalctl -b -u systemd-journald --no-pager -o cat")
    system_lines = [line for line in log.splitlines() if line.startswith("System Journal")]
    assert system_lines, log
    assert ", max 64M," in system_lines[-1]


@pytest.fixture(scope="module", autouse=True)
def no_ban_left_over(host):
    """fail2ban counts failures over findtime (10 min): a verify re-run within that window
    must not start with the test machine banned by the previous run."""
    host.run("fail2ban-client unban --all")
    yield
    host.run("fail2ban-client unban --all")


# Last on purpose: it bans the test machine's address until it unbans it at the end.
def test_fail2ban_bans_repeated_ssh_failures(host, wait_until):
    status = host.check_output("fail2ban-client status sshd")
    assert "Journal matches" in status  # reads Debian 13's journal, not a log file
    ip = container_ip(host)
    try:
        # Invalid users from the test machine (not an ignored address); maxretry is 3 here.
        for attempt in range(6):
            subprocess.run(
                [
                    "ssh",
                    *SSH_OPTS.split(),
                    "-o",
                    "ConnectTimeout=3",
                    "-o",
                    "PreferredAuthentications=publickey",
                    "-o",
                    "IdentitiesOnly=yes",
                    "-o",
                    "IdentityFile=/dev/null",
                    f"nosuchuser{attempt}@{ip}",
                    "true",
                ],
                capture_output=True,
                timeout=20,
                check=False,
            )
            if wait_until(lambda: is_banned(host), seconds=3):
                break
        # fail2ban reads the journal as it comes: on a busy machine, a little late.
        assert wait_until(lambda: is_banned(host)), "no address was banned after repeated failures"
        # The ban is enforced by nftables; fail2ban lists the address just before its
        # action has added it to the set, so give the action a moment.
        assert wait_until(lambda: not connects(ip, 22)), "banned, yet SSH still connects"
    finally:
        host.run("fail2ban-client unban --all")
    assert wait_until(lambda: connects(ip, 22)), "unbanned, yet SSH does not connect"


def is_banned(host) -> bool:
    return bool(host.check_output("fail2ban-client get sshd banip").strip())


def test_kernel_settings_are_written_for_every_boot_and_exist(host):
    """A container may not change its host's kernel (/proc/sys is read-only there, and
    some keys are the host's alone), so the role applies the file on real servers only.
    Here: the role's values are in it, and every key it names is one the kernel these
    tests run on has (the test machine's /proc/sys): sysctl skips a misspelt key."""
    conf = host.file("/etc/sysctl.d/60-collectif.conf")
    assert (conf.user, conf.mode) == ("root", 0o644)
    settings = dict(
        line.split(" = ", 1)
        for line in conf.content_string.splitlines()
        if " = " in line and not line.startswith("#")
    )
    assert settings["kernel.kptr_restrict"] == "2"
    assert settings["net.ipv4.conf.all.accept_redirects"] == "0"
    assert settings["net.ipv4.tcp_syncookies"] == "1"
    assert len(settings) >= 20
    missing = [key for key in settings if not Path("/proc/sys", *key.split(".")).exists()]
    assert missing == []


def test_a_service_on_a_replaced_library_is_restarted_after_apt_runs(host):
    """needrestart's hook: replace sshd's libcrypto by a copy (as an update does: the running
    process keeps the deleted file), run APT, and sshd runs the new file."""
    pid = host.check_output("systemctl show --property MainPID --value ssh")
    maps = host.file(f"/proc/{pid}/maps").content_string
    lib = next(line.split()[-1] for line in maps.splitlines() if "/libcrypto.so" in line)
    host.check_output(f"cp -a {lib} {lib}.new && mv {lib}.new {lib}")
    assert f"{lib} (deleted)" in host.file(f"/proc/{pid}/maps").content_string
    assert "NEEDRESTART-SVC: ssh.service" in host.check_output("needrestart -b")
    out = host.check_output(
        "DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -q less 2>&1"
    )
    assert "ssh.service" in out, out
    new_pid = host.check_output("systemctl show --property MainPID --value ssh")
    assert new_pid not in (pid, "0")
    assert "(deleted)" not in host.file(f"/proc/{new_pid}/maps").content_string
    assert "NEEDRESTART-SVC: ssh.service" not in host.check_output("needrestart -b")


def test_no_core_file_for_services_or_logins(host):
    # systemd read DefaultLimitCORE again (the role's daemon-reexec): a service started
    # now gets a hard limit of 0.
    assert host.check_output("systemctl show --property DefaultLimitCORE") == "DefaultLimitCORE=0"
    host.check_output("systemctl restart ssh")
    pid = host.check_output("systemctl show --property MainPID --value ssh")
    limits = host.file(f"/proc/{pid}/limits").content_string
    assert any(
        line.startswith("Max core file size") and line.split()[4:6] == ["0", "0"]
        for line in limits.splitlines()
    ), limits
    logins = host.file("/etc/security/limits.d/collectif-core.conf").content_string
    assert "hard    core    0" in logins
    assert host.check_output("bash -lc 'ulimit -c'") == "0"
    assert "Storage=none" in host.file("/etc/systemd/coredump.conf.d/collectif.conf").content_string


def test_rare_modules_never_load(host):
    conf = host.file("/etc/modprobe.d/collectif.conf").content_string
    for module in ("usb-storage", "firewire-core", "dccp", "sctp", "rds", "tipc"):
        assert f"install {module} /bin/false" in conf
        assert f"blacklist {module}" in conf
    # modprobe reads the file: asked for one of them, it runs /bin/false and fails.
    assert "install dccp /bin/false" in host.check_output("modprobe --showconfig | grep -w dccp")


def test_idle_login_shells_close(host):
    out = host.run(
        "bash -lc 'echo $TMOUT; (TMOUT=0) 2>/dev/null && echo changed || echo refused'"
    ).stdout.splitlines()
    assert out[0] == "1800"
    assert out[-1] == "refused"  # read-only: a session cannot turn it off


def test_weak_password_refused_even_when_root_sets_it(host):
    host.check_output("useradd --no-create-home pwtest")
    try:
        weak = host.run("printf 'motdepasse\\nmotdepasse\\n' | passwd pwtest")
        assert weak.rc != 0
        assert "BAD PASSWORD" in weak.stdout + weak.stderr
        strong = host.run("printf 'vache-Lune-47-cerise\\nvache-Lune-47-cerise\\n' | passwd pwtest")
        assert strong.rc == 0, strong.stderr
    finally:
        host.run("userdel pwtest")


def test_changed_packaged_file_fails_the_weekly_check(host):
    assert host.service("collectif-debsums.timer").is_enabled
    assert host.run("systemctl start collectif-debsums.service").rc == 0
    target = "/usr/bin/less"
    host.check_output(f"cp -a {target} /root/less.orig && printf x >> {target}")
    try:
        result = host.run("systemctl start collectif-debsums.service")
        assert result.rc != 0
        journal = host.check_output("journalctl -u collectif-debsums.service -n 20 --no-pager")
        assert target in journal
    finally:
        host.check_output(f"mv /root/less.orig {target}")
    assert host.run("systemctl start collectif-debsums.service").rc == 0


def test_each_login_session_has_its_own_temporary_directory(host):
    out = host.check_output("su --login alice --shell /bin/sh --command 'echo $TMPDIR'")
    assert out == f"/tmp/user/{host.user('alice').uid}"
    directory = host.file(out)
    assert (directory.user, directory.mode) == ("alice", 0o700)


# Two versions of a small package whose NEWS says what changed, as Debian's do.
NEWS_PROBE = r"""
set -e
d=$(mktemp -d)
for v in 1 2; do
  mkdir -p $d/p$v/DEBIAN $d/p$v/usr/share/doc/collectif-probe
  printf 'Package: collectif-probe\nVersion: %s\nArchitecture: all\nMaintainer: collectif <root@localhost>\nDescription: a package made by a test\n' $v > $d/p$v/DEBIAN/control
  printf 'collectif-probe (%s) unstable; urgency=low\n\n  * Version %s: the settings file moved.\n\n -- collectif <root@localhost>  Mon, 30 Nov 2026 12:00:00 +0000\n' $v $v | gzip -9n > $d/p$v/usr/share/doc/collectif-probe/NEWS.Debian.gz
  dpkg-deb --build --root-owner-group $d/p$v $d/probe_$v.deb >/dev/null
done
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q $d/probe_1.deb >/dev/null 2>&1
apt-get install -y -q $d/probe_2.deb 2>&1
apt-get purge -y -q collectif-probe >/dev/null 2>&1
rm -rf $d
"""


def test_an_upgrade_shows_what_the_package_says_changed(host):
    host.check_output(f"cat > /root/news_probe.sh <<'EOF'\n{NEWS_PROBE}\nEOF")
    out = host.check_output("bash /root/news_probe.sh")
    assert "apt-listchanges: News" in out
    assert "Version 2: the settings file moved." in out


def test_console_notice_warns_in_both_languages(host):
    issue = host.file("/etc/issue").content_string
    assert "accès réservé aux administrateurs autorisés" in issue
    assert "access restricted to authorised administrators" in issue
