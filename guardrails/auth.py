"""Webhook authentication: shared secret (constant time) and optional HMAC-SHA256 with replay window.

Signature scheme: ``X-Platform-Timestamp: <epoch seconds>`` and
``X-Platform-Signature: sha256=<hex(HMAC-SHA256(key, timestamp + "." + body))>``. A timestamp outside
the window, or a signature already seen within it, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

SECRET_HEADER = "x-platform-secret"
TIMESTAMP_HEADER = "x-platform-timestamp"
SIGNATURE_HEADER = "x-platform-signature"


def secret_ok(given: str | None, expected: str) -> bool:
    """Constant-time comparison of the shared secret."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def sign(key: str, timestamp: str, body: bytes) -> str:
    """The ``X-Platform-Signature`` value for a body (used by senders and tests)."""
    mac = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


class SignatureVerifier:
    """HMAC check with a replay window and a memory of recently accepted signatures."""

    def __init__(self, key: str, window_s: int = 300, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._next_purge = 0.0

    def verify(self, timestamp: str | None, signature: str | None, body: bytes) -> str | None:
        """Return ``None`` when valid, else the (internal, not returned to the caller) reason."""
        if not timestamp or not signature:
            return "missing_signature"
        try:
            ts = int(timestamp)
        except ValueError:
            return "bad_timestamp"
        now = self._clock()
        if abs(now - ts) > self.window_s:
            return "stale_timestamp"
        if not hmac.compare_digest(sign(self._key, timestamp, body), signature):
            return "bad_signature"
        if now >= self._next_purge:
            self._seen = {s: t for s, t in self._seen.items() if t > now}
            self._next_purge = now + 30
        if signature in self._seen:
            return "replayed_signature"
        self._seen[signature] = ts + self.window_s
        return None
