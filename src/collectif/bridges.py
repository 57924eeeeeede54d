"""The chat networks collectif bridges to Matrix (mautrix's Go bridges), in one place.

The mautrix_bridge role reads this catalogue through the filter collectif.core.bridge,
and preflight checks the inventory's mautrix_bridge_networks against it.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any

from . import i18n


@dataclass(frozen=True)
class Bridge:
    network: str  # the inventory's name for it (mautrix_bridge_networks)
    display: str  # its name for people
    repo: str  # github.com/mautrix/<repo>, whose releases hold the binary
    port: int  # the appservice's port on loopback
    prefix: str  # the bridge's command prefix in Matrix rooms
    bot: str  # the bridge bot's Matrix localpart


CATALOGUE: dict[str, Bridge] = {
    bridge.network: bridge
    for bridge in (
        Bridge("whatsapp", "WhatsApp", "whatsapp", 29318, "!wa", "whatsappbot"),
        Bridge("signal", "Signal", "signal", 29328, "!signal", "signalbot"),
        Bridge("telegram", "Telegram", "telegram", 29317, "!tg", "telegrambot"),
        Bridge("meta", "Messenger", "meta", 29319, "!fb", "messengerbot"),
    )
}
# What people write for a network, and the name collectif uses.
ALIASES = {"messenger": "meta", "facebook": "meta", "fb": "meta", "wa": "whatsapp"}


def bridge(network: str) -> dict[str, Any]:
    """The catalogue's entry for a network, as a plain mapping (for templates)."""
    try:
        return asdict(CATALOGUE[network])
    except KeyError:
        raise ValueError(network_problem(network) or network) from None


def network_problem(network: Any) -> str | None:
    """Why a network name is not one collectif bridges, with a guess; None when it is."""
    if network in CATALOGUE:
        return None
    known = ", ".join(f"{key} ({b.display})" for key, b in CATALOGUE.items())
    guess = ALIASES.get(str(network).lower()) or next(
        iter(difflib.get_close_matches(str(network), list(CATALOGUE), n=1)), None
    )
    hint = i18n.say("bridges", "guess", guess=guess) if guess else ""
    return i18n.say("bridges", "unknown", network=network, known=known, hint=hint)


def reserved_localpart(localpart: str) -> Bridge | None:
    """The bridge whose bot or puppets (`<network>_...`, an exclusive namespace) would take
    this Matrix localpart, whether or not that bridge is turned on yet."""
    for bridge in CATALOGUE.values():
        if localpart == bridge.bot or localpart.startswith(f"{bridge.network}_"):
            return bridge
    return None
