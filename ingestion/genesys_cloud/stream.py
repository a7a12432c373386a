"""Conversation details, fetched and loaded at the same time.

A producer thread pulls the detail jobs window by window (HTTP in job threads, page parsing in the
parse pool) while the calling thread loads what has arrived: each load takes every window that is
ready, so while one package goes through dlt's extract → normalize → load the next windows are
being fetched. The four detail tables are appended (no staging copy, no merge) and then deduplicated
on their primary key against older loads, so ``raw`` still holds one row per key (the latest pull)
and a re-run of a window never double counts.

A window whose job is lost is reported back (ledger, provisional aggregates); a vendor error on the
core resource stops the pull: windows already loaded stay, nothing of the failing window is
committed, and the error propagates.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.dlt_pipeline import run_checked
from ingestion.genesys_cloud import helpers as h
from ingestion.genesys_cloud import settings as s
from ingestion.genesys_cloud.parse_pool import parse_pool
from ingestion.http import ApiClient
from ingestion.windows import Window, chunk

if TYPE_CHECKING:
    from ingestion.genesys_cloud import GenesysOptions, LedgerEntry, SourceStats

DETAIL_TABLES = (s.CONVERSATIONS_TABLE, s.SESSIONS_TABLE, s.SEGMENTS_TABLE, s.EVALUATIONS_TABLE)
ProgressFn = Callable[[str, int, int, int], None]


@dataclass
class DetailPull:
    """What the streamed detail pull did (handed to the source for the ledger and aggregates)."""

    windows: list[Window]
    available: datetime | None = None
    succeeded: list[Window] = field(default_factory=list)
    failed: dict[Window, str] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    fetch_seconds: float = 0.0  # start → the producer's last window parsed
    load_seconds: float = 0.0  # the calling thread inside dlt (extract, normalize, load) and dedupe
    idle_seconds: float = 0.0  # the calling thread waiting for windows

    @property
    def loads(self) -> int:
        """Load packages written."""
        return len(self.load_ids)


def detail_windows(
    start: datetime, end: datetime, size: Any, retry_windows: Sequence[LedgerEntry]
) -> list[Window]:
    """The requested windows plus open ledger windows not inside one of them."""
    requested = chunk(start, end, size)
    windows = list(requested)
    for entry in retry_windows:
        if not any(w.start <= entry.window.start and entry.window.end <= w.end for w in requested):
            windows.append(entry.window)
    return windows


def window_tables(result: h.WindowResult) -> Iterator[tuple[str, pa.Table]]:
    """(raw table, Arrow table) pairs of one pulled window."""
    for table, parts in (
        (s.CONVERSATIONS_TABLE, result.conversations),
        (s.SESSIONS_TABLE, result.sessions),
        (s.SEGMENTS_TABLE, result.segments),
        (s.EVALUATIONS_TABLE, result.evaluations),
    ):
        yield from ((table, part) for part in parts)


def pull_all(
    api: ApiClient, windows: list[Window], opts: GenesysOptions, flattener: Callable[[], h.DetailFlattener]
) -> Iterator[tuple[Window, Any]]:
    """Pull windows concurrently; yields (window, WindowResult | JobLost) as each finishes.

    Jobs are submitted up to ``jobs_ahead`` windows ahead of the ones being read, so the
    platform prepares the next windows' results while the current ones are paged and parsed
    (a job takes a while to be FULFILLED; waiting for each in turn serialises those waits).
    """
    workers = max(1, opts.job_workers)
    n_ahead = max(0, workers - 1 if opts.jobs_ahead is None else opts.jobs_ahead)
    ahead: dict[Window, str] = {}
    parsers = parse_pool(opts.parse_workers)

    def one(window: Window, job_id: str | None) -> h.WindowResult | h.JobLost:
        last: h.JobLost | None = None
        for _ in range(max(1, opts.job_attempts)):
            try:
                return h.pull_window(api, window, opts.tuning, flattener, job_id=job_id, pool=parsers)
            except h.JobLost as exc:
                last = exc
                job_id = None  # a lost job is re-submitted
        assert last is not None
        return last

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="genesys-job") as pool:
        pending: dict[Future[Any], Window] = {}
        todo = list(windows)
        while todo or pending:
            while todo and len(pending) < workers:
                window = todo.pop(0)
                pending[pool.submit(one, window, ahead.pop(window, None))] = window
            for window in todo[:n_ahead]:
                if window not in ahead:
                    ahead[window] = h.submit_detail_job(api, window)
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                window = pending.pop(fut)
                yield window, fut.result()


def _last_per_key(table: pa.Table, key: str) -> pa.Table:
    """``table`` with one row per ``key`` (the last one) when a batch repeats a key."""
    if pc.count_distinct(table[key]).as_py() == table.num_rows:
        return table
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    keep = numbered.group_by(key).aggregate([("_row", "max")])["_row_max"]
    return table.take(keep.take(pc.sort_indices(keep)))  # the kept rows, in their original order


def _batch(results: list[h.WindowResult]) -> Iterator[tuple[str, pa.Table]]:
    """One Arrow table per detail table for a batch of windows (overlapping windows deduplicated)."""
    parts: dict[str, list[pa.Table]] = {}
    for result in results:
        for table, part in window_tables(result):
            parts.setdefault(table, []).append(part)
    for table in DETAIL_TABLES:
        if parts.get(table):
            merged = pa.concat_tables(parts[table]) if len(parts[table]) > 1 else parts[table][0]
            yield table, _last_per_key(merged, str(s.PRIMARY_KEYS[table]))


def _append_hints(table: str) -> Any:
    return dlt.mark.make_hints(
        table_name=table, primary_key=s.PRIMARY_KEYS[table], write_disposition="append"
    )


@dlt.source(name=s.SOURCE_NAME, max_table_nesting=0)
def detail_batch(results: list[h.WindowResult]) -> Any:
    """The detail tables of some pulled windows, appended (``dedupe`` then keeps the latest row)."""

    @dlt.resource(name="conversation_details", write_disposition="append")
    def conversation_details() -> Iterator[Any]:
        for table, data in _batch(results):
            yield dlt.mark.with_hints(data, _append_hints(table), create_table_variant=True)

    return conversation_details


def dedupe(pipeline: Any, load_ids: Sequence[str]) -> None:
    """Delete older rows of every detail-table key that the ``load_ids`` packages loaded again."""
    if not load_ids:
        return
    with pipeline.sql_client() as client:
        existing = {
            r[0]
            for r in client.execute_sql(
                "select table_name from information_schema.tables where table_schema = %s",
                client.dataset_name,
            )
        }
        for table in DETAIL_TABLES:
            if table not in existing:
                continue
            key = s.PRIMARY_KEYS[table]
            name = client.make_qualified_table_name(table)
            for load_id in load_ids:
                client.execute_sql(
                    f"delete from {name} where _dlt_load_id <> %s and {key} in "
                    f"(select {key} from {name} where _dlt_load_id = %s)",
                    load_id,
                    load_id,
                )


_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def stream_details(
    pipeline: Any,
    api: ApiClient,
    windows: list[Window],
    opts: GenesysOptions,
    flattener: Callable[[], h.DetailFlattener],
    stats: SourceStats,
    progress: ProgressFn | None = None,
    available: datetime | None = None,
) -> DetailPull:
    """Pull ``windows`` in a producer thread and load them as they arrive (see the module doc)."""
    out = DetailPull(list(windows), available)
    stats.windows_total = len(windows)
    ready: queue.Queue[Any] = queue.Queue(maxsize=max(2, opts.job_workers))
    stop = threading.Event()
    t0 = time.perf_counter()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for item in pull_all(api, windows, opts, flattener):
                put(item)
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the loading thread
            put(_Failed(exc))
        finally:
            out.fetch_seconds = time.perf_counter() - t0
            put(_DONE)

    producer = threading.Thread(target=produce, name="genesys-detail-pull", daemon=True)
    producer.start()
    error: BaseException | None = None
    finished = False
    try:
        while not finished:
            waited = time.perf_counter()
            items = [ready.get()]
            while True:  # take every window that is ready: fewer, larger packages
                try:
                    items.append(ready.get_nowait())
                except queue.Empty:
                    break
            out.idle_seconds += time.perf_counter() - waited
            results: list[h.WindowResult] = []
            for item in items:
                if item is _DONE:
                    finished = True
                elif isinstance(item, _Failed):
                    error = error or item.exc
                else:
                    window, outcome = item
                    if isinstance(outcome, h.JobLost):
                        out.failed[window] = outcome.reason
                    else:
                        results.append(outcome)
                        out.succeeded.append(window)
                        api.counters.add(pages=outcome.pages)
                        for table, part in window_tables(outcome):
                            stats.count(table, part.num_rows)
                    stats.windows_done += 1
                    if progress:
                        progress(
                            s.PLATFORM, stats.windows_done, stats.windows_total, sum(stats.records.values())
                        )
            if results:
                began = time.perf_counter()
                info = run_checked(pipeline, detail_batch(results))
                out.load_ids.extend(info.loads_ids)
                dedupe(pipeline, info.loads_ids)
                out.load_seconds += time.perf_counter() - began
            if error is not None:
                raise error
    finally:
        stop.set()
        producer.join(timeout=60)
    return out
