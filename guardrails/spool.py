"""Durable append-only spool: JSON lines, fsynced with group commit before the 2xx is sent.

Layout: ``<spool_dir>/events-YYYYMMDD.jsonl`` (UTC day the receiver accepted the event). A line is a
complete record terminated by ``\\n``; a torn tail (crash mid-write, never acknowledged) is cut off
at start-up. Readers (the dlt source) only consume complete lines, so they are safe while the
receiver keeps appending.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from ingestion.spool.segments import SEGMENT_GLOB, iter_complete_lines, segment_day, segment_name

log = logging.getLogger(__name__)


RETENTION_DAYS = 35  # segments older than this are pruned once they are in the warehouse


def prune_segments(spool_dir: Path, today: date, retention_days: int = RETENTION_DAYS) -> list[Path]:
    """Delete segments of days before ``today - retention_days``; call only after a successful load.

    The receiver recovers from the last 7 days only, so an older segment is needed by nobody once the
    warehouse has it (``ingestion.spool`` reads complete lines; the days pruned are long complete).
    """
    cutoff = today - timedelta(days=retention_days)
    removed = []
    for path in sorted(spool_dir.glob(SEGMENT_GLOB)):
        day = segment_day(path)
        if day is not None and day < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def read_records(spool_dir: Path, since: date | None = None) -> Iterator[dict[str, Any]]:
    """Every complete record of every segment (from day ``since``), oldest segment first."""
    for path in sorted(spool_dir.glob(SEGMENT_GLOB)):
        day = segment_day(path)
        if since is not None and day is not None and day < since:
            continue
        for _, line in iter_complete_lines(path):
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError:
                log.error("guardrails spool: unreadable line in %s skipped", path.name)


class Spool:
    """The receiver's single writer. ``await append(record)`` returns once the line is on disk.

    Group commit with overlapping syncs: the flusher writes each batch (one ``write``, in order, on a
    writer thread) and hands its ``fdatasync`` to a small thread pool, then takes the next batch at
    once, so a batch never waits behind an earlier batch's slow sync. A batch is acknowledged only
    when a sync that started after its own write has returned.
    """

    def __init__(self, spool_dir: Path, *, group_commit_max: int = 512, max_inflight_syncs: int = 4) -> None:
        self.dir = spool_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.group_commit_max = group_commit_max
        self.max_inflight_syncs = max_inflight_syncs
        self.on_flush: Callable[[int, float], None] | None = None  # (batch size, sync seconds)
        self.last_sync_seconds = 0.0
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._pending_since: float | None = None
        self._unsynced = 0
        self._inflight = 0
        self._slot_free: asyncio.Event | None = None
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._io = ThreadPoolExecutor(max_workers=max_inflight_syncs, thread_name_prefix="spool-fsync")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spool-write")
        self._fd: int | None = None
        self._fd_day: date | None = None
        self.bytes_written = 0
        self.flushes = 0
        self.records_written = 0

    # ------------------------------------------------------------ recovery
    def recover(self, horizon_days: int = 7) -> list[dict[str, Any]]:
        """Cut torn tails, then return the records of the last ``horizon_days`` segments."""
        for path in sorted(self.dir.glob(SEGMENT_GLOB)):
            size = path.stat().st_size
            if size == 0:
                continue
            with path.open("rb") as fh:
                fh.seek(max(0, size - 1))
                last = fh.read(1)
            if last != b"\n":
                good = 0
                for end, _ in iter_complete_lines(path):
                    good = end
                log.warning(
                    "guardrails spool: cut %d torn bytes (never acknowledged) from %s", size - good, path.name
                )
                os.truncate(path, good)
        since = datetime.now(UTC).date() - timedelta(days=horizon_days)
        return list(read_records(self.dir, since))

    # ------------------------------------------------------------- writing
    @property
    def depth(self) -> int:
        """Records accepted but not yet durable (queued or being synced)."""
        return len(self._pending) + self._unsynced

    @property
    def lag_seconds(self) -> float:
        """Age of the oldest record waiting for its batch to be written."""
        return time.monotonic() - self._pending_since if self._pending_since is not None else 0.0

    async def start(self) -> None:
        """Start the group-commit flusher on the running loop."""
        self._wakeup = asyncio.Event()
        self._slot_free = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="spool-flusher")

    async def stop(self) -> None:
        """Flush what is pending, stop, close the file."""
        if self._task is not None:
            while self._pending or self._inflight:
                assert self._wakeup is not None
                self._wakeup.set()
                await asyncio.sleep(0.01)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._io.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self._close()

    def append(self, record: dict[str, Any]) -> asyncio.Future[None]:
        """Queue one record; the future resolves after write + fdatasync (raises if the disk failed)."""
        assert self._wakeup is not None, "Spool.start() not called"
        line = orjson.dumps(record) + b"\n"
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append((line, fut))
        self._wakeup.set()
        return fut

    async def _run(self) -> None:
        assert self._wakeup is not None and self._slot_free is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                while self._inflight >= self.max_inflight_syncs:
                    self._slot_free.clear()
                    await self._slot_free.wait()
                if self._needs_rotation():
                    while self._inflight:  # never close a file a sync is still running on
                        self._slot_free.clear()
                        await self._slot_free.wait()
                batch = self._pending[: self.group_commit_max]
                del self._pending[: self.group_commit_max]
                self._pending_since = time.monotonic() if self._pending else None
                data = b"".join(line for line, _ in batch)
                try:
                    # the write runs on its own thread: a page-cache write can block for long under
                    # dirty-page throttling, and must not stall the event loop
                    fd = await loop.run_in_executor(self._writer, self._write, data)
                except OSError as exc:  # disk full, I/O error: fail every waiter loudly
                    log.error("guardrails spool: write failed: %s", exc)
                    _fail(batch, exc)
                    continue
                self._inflight += 1
                self._unsynced += len(batch)
                sync = loop.run_in_executor(self._io, os.fdatasync, fd)
                sync.add_done_callback(functools.partial(self._synced, batch=batch, started=time.monotonic()))

    def _synced(
        self, sync: asyncio.Future[None], *, batch: list[tuple[bytes, asyncio.Future[None]]], started: float
    ) -> None:
        self.last_sync_seconds = time.monotonic() - started
        self._inflight -= 1
        self._unsynced -= len(batch)
        assert self._slot_free is not None
        self._slot_free.set()
        exc = sync.exception()
        if exc is not None:
            log.error("guardrails spool: fdatasync failed, %d events not acknowledged: %s", len(batch), exc)
            _fail(batch, exc)
            return
        self.records_written += len(batch)
        self.flushes += 1
        if self.on_flush is not None:
            self.on_flush(len(batch), self.last_sync_seconds)
        for _, fut in batch:
            if not fut.done():
                fut.set_result(None)

    def _needs_rotation(self) -> bool:
        return self._fd is not None and self._fd_day != datetime.now(UTC).date()

    def _write(self, data: bytes) -> int:
        """Append one batch (in order, on the writer thread); return the fd to sync."""
        today = datetime.now(UTC).date()
        if self._fd is None or self._fd_day != today:
            self._close()
            path = self.dir / segment_name(today)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            self._fd_day = today
            dir_fd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)  # the new file's directory entry is durable too
            finally:
                os.close(dir_fd)
        before = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError:
            os.ftruncate(self._fd, before)  # no half batch left behind for the next append
            raise
        self.bytes_written += len(data)
        return self._fd

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _fail(batch: list[tuple[bytes, asyncio.Future[None]]], exc: BaseException) -> None:
    for _, fut in batch:
        if not fut.done():
            fut.set_exception(exc)
