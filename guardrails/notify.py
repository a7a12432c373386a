"""Notifications to Slack, Microsoft Teams (Workflows) and SMTP e-mail through apprise.

``Notifier.from_env()`` reads comma-separated apprise URLs from ``CCFINOPS_NOTIFY_URLS`` (e.g.
``slack://T/B/C``, ``workflows://host/WORKFLOW/SIGNATURE``, ``mailto://user:pw@host?to=a@b``).
``send(title, body, key)`` is de-duplicated (same key and same text within the cooldown → skipped),
rate-limited per key (one message per key per cooldown, default 1 h; keys are cost centers or flow
names), and retried per target with bounded backoff. URLs carry credentials: they are never logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class SendResult:
    """What happened to one ``send`` call."""

    sent: bool
    reason: str
    attempts: dict[int, int] = field(default_factory=dict)  # target index → attempts made
    failed_targets: list[int] = field(default_factory=list)


class Notifier:
    """Fan-out to apprise targets with retries, de-duplication and a per-key cooldown."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        cooldown_s: float = 3600.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import apprise

        self._targets: list[apprise.Apprise] = []
        for i, url in enumerate(u.strip() for u in urls if u.strip()):
            ap = apprise.Apprise()
            if not ap.add(url):
                scheme = url.split("://", 1)[0]
                raise ValueError(f"notification target #{i + 1} ({scheme}://…) is not a valid apprise URL")
            self._targets.append(ap)
        self.cooldown_s = cooldown_s
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, tuple[float, str]] = {}  # key → (sent at, text digest)
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> Notifier:
        """Targets from ``CCFINOPS_NOTIFY_URLS``; ``CCFINOPS_NOTIFY_COOLDOWN_S`` and ``_RETRIES`` tune it."""
        urls = [u for u in os.environ.get("CCFINOPS_NOTIFY_URLS", "").split(",") if u.strip()]
        return cls(
            urls,
            cooldown_s=float(os.environ.get("CCFINOPS_NOTIFY_COOLDOWN_S", 3600)),
            retries=int(os.environ.get("CCFINOPS_NOTIFY_RETRIES", 3)),
        )

    @property
    def enabled(self) -> bool:
        """Whether any target is configured."""
        return bool(self._targets)

    def send(self, title: str, body: str, key: str, attachments: Sequence[str | Path] = ()) -> SendResult:
        """Send to every target unless ``key`` is cooling down or the same text was just sent."""
        if not self._targets:
            return SendResult(False, "no notification targets configured")
        digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last[0] < self.cooldown_s:
                why = "duplicate" if last[1] == digest else "cooldown"
                return SendResult(False, f"{why}: key {key!r} notified {now - last[0]:.0f}s ago")
            self._last[key] = (now, digest)  # claim the slot before the network I/O
        result = SendResult(True, "sent")
        attach = [str(a) for a in attachments] or None
        for index, target in enumerate(self._targets):
            for attempt in range(1, self.retries + 1):
                result.attempts[index] = attempt
                ok = bool(target.notify(title=title, body=body, attach=attach))
                if ok:
                    break
                if attempt < self.retries:
                    self._sleep(self.backoff_s * 2 ** (attempt - 1))
            else:
                result.failed_targets.append(index)
                log.error(
                    "notification target #%d failed after %d attempts (key %s)", index + 1, self.retries, key
                )
        if len(result.failed_targets) == len(self._targets):
            with self._lock:
                self._last.pop(key, None)  # nothing went out: do not start a cooldown
            result.sent, result.reason = False, "every target failed"
        return result
