"""Every HTTPS name of the server judged against Mozilla's "intermediate" TLS profile by an
independent scanner, sslyze, run from the test machine as a visitor's browser reaches the
server: protocols, cipher suites, key exchange curves and sizes, the certificate's key,
signature and lifespan, and the known TLS weaknesses (Heartbleed, ROBOT, CCS injection,
compression, insecure renegotiation, downgrade protection, extended master secret).
Left out, and only that: whether a public authority vouches for the certificate, since
Pebble's root is trusted by nobody (the last test shows the scanner does report it)."""

from dataclasses import replace

import pytest
from sslyze import (
    ScanCommand,
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

# A scan runs while the server's tests load both cores: a probe that does not complete is
# asked again, alone, rather than judged; one still unanswered after that is reported as
# such. (coturn answers the CCS-injection probe by closing the connection at once, which the
# scanner sometimes reads as a refusal to talk rather than as the refusal it is.)
ATTEMPTS = 5
Target = tuple[str, int]


def _scan(address: str, targets: dict[Target, set[ScanCommand]]) -> list[ServerScanResult]:
    scanner = Scanner(per_server_concurrent_connections_limit=2, concurrent_server_scans_limit=4)
    scanner.queue_scans(
        [
            ServerScanRequest(
                server_location=ServerNetworkLocation(hostname=name, port=port, ip_address=address),
                network_configuration=ServerNetworkConfiguration(
                    tls_server_name_indication=name, network_timeout=15, network_max_retries=5
                ),
                scan_commands=commands,
            )
            for (name, port), commands in targets.items()
        ]
    )
    return list(scanner.get_results())


def _unanswered(result: ServerScanResult | None) -> dict[str, str]:
    """The probes that did not complete, with the scanner's reason, or the connection's."""
    if result is None or result.scan_result is None:
        reason = result and (result.connectivity_error_trace or result.scan_status)
        return {"connectivity": str(reason or "never scanned")}
    missing = {}
    for command in SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER:
        attempt = getattr(result.scan_result, command.value)
        if attempt.status != ScanCommandAttemptStatusEnum.COMPLETED:
            missing[command.value] = str(attempt.error_reason or attempt.status)
    return missing


def _to_ask(result: ServerScanResult | None) -> set[ScanCommand]:
    """What to scan (again): every probe if the server was not reached, else the unanswered."""
    missing = _unanswered(result)
    if "connectivity" in missing:
        return set(SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER)
    return {ScanCommand(command) for command in missing}


def _merge(earlier: ServerScanResult | None, retry: ServerScanResult) -> ServerScanResult:
    """The earlier result, with what the retry completed in place of what it lacked."""
    if earlier is None or earlier.scan_result is None:
        return retry
    if retry.scan_result is None:
        return earlier
    completed = {
        command: attempt
        for command in _unanswered(earlier)
        if (attempt := getattr(retry.scan_result, command)).status
        == ScanCommandAttemptStatusEnum.COMPLETED
    }
    return replace(earlier, scan_result=replace(earlier.scan_result, **completed))


@pytest.fixture(scope="module")
def issues(host) -> dict[str, dict[str, str]]:
    """What the scanner finds wrong on each name and port, by the profile's rule names."""
    address = host.check_output("hostname -I").split()[0]
    profile = MozillaTlsConfiguration.get(TlsConfigurationEnum.MOZILLA_INTERMEDIATE)
    results: dict[Target, ServerScanResult | None] = dict.fromkeys(TARGETS)
    for _ in range(ATTEMPTS):
        pending = {
            target: commands for target, result in results.items() if (commands := _to_ask(result))
        }
        if not pending:
            break
        for retry in _scan(address, pending):
            target = (retry.server_location.hostname, retry.server_location.port)
            results[target] = _merge(results[target], retry)
    found: dict[str, dict[str, str]] = {}
    for (name, port), result in results.items():
        if missing := _unanswered(result):
            found[f"{name}:{port}"] = {
                f"unanswered: {why}": reason for why, reason in missing.items()
            }
            continue
        try:
            check_server_against_tls_configuration(result, profile)
            found[f"{name}:{port}"] = {}
        except ServerNotCompliantWithTlsConfiguration as verdict:
            found[f"{name}:{port}"] = verdict.issues
    return found


@pytest.mark.parametrize(("name", "port"), TARGETS)
def test_follows_mozillas_intermediate_profile(issues, name, port):
    assert {rule: why for rule, why in issues[f"{name}:{port}"].items() if rule != TRUST} == {}


def test_the_scanner_reports_what_it_cannot_trust(issues):
    """The verdicts above come from a scanner that judges: it flags Pebble's root on every
    name, as it would flag anything else outside the profile."""
    assert sorted(issues) == sorted(f"{name}:{port}" for name, port in TARGETS)
    assert all(TRUST in found for found in issues.values())
