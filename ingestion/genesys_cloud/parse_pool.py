"""A small shared process pool that parses and flattens detail-result pages off the main GIL."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_size = 0


def default_workers() -> int:
    """Parse workers to use by default: ``CCFINOPS_PARSE_WORKERS`` or 2 (0 = parse in-thread)."""
    raw = os.environ.get("CCFINOPS_PARSE_WORKERS")
    if raw is None:
        return 2 if (os.cpu_count() or 1) > 1 else 0
    try:
        return max(0, int(raw))
    except ValueError as exc:
        raise ValueError(f"CCFINOPS_PARSE_WORKERS must be an integer, got {raw!r}") from exc


def parse_pool(workers: int) -> Executor | None:
    """The shared pool with ``workers`` processes (created on first use, re-created if broken);
    ``None`` when ``workers`` is 0."""
    global _pool, _size
    if workers <= 0:
        return None
    with _lock:
        if _pool is not None and (_size != workers or _broken(_pool)):
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        if _pool is None:
            # fork, before the job threads start: workers need no imports and, unlike spawn or
            # forkserver, never re-run the caller's __main__ (scripts without a main guard work)
            ctx = multiprocessing.get_context("fork")
            _pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=ctx, initializer=_watch_parent, initargs=(os.getpid(),)
            )
            _pool.submit(int).result()  # start the workers now
            _size = workers
        return _pool


def _broken(pool: ProcessPoolExecutor) -> bool:
    return bool(getattr(pool, "_broken", False))


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit when the parent dies (a kill -9 must not leave orphans behind)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parse-parent-watch", daemon=True).start()
