"""Wall-clock phase timings collected in-process (read by the demo and its benchmark)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_phases: list[tuple[str, float]] = []


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block and record it under ``name`` (repeated names add up in :func:`totals`)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        with _lock:
            _phases.append((name, time.perf_counter() - start))


def reset() -> None:
    """Forget every recorded phase."""
    with _lock:
        _phases.clear()


def totals() -> dict[str, float]:
    """Seconds per phase name, in first-seen order."""
    out: dict[str, float] = {}
    with _lock:
        for name, seconds in _phases:
            out[name] = out.get(name, 0.0) + seconds
    return out
