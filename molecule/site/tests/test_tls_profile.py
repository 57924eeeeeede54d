"""Every HTTPS name of the server judged against Mozilla's "intermediate" TLS profile by an
independent scanner, sslyze, run from the test machine as a visitor's browser reaches the
server: protocols, cipher suites, key exchange curves and sizes, the certificate's key,
signature and lifespan, and the known TLS weaknesses (Heartbleed, ROBOT, CCS injection,
compression, insecure renegotiation, downgrade protection, extended master secret).
Left out, and only that: whether a public authority vouches for the certificate, since
Pebble's root is trusted by nobody (the last test shows the scanner does report it)."""

import pytest
from sslyze import (
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanResult,
)
from sslyze.mozilla_tls_profile.tls_config_checker import (
    SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
    MozillaTlsConfiguration,
    ServerNotCompliantWithTlsConfiguration,
    TlsConfigurationEnum,
    check_server_against_tls_configuration,
)
from sslyze.scanner.scan_command_attempt import ScanCommandAttemptStatusEnum

testinfra_hosts = ["ansible://asso1"]

NAMES = [
    "collectif.test",
    "matrix.collectif.test",
    "element.collectif.test",
    "cloud.collectif.test",
    "turn.collectif.test",
    "agenda.collectif.test",
]
# TURN over TLS (coturn, for calls), with the same profile.
TARGETS = [(name, 443) for name in NAMES] + [("turn.collectif.test", 5349)]
# Pebble's root signs every certificate here: no scanner trusts it.
TRUST = "certificate_path_validation"


# A scan runs while the server's tests load both cores: a probe that times out is asked
# again rather than judged, and one still unanswered after that is reported as such.
ATTEMPTS = 3


def _scan(address: str, targets: list[tuple[str, int]]) -> list[ServerScanResult]:
    scanner = Scanner(per_server_concurrent_connections_limit=2, concurrent_server_scans_limit=4)
    scanner.queue_scans(
        [
            ServerScanRequest(
                server_location=ServerNetworkLocation(hostname=name, port=port, ip_address=address),
                network_configuration=ServerNetworkConfiguration(
                    tls_server_name_indication=name, network_timeout=15, network_max_retries=5
                ),
                scan_commands=SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
            )
            for name, port in targets
        ]
    )
    return list(scanner.get_results())


def _unanswered(result: ServerScanResult) -> dict[str, str]:
    """The probes that did not complete, with the scanner's reason, or the connection's."""
    if result.scan_result is None:
        return {"connectivity": str(result.connectivity_error_trace or result.scan_status)}
    missing = {}
    for command in SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER:
        attempt = getattr(result.scan_result, command.value)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            missing[f"unanswered: {command.value}"] = str(attempt.error_reason or attempt.status)
    return missing


@pytest.fixture(scope="module")
def issues(host) -> dict[str, dict[str, str]]:
    """What the scanner finds wrong on each name and port, by the profile's rule names."""
    address = host.check_output("hostname -I").split()[0]
    profile = MozillaTlsConfiguration.get(TlsConfigurationEnum.MOZILLA_INTERMEDIATE)
    found: dict[str, dict[str, str]] = {}
    pending = list(TARGETS)
    for _ in range(ATTEMPTS):
        retry = []
        for result in _scan(address, pending):
            target = (result.server_location.hostname, result.server_location.port)
            name = f"{target[0]}:{target[1]}"
            found[name] = _unanswered(result)
            if found[name]:
                retry.append(target)
                continue
            try:
                check_server_against_tls_configuration(result, profile)
            except ServerNotCompliantWithTlsConfiguration as verdict:
                found[name] = verdict.issues
        if not (pending := retry):
            break
    return found


@pytest.mark.parametrize(("name", "port"), TARGETS)
def test_follows_mozillas_intermediate_profile(issues, name, port):
    assert {rule: why for rule, why in issues[f"{name}:{port}"].items() if rule != TRUST} == {}


def test_the_scanner_reports_what_it_cannot_trust(issues):
    """The verdicts above come from a scanner that judges: it flags Pebble's root on every
    name, as it would flag anything else outside the profile."""
    assert sorted(issues) == sorted(f"{name}:{port}" for name, port in TARGETS)
    assert all(TRUST in found for found in issues.values())
