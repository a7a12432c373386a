"""Wall-clock phase timings collected in-process (read by the demo and its benchmark).

Phases nest: time spent in an inner phase counts for the inner phase only, so the totals partition
the wall time (a monthly close that runs dbt shows its dbt time under ``build``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_phases: list[tuple[str, float]] = []
_stack: list[list[float]] = []  # per open phase: [seconds spent in nested phases]


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block and record its exclusive time under ``name`` (repeated names add up)."""
    start = time.perf_counter()
    with _lock:
        _stack.append([0.0])
        depth = len(_stack)
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        with _lock:
            nested = _stack[depth - 1][0] if len(_stack) >= depth else 0.0
            del _stack[depth - 1 :]
            if _stack:
                _stack[-1][0] += elapsed
            _phases.append((name, elapsed - nested))


def reset() -> None:
    """Forget every recorded phase."""
    with _lock:
        _phases.clear()
        _stack.clear()


def totals() -> dict[str, float]:
    """Exclusive seconds per phase name, in first-seen order."""
    out: dict[str, float] = {}
    with _lock:
        for name, seconds in _phases:
            out[name] = out.get(name, 0.0) + seconds
    return out
