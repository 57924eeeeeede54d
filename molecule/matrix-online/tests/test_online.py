"""The real bridges and Element, from their GitHub releases: each bridge's bot answers
`help` to a member, and Element's real page is served. Needs the internet."""

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("pebble_root")

SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets"
PEBBLE_ROOT = "/root/pebble-root.pem"
CLIENT = "/opt/collectif-test-client/bin/python"
BOTS = {
    "whatsapp": "whatsappbot",
    "signal": "signalbot",
    "telegram": "telegrambot",
    "meta": "messengerbot",
}

# A member opens a chat with the bot, sends `help` and waits for the bot's answer.
ASK_HELP = r"""
import asyncio, json, ssl, sys
from nio import AsyncClient, RoomMessageNotice, RoomMessageText

async def main(password, bot):
    context = ssl.create_default_context(cafile="/root/pebble-root.pem")
    client = AsyncClient("https://matrix.collectif.test", "@camille:collectif.test", ssl=context)
    await client.login(password)
    room = await client.room_create(invite=[bot], is_direct=True)
    answers = []
    for _ in range(40):
        sync = await client.sync(timeout=3000)
        joined = room.room_id in client.rooms and bot in client.rooms[room.room_id].users
        if joined and not answers:
            await client.room_send(room.room_id, "m.room.message", {"msgtype": "m.text", "body": "help"})
        events = sync.rooms.join.get(room.room_id)
        for event in events.timeline.events if events else []:
            if isinstance(event, (RoomMessageNotice, RoomMessageText)) and event.sender == bot:
                answers.append(event.body)
        if any("help" in a.lower() for a in answers):
            break
    await client.close()
    print(json.dumps(answers))

asyncio.run(main(sys.stdin.read().strip(), sys.argv[1]))
"""


@pytest.mark.parametrize("network", BOTS)
def test_bridge_bot_answers_help(host, network):
    password = (SECRETS / "camille").read_text().strip()
    host.check_output(f"cat > /root/ask_help.py <<'PY'\n{ASK_HELP}\nPY")
    bot = f"@{BOTS[network]}:collectif.test"
    result = host.run(f"echo '{password}' | {CLIENT} /root/ask_help.py '{bot}'")
    assert result.rc == 0, result.stderr
    answers = json.loads(result.stdout)
    assert any("help" in answer.lower() for answer in answers), answers


@pytest.mark.parametrize("network", BOTS)
def test_synapse_pings_the_real_bridge(host, network):
    config = host.file(f"/etc/mautrix-{network}/config.yaml").content_string
    token = next(
        line.split(":", 1)[1].strip().strip('"')
        for line in config.splitlines()
        if line.strip().startswith("as_token:")
    )
    out = host.check_output(
        f"curl -s -X POST -H 'Authorization: Bearer {token}' -d '{{}}' "
        f"http://127.0.0.1:8008/_matrix/client/v1/appservice/{network}/ping"
    )
    assert "duration_ms" in json.loads(out)


def test_real_element_is_served(host):
    page = host.check_output(f"curl -sSf --cacert {PEBBLE_ROOT} https://element.collectif.test/")
    assert "<title>Element</title>" in page
    version = host.check_output(
        f"curl -sSf --cacert {PEBBLE_ROOT} https://element.collectif.test/version"
    )
    assert (
        version.strip().lstrip("v")
        == host.check_output("readlink /opt/element-web").rsplit("-", 1)[1]
    )
