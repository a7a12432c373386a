"""Per-run HTTP counters (requests, 429s, retries, seconds spent waiting)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class RunCounters:
    """Thread-safe tallies for one ingest run; stored in ``raw.ingest_run_stats``."""

    requests: int = 0
    status_429: int = 0
    retries: int = 0
    wait_seconds: float = 0.0
    pages: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self,
        *,
        requests: int = 0,
        status_429: int = 0,
        retries: int = 0,
        wait_seconds: float = 0.0,
        pages: int = 0,
    ) -> None:
        """Add to the tallies atomically."""
        with self._lock:
            self.requests += requests
            self.status_429 += status_429
            self.retries += retries
            self.wait_seconds += wait_seconds
            self.pages += pages

    def snapshot(self) -> dict[str, float | int]:
        """Current values as a plain dict."""
        with self._lock:
            return {
                "requests": self.requests,
                "status_429": self.status_429,
                "retries": self.retries,
                "wait_seconds": round(self.wait_seconds, 3),
                "pages": self.pages,
            }
