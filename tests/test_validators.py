import pytest

from collectif import validators


@pytest.mark.parametrize(
    "value", ["asso-exemple.fr", "asso-velo.fr", "a.b.c.asso-exemple.fr", "collectif.localhost"]
)
def test_domains_accepted(value):
    assert validators.domain_problem(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Example.org", "uppercase"),
        ("localhost", "not a domain name"),
        ("exa_mple.org", "not a domain name"),
        ("-bad.org", "not a domain name"),
        ("asso-exemple.fr.", "not a domain name"),
        ("10.0.0.1", "not a domain name"),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_domains_refused_with_reason(value, expected):
    assert expected in validators.domain_problem(value)


@pytest.mark.parametrize("value", ["bureau@asso-exemple.fr", "a.b+c@sub.example.fr"])
def test_emails_accepted(value):
    assert validators.email_problem(value) is None


@pytest.mark.parametrize(
    "value", ["bureau", "bureau@", "@asso-exemple.fr", "a b@asso-exemple.fr", "x@localhost"]
)
def test_emails_refused(value):
    assert "not an e-mail address" in validators.email_problem(value)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("5 GB", 5 * 1024**3),
        ("50 GB", 50 * 1024**3),
        ("500 MB", 500 * 1024**2),
        ("1.5 TB", int(1.5 * 1024**4)),
        ("10GB", 10 * 1024**3),
    ],
)
def test_quotas_parsed(value, size):
    assert validators.quota_problem(value) is None
    assert validators.quota_bytes(value) == size


@pytest.mark.parametrize("value", ["5 Go", "5", "GB", "5 gb", "-5 GB", 5, "0 GB"])
def test_quotas_refused(value):
    assert validators.quota_problem(value) is not None


def test_ssh_keys():
    good = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhq2Zl2cQ6r0b0Q3xqkzV4mHcQz5qfE6Zt1d5bQ9y2a camille@laptop"
    assert validators.ssh_key_problem(good) is None
    assert "not an SSH public key" in validators.ssh_key_problem("ssh-ed25519")
    assert "not an SSH public key" in validators.ssh_key_problem(
        "-----BEGIN OPENSSH PRIVATE KEY-----"
    )
    assert "not an SSH public key" in validators.ssh_key_problem("ssh-dss AAAAB3NzaC1kc3MAAACBAP")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (22, True),
        ("443", True),
        ("49152-49200", True),
        (0, False),
        (70000, False),
        ("200-100", False),
        ("http", False),
    ],
)
def test_ports(value, ok):
    assert (validators.port_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("192.0.2.10", True),
        ("2001:db8::/32", True),
        ("10.0.0.0/8", True),
        ("10.0.0.0/33", False),
        ("office", False),
    ],
)
def test_networks(value, ok):
    assert (validators.network_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("camille", True),
        ("admin_2", True),
        ("Camille", False),
        ("2admin", False),
        ("a" * 33, False),
    ],
)
def test_usernames(value, ok):
    assert (validators.username_problem(value) is None) is ok


def test_an_email_domain_in_uppercase_is_refused():
    assert validators.email_problem("Bureau@asso-exemple.fr") is None
    assert "write the part after @ in lowercase (bureau@example.org)" in validators.email_problem(
        "bureau@Example.ORG"
    )


def test_reasons_say_what_is_wrong():
    assert validators.domain_problem(["asso-exemple.fr"]).startswith("is a list, not a domain name")
    long = "a" * 64 + ".org"
    assert "is 64 characters long, and DNS allows 63 between two dots" in (
        validators.domain_problem(long)
    )
