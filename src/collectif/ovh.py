"""OVH's API, as its documentation describes it: each call signed with the application's
secret and the consumer key, at the API's own time. The standard library only."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# OVH's API, by the names nginx_acme_ovh_endpoint takes (certbot's dns-ovh plugin's).
ENDPOINTS = {
    "ovh-eu": "https://eu.api.ovh.com/1.0",
    "ovh-ca": "https://ca.api.ovh.com/1.0",
    "ovh-us": "https://api.us.ovhcloud.com/1.0",
    "kimsufi-eu": "https://eu.api.kimsufi.com/1.0",
    "kimsufi-ca": "https://ca.api.kimsufi.com/1.0",
    "soyoustart-eu": "https://eu.api.soyoustart.com/1.0",
    "soyoustart-ca": "https://ca.api.soyoustart.com/1.0",
}


class OvhError(RuntimeError):
    """OVH's API refused a call, or could not be reached."""


@dataclass
class Ovh:
    """OVH's API, signed as its documentation says: "$1$" and the SHA-1, in hex, of
    secret+consumer key+method+full URL+body+timestamp (joined by "+"), with the API's
    own time (/auth/time), not the controller's."""

    base: str
    application_key: str
    application_secret: str
    consumer_key: str
    clock: Callable[[], float] = time.time
    _delta: int | None = None

    def signature(self, method: str, url: str, body: str, timestamp: int) -> str:
        parts = (self.application_secret, self.consumer_key, method, url, body, str(timestamp))
        return "$1$" + hashlib.sha1("+".join(parts).encode()).hexdigest()

    def timestamp(self) -> int:
        if self._delta is None:
            server = int(self._send("GET", f"{self.base}/auth/time", None, {}))
            self._delta = server - int(self.clock())
        return int(self.clock()) + self._delta

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> Any:
        url = f"{self.base}{path}" + (f"?{query}" if query else "")
        text = "" if body is None else json.dumps(body)
        stamp = self.timestamp()
        headers = {
            "X-Ovh-Application": self.application_key,
            "X-Ovh-Consumer": self.consumer_key,
            "X-Ovh-Timestamp": str(stamp),
            "X-Ovh-Signature": self.signature(method, url, text, stamp),
        }
        return self._send(method, url, text if body is not None else None, headers)

    def _send(self, method: str, url: str, body: str | None, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(
            url,
            data=body.encode() if body is not None else None,
            method=method,
            headers={"Accept": "application/json", "Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            reason = error.read().decode(errors="replace")[:300]
            where = urllib.parse.urlsplit(url).path
            raise OvhError(f"{method} {where}: {error.code} {reason}") from error
        except (urllib.error.URLError, OSError) as error:
            raise OvhError(f"{method} {urllib.parse.urlsplit(url).path}: {error}") from error
        return json.loads(text) if text.strip() else None
