"""One writer at a time: an advisory file lock beside the DuckDB warehouse.

DuckDB allows a single writer process per database file, so every warehouse step (dlt load, dbt build,
GX validation, snapshot publish, monthly close) runs inside :func:`warehouse_lock`. The lock is
re-entrant within a process (a flow that holds it can call a task that asks for it again) and excludes
other processes through ``fcntl.flock`` on ``<db>.lock``.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseLockTimeout(TimeoutError):
    """Another process kept the warehouse lock longer than we were willing to wait."""


_guard = threading.RLock()
_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, depth)


def lock_path_for(db_path: str | os.PathLike[str]) -> Path:
    """The lock file that guards ``db_path`` (``<db>.lock`` in the same folder)."""
    db = Path(db_path).expanduser().resolve()
    return db.with_name(db.name + ".lock")


@contextmanager
def warehouse_lock(
    db_path: str | os.PathLike[str], timeout: float = 600.0, poll: float = 0.2
) -> Iterator[Path]:
    """Hold the exclusive warehouse lock for ``db_path``; wait at most ``timeout`` seconds.

    Threads of one process serialise on an in-process re-entrant lock first, so nested use from the
    same thread is free and other threads wait their turn.
    """
    path = lock_path_for(db_path)
    deadline = time.monotonic() + timeout
    if not _guard.acquire(timeout=timeout):
        raise WarehouseLockTimeout(f"warehouse lock {path} busy in this process for {timeout:.0f}s")
    try:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        raise WarehouseLockTimeout(
                            f"warehouse lock {path} held by another process for more than {timeout:.0f}s"
                        ) from None
                    time.sleep(poll)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            _held[path] = (fd, 1)
        yield path
    finally:
        try:
            if path in _held:
                fd, depth = _held[path]
                if depth > 1:
                    _held[path] = (fd, depth - 1)
                else:
                    del _held[path]
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
        finally:
            _guard.release()
