"""dlt source ``genesys_cloud``: conversation details (async jobs), queue aggregates, licences.

The Cloud Voice usage report has no public API: ``voice_usage_file`` loads the CSV a user exports.

Granular data comes from async detail jobs, one per window. A window whose job (or cursor) keeps
expiring is loaded as queue aggregates marked ``is_provisional`` and recorded as ``open`` in
``ingest_reconciliation_ledger``; a later run re-pulls it and marks the row ``replaced``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.genesys_cloud import billing
from ingestion.genesys_cloud import helpers as h
from ingestion.genesys_cloud import settings as s
from ingestion.genesys_cloud.parse_pool import default_workers
from ingestion.genesys_cloud.stream import DetailPull, detail_windows, pull_all, window_tables
from ingestion.http import ApiClient, GenesysClientCredentials, RetryPolicy, RunCounters, TokenBucket
from ingestion.resources import ResourceTracker
from ingestion.windows import Window, iso_z

__all__ = ["GenesysOptions", "LedgerEntry", "SourceStats", "genesys_cloud", "make_client"]


@dataclass
class GenesysOptions:
    """Tuning knobs (defaults suit the real API; tests shrink the waits)."""

    rate_per_min: float = s.DEFAULT_RATE_PER_MIN
    burst: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    job_window: timedelta = timedelta(days=7)
    job_attempts: int = 3
    job_workers: int = 2
    jobs_ahead: int | None = None  # jobs submitted ahead of those being read; None = job_workers - 1
    tuning: h.JobTuning = field(default_factory=h.JobTuning)
    granularity: str = s.AGGREGATE_GRANULARITY
    parse_workers: int = field(default_factory=default_workers)  # processes parsing pages; 0 = in-thread


@dataclass(frozen=True)
class LedgerEntry:
    """An open reconciliation-ledger row to retry."""

    window: Window
    reason: str
    recorded_at: datetime


@dataclass
class SourceStats:
    """What one source run extracted (filled while dlt extracts)."""

    records: dict[str, int] = field(default_factory=dict)
    windows_done: int = 0
    windows_total: int = 0
    provisional: list[Window] = field(default_factory=list)
    replaced: list[Window] = field(default_factory=list)
    pulled_until: datetime | None = None

    def count(self, table: str, n: int) -> None:
        """Add ``n`` records to ``table``'s tally."""
        self.records[table] = self.records.get(table, 0) + n


ProgressFn = Callable[[str, int, int, int], None]


def make_client(
    api_base: str,
    login_base: str,
    client_id: str,
    client_secret: str,
    options: GenesysOptions,
    counters: RunCounters | None = None,
) -> ApiClient:
    """The shared HTTP client configured for Genesys (client-credentials token, 100 req/min)."""
    auth = GenesysClientCredentials(login_base, client_id, client_secret)
    return ApiClient(
        "genesys", api_base, auth, TokenBucket(options.rate_per_min, options.burst), options.retry, counters
    )


def _merge_hints(table: str, columns: dict[str, Any] | None = None) -> Any:
    return dlt.mark.make_hints(
        table_name=table, primary_key=s.PRIMARY_KEYS[table], write_disposition="merge", columns=columns
    )


def _mark(item: Any, table: str, columns: dict[str, Any] | None = None) -> Any:
    return dlt.mark.with_hints(item, _merge_hints(table, columns), create_table_variant=True)


@dlt.source(name=s.SOURCE_NAME, max_table_nesting=0)
def genesys_cloud(
    start: datetime,
    end: datetime,
    client_id: str | None = dlt.secrets.value,
    client_secret: str | None = dlt.secrets.value,
    api_base: str | None = dlt.config.value,
    login_base: str | None = dlt.config.value,
    options: GenesysOptions | None = None,
    api: ApiClient | None = None,
    retry_windows: Sequence[LedgerEntry] = (),
    late_before: datetime | None = None,
    known_conversations: dict[str, bool] | None = None,
    stats: SourceStats | None = None,
    progress: ProgressFn | None = None,
    tracker: ResourceTracker | None = None,
    details: DetailPull | None = None,
) -> Sequence[DltResource]:
    """Genesys Cloud raw tables for [start, end) plus any ledger windows still open.

    Args:
        start: first instant to pull (already extended back by the trailing window).
        end: end of the pull (exclusive).
        client_id: OAuth client id (``sources.genesys_cloud.client_id``).
        client_secret: OAuth client secret.
        api_base: API host, e.g. ``https://api.mypurecloud.com``.
        login_base: login host, e.g. ``https://login.mypurecloud.com``.
        options: limiter/retry/job tuning.
        api: a ready client (the pipeline passes one so counters are shared).
        retry_windows: open ledger windows to re-pull.
        late_before: conversations that started before this and are new are flagged ``is_late``.
        known_conversations: already-loaded ids → stored ``is_late``.
        stats: filled with what was extracted.
        progress: ``fn(platform, done, total, records)`` after each window.
        tracker: records each resource's outcome; auxiliary ones answering 403/404 are skipped.
        details: the detail windows were already pulled and loaded (``stream.stream_details``):
            this source then only adds the aggregates, the ledger and the high-water mark.
    """
    opts = options or GenesysOptions()
    if api is None:
        if not (client_id and client_secret and api_base and login_base):
            raise ValueError("genesys_cloud needs client_id, client_secret, api_base and login_base")
        api = make_client(api_base, login_base, client_id, client_secret, opts)
    st = stats if stats is not None else SourceStats()
    rt = tracker if tracker is not None else ResourceTracker(s.PLATFORM)

    def flattener() -> h.DetailFlattener:
        return h.DetailFlattener(iso_z(late_before) if late_before else None, known_conversations)

    @dlt.resource(name="conversation_details", write_disposition="merge")
    def conversation_details() -> Iterator[Any]:
        """Conversations, sessions, segments, evaluations, queue intervals and ledger rows."""
        if details is not None:
            available, windows = details.available, details.windows
            succeeded, failed = list(details.succeeded), dict(details.failed)
        else:
            available = rt.guard("genesys.data_availability", lambda: h.availability(api), None)
            windows = detail_windows(start, end, opts.job_window, retry_windows)
            st.windows_total = len(windows)
            succeeded, failed = [], {}
            rt.ok("genesys.conversation_details")
            for window, outcome in pull_all(api, windows, opts, flattener):
                if isinstance(outcome, h.JobLost):
                    failed[window] = outcome.reason
                else:
                    succeeded.append(window)
                    for table, part in window_tables(outcome):
                        st.count(table, part.num_rows)
                        yield _mark(part, table)
                    api.counters.add(pages=outcome.pages)
                st.windows_done += 1
                if progress:
                    progress(s.PLATFORM, st.windows_done, st.windows_total, sum(st.records.values()))

        interval_rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for window in windows:
            rows = rt.guard(
                "genesys.queue_intervals", lambda w=window: h.aggregates(api, w, opts.granularity), []
            )
            if rt.statuses["genesys.queue_intervals"].status != "ok":
                break
            for row in rows:
                at = row["interval_start"]
                row["is_provisional"] = any(w.start <= at < w.end for w in failed) and not any(
                    w.start <= at < w.end for w in succeeded
                )
                interval_rows[(row["queue_id"], at, row["media_type"])] = row
        if interval_rows:
            st.count(s.QUEUE_INTERVALS_TABLE, len(interval_rows))
            # an Arrow table (parquet → COPY) loads far faster than thousands of INSERT VALUES rows
            intervals = pa.Table.from_pylist(list(interval_rows.values()), schema=s.QUEUE_INTERVALS_SCHEMA)
            yield _mark(intervals, s.QUEUE_INTERVALS_TABLE, s.QUEUE_INTERVAL_COLUMNS)

        now = datetime.now(UTC)
        ledger: list[dict[str, Any]] = []
        previous = {e.window: e for e in retry_windows}
        for window, reason in failed.items():
            prior = previous.get(window)
            ledger.append(
                {
                    "platform": s.PLATFORM,
                    "window_start": window.start,
                    "window_end": window.end,
                    "reason": reason,
                    "status": "open",
                    "recorded_at": prior.recorded_at if prior else now,
                    "replaced_at": None,
                }
            )
            st.provisional.append(window)
        for entry in retry_windows:
            if entry.window in failed:
                continue
            if any(w.start <= entry.window.start and entry.window.end <= w.end for w in succeeded):
                ledger.append(
                    {
                        "platform": s.PLATFORM,
                        "window_start": entry.window.start,
                        "window_end": entry.window.end,
                        "reason": entry.reason,
                        "status": "replaced",
                        "recorded_at": entry.recorded_at,
                        "replaced_at": now,
                    }
                )
                st.replaced.append(entry.window)
        if ledger:
            yield _mark(ledger, s.LEDGER_TABLE, s.LEDGER_COLUMNS)

        state = dlt.current.source_state()
        reached = min(end, available) if available else end
        old = state.get("pulled_until")
        if old is None or reached.isoformat() > old:
            state["pulled_until"] = reached.isoformat()
        st.pulled_until = datetime.fromisoformat(state["pulled_until"])

    @dlt.resource(
        name=s.LICENCE_TABLE,
        write_disposition="merge",
        primary_key=s.PRIMARY_KEYS[s.LICENCE_TABLE],
        columns=s.LICENCE_COLUMNS,
    )
    def licence_usage() -> Iterator[list[dict[str, Any]]]:
        """Billable licence usage per calendar month touched by the pull, plus months a previous run
        could not fetch (5xx/timeouts: kept in the source state as ``licence_retry_months``)."""
        state = dlt.current.source_state()
        months = sorted(
            set(h.month_spans(start, end))
            | {
                (datetime.fromisoformat(a), datetime.fromisoformat(b))
                for a, b in state.get("licence_retry_months", [])
            }
        )
        for i, (m_start, m_end) in enumerate(months):
            rows = rt.guard(
                "genesys.licence_usage",
                lambda a=m_start, b=m_end: h.billable_usage(api, a, b, opts.tuning),
                [],
            )
            status = rt.statuses["genesys.licence_usage"].status
            if status != "ok":
                # a failure is retried by the next run; an org without billing (403/404) is not
                pending = months[i:] if status == "failed" else []
                state["licence_retry_months"] = [[a.isoformat(), b.isoformat()] for a, b in pending]
                return
            st.count(s.LICENCE_TABLE, len(rows))
            if rows:
                yield rows
        state["licence_retry_months"] = []

    @dlt.resource(name="billing_contracts", write_disposition="merge")
    def billing_contracts() -> Iterator[Any]:
        """Contracts, billing-period charges and invoice lines (preview API, auxiliary: an org
        without it answers 403/404 and the tables stay empty; 5xx → partial, re-read next run)."""
        tables = rt.guard("genesys.billing_contracts", lambda: billing.contract_tables(api, start, end), {})
        for table, rows in tables.items():
            st.count(table, len(rows))
            if rows:
                hints = dlt.mark.make_hints(
                    table_name=table,
                    primary_key=billing.PRIMARY_KEYS[table],
                    write_disposition="merge",
                    columns=billing.TABLE_COLUMNS[table],
                )
                yield dlt.mark.with_hints(rows, hints, create_table_variant=True)

    from ingestion.genesys_cloud.wfm import default_queue_ids, wfm_resources  # auxiliary (issue 16)

    return (
        conversation_details,
        licence_usage,
        billing_contracts,
        *wfm_resources(api, start, end, lambda: default_queue_ids(api)),
    )
