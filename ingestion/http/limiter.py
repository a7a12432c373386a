"""Token-bucket request limiter that also obeys the vendor's ``inin-ratelimit-*`` headers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class TokenBucket:
    """Blocking token bucket: ``rate_per_min`` sustained, ``burst`` tokens of headroom.

    The bucket adapts to the server: a lower ``inin-ratelimit-allowed`` lowers our rate, we never
    hold more tokens than the server says remain (``allowed - count``), and a response showing the
    quota used up pauses every caller for ``inin-ratelimit-reset`` seconds. ``pause(seconds)`` does
    the same after a 429's ``Retry-After``.
    """

    def __init__(
        self,
        rate_per_min: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_min <= 0:
            raise ValueError(f"rate_per_min must be positive, got {rate_per_min}")
        self.configured_rate_per_min = float(rate_per_min)
        self.rate_per_min = float(rate_per_min)
        self._burst_cfg = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()
        self._paused_until = 0.0

    @property
    def burst(self) -> float:
        """Bucket capacity: the configured burst, else two seconds' worth (at least 1)."""
        if self._burst_cfg is not None:
            return max(1.0, float(self._burst_cfg))
        return max(1.0, self.rate_per_min / 30.0)

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_per_min / 60.0)
        self._last = now

    def acquire(self) -> float:
        """Take one token, sleeping as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if now < self._paused_until:
                    delay = self._paused_until - now
                elif self._tokens >= 1.0 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return waited
                else:
                    delay = max(1e-4, (1.0 - self._tokens) * 60.0 / self.rate_per_min)
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Stop handing out tokens for ``seconds`` (e.g. a 429's ``Retry-After``)."""
        with self._lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + max(0.0, seconds))
            self._tokens = min(self._tokens, 0.0)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adapt to ``inin-ratelimit-allowed/count/reset`` on a response."""
        allowed = _num(headers.get("inin-ratelimit-allowed"))
        count = _num(headers.get("inin-ratelimit-count"))
        reset = _num(headers.get("inin-ratelimit-reset"))
        if allowed is None or allowed <= 0:
            return
        with self._lock:
            self.rate_per_min = min(self.configured_rate_per_min, allowed)
            if count is None:
                return
            remaining = allowed - count
            self._tokens = min(self._tokens, max(0.0, remaining))
            if remaining <= 0 and reset is not None and reset > 0:
                self._paused_until = max(self._paused_until, self._clock() + reset)


def _num(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
