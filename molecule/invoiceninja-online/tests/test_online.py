"""The real Invoice Ninja: its health, its API making a client and an invoice with the
first account's derived password, and that invoice's PDF, printed by Debian's Chromium,
valid and with its accents. Needs the internet."""

import json

import pytest

pytestmark = pytest.mark.usefixtures("pebble_root")

PEBBLE_ROOT = "/root/pebble-root.pem"
API = "https://factures.collectif.test/api/v1"
HEADERS = "-H 'Accept: application/json' -H 'X-Requested-With: XMLHttpRequest'"


def call(host, method: str, path: str, body: dict | None = None, token: str = "") -> dict:
    data = (
        f"-H 'Content-Type: application/json' --data-binary @- <<'EOF'\n{json.dumps(body)}\nEOF"
        if body
        else ""
    )
    auth = f"-H 'X-API-TOKEN: {token}'" if token else ""
    out = host.check_output(
        f"curl -sS -f --cacert {PEBBLE_ROOT} {HEADERS} {auth} -X {method} '{API}/{path}' {data}"
    )
    return json.loads(out)


@pytest.fixture(scope="module")
def token(host, secret_of) -> str:
    signed_in = call(
        host,
        "POST",
        "login",
        {"email": "admin@collectif.test", "password": secret_of("invoiceninja.admin", 24)},
    )
    return signed_in["data"][0]["token"]["token"]


def test_the_health_endpoint_answers(host):
    out = host.check_output(
        f"curl -sS --cacert {PEBBLE_ROOT} https://factures.collectif.test/health"
    )
    assert json.loads(out)["status"] == "ok"


def test_the_background_work_runs(host):
    assert host.service("invoiceninja-worker").is_running
    assert host.service("invoiceninja-scheduler.timer").is_running


def test_an_invoice_made_through_the_api_downloads_as_a_valid_pdf(host, token):
    client = call(
        host,
        "POST",
        "clients",
        {"name": "Élodie Müller", "contacts": [{"email": "elodie@collectif.test"}]},
        token,
    )["data"]
    invoice = call(
        host,
        "POST",
        "invoices",
        {
            "client_id": client["id"],
            "line_items": [
                {
                    "product_key": "cotisation",
                    "notes": "Cotisation annuelle réglée",
                    "cost": 12,
                    "quantity": 1,
                }
            ],
        },
        token,
    )["data"]
    host.check_output(
        f"curl -sS -f --cacert {PEBBLE_ROOT} {HEADERS} -H 'X-API-TOKEN: {token}' "
        f"-o /root/invoice.pdf '{API}/invoices/{invoice['id']}/download'"
    )
    assert "Pages:" in host.check_output("pdfinfo /root/invoice.pdf")
    text = host.check_output("pdftotext /root/invoice.pdf -")
    assert "Cotisation annuelle réglée" in text
    assert "Élodie Müller" in text


def test_the_dues_playbook_makes_a_client_and_a_recurring_invoice(host, run_playbook, token):
    played = run_playbook("../molecule/site/dues.yml")
    assert played.returncode == 0, played.tail()
    clients = call(host, "GET", "clients?email=camille%40collectif.test", token=token)["data"]
    assert [c["name"] for c in clients] == ["Camille Martin"]
    recurring = call(host, "GET", f"recurring_invoices?client_id={clients[0]['id']}", token=token)[
        "data"
    ]
    assert recurring and recurring[0]["frequency_id"] == "10"
