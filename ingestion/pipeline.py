"""``ingest()``: pull Genesys Cloud / NICE CXone into the warehouse's ``raw`` schema with dlt.

Each platform has its own dlt pipeline whose working folder lives beside the warehouse file
(``<db folder>/dlt_pipelines/<db name>/``), so runs are self-contained: a run killed mid-load
leaves its load package there and the next run finishes it before pulling again; merge on natural
keys (append + dedupe on the key for the streamed Genesys detail tables) makes the re-pull
idempotent. Genesys conversation details are loaded while they are fetched
(``genesys_cloud.stream``); the source's own run then adds aggregates, ledger and high-water mark.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from ingestion.dlt_pipeline import raw_pipeline, run_checked
from ingestion.genesys_cloud import SourceStats
from ingestion.genesys_cloud.stream import DetailPull
from ingestion.http import ApiClient, ApiError, RunCounters
from ingestion.ingest_config import (
    CXONE_ENV,
    CXONE_OPTIONAL,
    GENESYS_ENV,
    CredentialsError,
    IngestOptions,
    credentials,
    is_configured,
)
from ingestion.resources import ResourceTracker, reprobe_after, to_skip
from ingestion.windows import Window, day_start, effective_start, iso_z

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
# Arrow items get dlt's bookkeeping columns too (CONTRACTS: every raw table has _dlt_load_id/_dlt_id).
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")

Platform = Literal["genesys", "cxone", "all"]
PLATFORMS = ("genesys", "cxone")
log = logging.getLogger("ccfinops.ingest")
RAW_DATASET = "raw"

RUN_STATS_COLUMNS = {
    "run_id": {"data_type": "text"},
    "platform": {"data_type": "text"},
    "started_at": {"data_type": "timestamp", "timezone": True},
    "finished_at": {"data_type": "timestamp", "timezone": True},
    "window_start": {"data_type": "timestamp", "timezone": True},
    "window_end": {"data_type": "timestamp", "timezone": True},
    "records": {"data_type": "bigint"},
    "pages": {"data_type": "bigint"},
    "requests": {"data_type": "bigint"},
    "status_429": {"data_type": "bigint"},
    "retries": {"data_type": "bigint"},
    "wait_seconds": {"data_type": "double"},
    "provisional_windows": {"data_type": "bigint"},
    "unavailable_resources": {"data_type": "text"},
    "skipped_resources": {"data_type": "text"},
    "failed_resources": {"data_type": "text"},
    "error": {"data_type": "text"},
}
# Resources that load on their own when the core resource of their platform fails.
STANDALONE_AUXILIARY = {"genesys": ("genesys_licence_usage", "billing_contracts"), "cxone": ()}


@dataclass
class PlatformSummary:
    """One platform's share of an ingest run."""

    platform: str
    window: Window
    records: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    requests: int = 0
    status_429: int = 0
    retries: int = 0
    wait_seconds: float = 0.0
    provisional_windows: list[Window] = field(default_factory=list)
    replaced_windows: list[Window] = field(default_factory=list)
    token_fetches: int = 0
    pulled_until: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    unavailable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unavailable at the last probe, < a day ago
    failed: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def total_records(self) -> int:
        """Rows extracted across every table."""
        return sum(self.records.values())


@dataclass
class IngestSummary:
    """What ``ingest`` did, per platform."""

    run_id: str
    db_path: Path
    platforms: dict[str, PlatformSummary] = field(default_factory=dict)

    @property
    def records(self) -> int:
        """Rows extracted in total."""
        return sum(p.total_records for p in self.platforms.values())

    @property
    def status_429(self) -> int:
        """Requests answered 429 in total."""
        return sum(p.status_429 for p in self.platforms.values())

    @property
    def retries(self) -> int:
        """Retries in total."""
        return sum(p.retries for p in self.platforms.values())

    @property
    def provisional_windows(self) -> int:
        """Windows loaded from aggregates (granular pull failed)."""
        return sum(len(p.provisional_windows) for p in self.platforms.values())

    @property
    def partial(self) -> bool:
        """An auxiliary resource failed (5xx/timeouts after retries): the rest was committed."""
        return any(p.failed for p in self.platforms.values())

    @property
    def failed_platforms(self) -> dict[str, str]:
        """Platform → reason, for platforms whose core resource failed."""
        return {p.platform: p.error for p in self.platforms.values() if p.error}

    def lines(self) -> list[str]:
        """A short human-readable summary."""
        out = []
        for p in self.platforms.values():
            line = (
                f"{p.platform}: {p.total_records} records, {p.pages} pages, {p.requests} requests, "
                f"{p.status_429} x 429, {p.retries} retries, {p.wait_seconds:.1f}s waiting, "
                f"{len(p.provisional_windows)} provisional windows, {len(p.replaced_windows)} replaced"
            )
            if p.unavailable:
                line += f"; unavailable: {', '.join(p.unavailable)}"
            if p.skipped:
                line += f"; not re-asked (unavailable at the last probe): {', '.join(p.skipped)}"
            if p.failed:
                line += f"; failed: {', '.join(p.failed)}"
            if p.error:
                line += f"; FAILED: {p.error}"
            out.append(line)
        return out


class _CoreFailed(Exception):
    def __init__(self, summary: PlatformSummary, cause: BaseException) -> None:
        self.summary = summary
        self.cause = cause


class IngestFailed(RuntimeError):
    """A core resource failed; ``summary`` says what the other platforms/resources committed."""

    def __init__(self, summary: IngestSummary, cause: BaseException) -> None:
        self.summary = summary
        self.cause = cause
        reasons = "; ".join(f"{k}: {v}" for k, v in summary.failed_platforms.items())
        super().__init__(f"core resource failed ({reasons})")


def _root_cause(exc: BaseException) -> BaseException:
    """The vendor error dlt wrapped (``PipelineStepFailed`` → ``ResourceExtractionError`` → ``ApiError``)."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        if isinstance(seen, ApiError):
            return seen
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen if isinstance(seen, ApiError) else exc


def _pipeline(db_path: Path, platform: str) -> Any:
    return raw_pipeline(db_path, f"ccfinops_{platform}")


def _repair_interrupted_normalize(pipeline: Any) -> None:
    """Tidy what a kill -9 inside dlt's normalize step leaves behind.

    Normalize writes a package into ``load/new/<id>``, renames it (atomically) to
    ``load/normalized/<id>`` and only then deletes ``normalize/extracted/<id>``. Killed between the
    last two steps, the package exists twice and the next normalize fails ("Directory not empty").
    The renamed copy is complete, so the extracted copy goes; a half-written ``load/new/<id>`` is
    dropped so the extracted package is normalized again.
    """
    work = Path(pipeline.working_dir)
    extracted = work / "normalize" / "extracted"
    if not extracted.is_dir():
        return
    for package in extracted.iterdir():
        done = any((work / "load" / stage / package.name).exists() for stage in ("normalized", "loaded"))
        half = work / "load" / "new" / package.name
        if half.exists():
            shutil.rmtree(half)
        if done:
            shutil.rmtree(package)


def _discard_extracted(pipeline: Any) -> None:
    """Drop what a failed extract left (nothing of a window whose core pull failed is committed)."""
    storage = pipeline._get_normalize_storage()  # noqa: SLF001 - dlt has no public per-stage drop
    if storage.is_storage_ready():
        for load_id in storage.extracted_packages.list_packages():
            storage.extracted_packages.delete_package(load_id)


def _finish_pending(pipeline: Any) -> None:
    """Load whatever a previous (killed) run left behind before planning the next pull."""
    from ingestion.genesys_cloud.stream import dedupe

    _repair_interrupted_normalize(pipeline)
    if pipeline.has_pending_data:
        pipeline.normalize()
        info = pipeline.load(raise_on_failed_jobs=True)
        dedupe(pipeline, info.loads_ids)  # appended detail tables keep one row per key


def _pulled_until(pipeline: Any, source_name: str) -> datetime | None:
    with contextlib.suppress(Exception):  # a fresh warehouse has nothing to sync
        pipeline.sync_destination()
    raw = pipeline.state.get("sources", {}).get(source_name, {}).get("pulled_until")
    return datetime.fromisoformat(raw) if raw else None


def configured_platforms() -> tuple[str, ...]:
    """What ``all`` means: every platform with credentials set (an org may run only one of them).

    A platform with only part of its credentials set counts as configured, so the missing ones are
    named when its client is built; none configured at all is an error naming both sets.
    """
    found = tuple(
        name
        for name, source, env_map, optional in (
            ("genesys", "genesys_cloud", GENESYS_ENV, frozenset()),
            ("cxone", "nice_cxone", CXONE_ENV, CXONE_OPTIONAL),
        )
        if is_configured(source, env_map, optional=optional)
    )
    if not found:
        raise CredentialsError(
            "no platform credentials: set GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET/GENESYS_API_BASE/"
            "GENESYS_LOGIN_BASE or the CXONE_* set (env or dlt secrets sources.genesys_cloud.* / "
            "sources.nice_cxone.*)"
        )
    for name in PLATFORMS:
        if name not in found:
            log.info("%s: no credentials configured; `all` pulls %s only", name, ", ".join(found))
    return found


def _clients(platforms: tuple[str, ...], options: IngestOptions) -> dict[str, ApiClient]:
    """Build and authenticate every client first: bad credentials fail before anything is written."""
    from ingestion.genesys_cloud import make_client as genesys_client
    from ingestion.nice_cxone import make_client as cxone_client

    clients: dict[str, ApiClient] = {}
    try:
        for platform in platforms:
            counters = RunCounters()
            if platform == "genesys":
                c = credentials("genesys_cloud", GENESYS_ENV)
                api = genesys_client(
                    c["api_base"],
                    c["login_base"],
                    c["client_id"],
                    c["client_secret"],
                    options.genesys,
                    counters,
                )
            else:
                c = credentials("nice_cxone", CXONE_ENV, optional=CXONE_OPTIONAL)
                api = cxone_client(
                    c["auth_base"],
                    c.get("api_base"),
                    c["access_key_id"],
                    c["access_key_secret"],
                    c["client_id"],
                    c["client_secret"],
                    options.cxone,
                    counters,
                )
            clients[platform] = api
            api.authenticate()
    except Exception:
        for api in clients.values():
            api.close()
        raise
    return clients


ProgressFn = Callable[[str, int, int, int], None]


def _stream_genesys(
    pipeline: Any,
    api: ApiClient,
    span: Window,
    options: IngestOptions,
    retry: list[Any],
    late_before: datetime | None,
    known: dict[str, bool],
    stats: SourceStats,
    tracker: ResourceTracker,
    progress: ProgressFn | None,
) -> DetailPull:
    """Pull Genesys conversation details and load each ready batch of windows while the next are
    fetched (``genesys_cloud.stream``); the source's run then adds aggregates, ledger and state."""
    from ingestion.genesys_cloud import helpers as gh
    from ingestion.genesys_cloud.stream import detail_windows, stream_details

    opts = options.genesys
    available = tracker.guard("genesys.data_availability", lambda: gh.availability(api), None)
    windows = detail_windows(span.start, span.end, opts.job_window, retry)
    tracker.ok("genesys.conversation_details")
    late = iso_z(late_before) if late_before else None
    return stream_details(
        pipeline, api, windows, opts, lambda: gh.DetailFlattener(late, known), stats, progress, available
    )


def _run_platform(
    db_path: Path,
    platform: str,
    api: ApiClient,
    start: datetime,
    end: datetime,
    options: IngestOptions,
    run_id: str,
    progress: ProgressFn | None,
) -> PlatformSummary:
    import dlt

    from ingestion import ledger
    from ingestion.genesys_cloud import genesys_cloud
    from ingestion.nice_cxone import nice_cxone

    started = datetime.now(UTC)
    pipeline = _pipeline(db_path, platform)
    _finish_pending(pipeline)
    source_name = "genesys_cloud" if platform == "genesys" else "nice_cxone"
    pulled_until = _pulled_until(pipeline, source_name)
    eff_start = effective_start(start, pulled_until, options.trailing)
    stats = SourceStats()
    # auxiliary resources found unavailable less than a day ago are not asked again (resources.py)
    tracker = ResourceTracker(
        platform, skip=to_skip(ledger.run_history(db_path, platform), started, reprobe_after())
    )

    retry = ledger.open_windows(db_path, "genesys") if platform == "genesys" else []
    late_before = pulled_until if pulled_until and eff_start < pulled_until else None
    details: DetailPull | None = None
    known: dict[str, bool] = {}

    def make_source() -> Any:
        if platform == "genesys":
            return genesys_cloud(
                eff_start,
                end,
                options=options.genesys,
                api=api,
                retry_windows=retry,
                late_before=late_before,
                known_conversations=known,
                stats=stats,
                progress=progress,
                tracker=tracker,
                details=details,
            )
        return nice_cxone(
            eff_start, end, options=options.cxone, api=api, stats=stats, progress=progress, tracker=tracker
        )

    error: BaseException | None = None
    try:
        if platform == "genesys":
            if late_before:
                known = ledger.known_conversations(db_path, eff_start - timedelta(days=1), end)
            details = _stream_genesys(
                pipeline,
                api,
                Window(eff_start, end),
                options,
                retry,
                late_before,
                known,
                stats,
                tracker,
                progress,
            )
        run_checked(pipeline, make_source())
    except Exception as exc:  # a core vendor failure: commit what stands alone, then re-raise
        error = _root_cause(exc)
        if not isinstance(error, ApiError):
            raise
        _discard_extracted(pipeline)
        standalone = STANDALONE_AUXILIARY[platform]
        if standalone:
            run_checked(pipeline, make_source().with_resources(*standalone))
    finished = datetime.now(UTC)
    counters = api.counters.snapshot()
    summary = PlatformSummary(
        platform=platform,
        window=Window(eff_start, end),
        records=dict(stats.records),
        pages=int(counters["pages"]),
        requests=int(counters["requests"]),
        status_429=int(counters["status_429"]),
        retries=int(counters["retries"]),
        wait_seconds=float(counters["wait_seconds"]),
        provisional_windows=list(stats.provisional),
        replaced_windows=list(stats.replaced),
        pulled_until=stats.pulled_until,
        token_fetches=api.auth.fetches if api.auth else 0,
        started_at=started,
        finished_at=finished,
        unavailable=tracker.by_status("unavailable"),
        skipped=tracker.by_status("skipped"),
        failed=tracker.by_status("failed"),
        error=f"{type(error).__name__}: {error}" if error else None,
    )
    row = {
        "run_id": run_id,
        "platform": platform,
        "started_at": started,
        "finished_at": finished,
        "window_start": eff_start,
        "window_end": end,
        "records": summary.total_records,
        "pages": summary.pages,
        "requests": summary.requests,
        "status_429": summary.status_429,
        "retries": summary.retries,
        "wait_seconds": round(summary.wait_seconds, 3),
        "provisional_windows": len(summary.provisional_windows),
        "unavailable_resources": ",".join(summary.unavailable) or None,
        "skipped_resources": ",".join(summary.skipped) or None,
        "failed_resources": ",".join(summary.failed) or None,
        "error": summary.error,
    }
    stats_resource = dlt.resource(
        [row], name="ingest_run_stats", write_disposition="append", columns=RUN_STATS_COLUMNS
    )
    run_checked(pipeline, stats_resource)
    if error is not None:
        raise _CoreFailed(summary, error)
    return summary


def ingest(
    db_path: str | os.PathLike[str],
    platform: Platform,
    start: date | datetime,
    end: date | datetime,
    progress: bool = False,
    *,
    options: IngestOptions | None = None,
) -> IngestSummary:
    """Pull [start, end) (dates are UTC midnights; ``end`` exclusive) into ``raw`` of the warehouse.

    Credentials and hosts come from the ``GENESYS_*`` / ``CXONE_*`` env vars, else dlt secrets
    (``sources.genesys_cloud.*`` / ``sources.nice_cxone.*``). Every client authenticates before the
    warehouse is touched, so bad credentials raise ``AuthError`` (with the vendor's text) and write
    nothing. A run continuing the previous one re-pulls the trailing window (default 48 h).
    """
    if platform not in ("genesys", "cxone", "all"):
        raise ValueError(f"platform must be genesys, cxone or all, got {platform!r}")
    start_dt, end_dt = day_start(start), day_start(end)
    if end_dt <= start_dt:
        raise ValueError(f"end ({end}) must be after start ({start})")
    options = options or IngestOptions.from_env()
    db = Path(db_path).expanduser().resolve()
    platforms = configured_platforms() if platform == "all" else (platform,)
    clients = _clients(platforms, options)
    db.parent.mkdir(parents=True, exist_ok=True)
    summary = IngestSummary(run_id=uuid.uuid4().hex[:16], db_path=db)
    bar = _ProgressBar(platforms) if progress else None
    first_error: BaseException | None = None
    try:
        with relaxed_gc():
            for name in platforms:
                try:
                    summary.platforms[name] = _run_platform(
                        db,
                        name,
                        clients[name],
                        start_dt,
                        end_dt,
                        options,
                        summary.run_id,
                        bar.update if bar else None,
                    )
                except _CoreFailed as failed:  # the other platforms still run and commit
                    summary.platforms[name] = failed.summary
                    first_error = first_error or failed.cause
    finally:
        if bar:
            bar.stop()
        for api in clients.values():
            api.close()
    if first_error is not None:
        raise IngestFailed(summary, first_error) from first_error
    return summary


@contextlib.contextmanager
def relaxed_gc(threshold: int = 200_000) -> Iterator[None]:
    """Run the cyclic GC rarely while parsing: JSON pages create millions of acyclic objects and
    the default thresholds make gen-2 sweeps dominate parsing time (about 3x here)."""
    old = gc.get_threshold()
    gc.set_threshold(threshold, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


class _ProgressBar:
    """A rich progress bar: one task per platform, advanced per window."""

    def __init__(self, platforms: tuple[str, ...]) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[records]} records"),
            TimeElapsedColumn(),
        )
        self._tasks = {p: self._progress.add_task(f"ingest {p}", total=None, records=0) for p in platforms}
        self._progress.start()

    def update(self, platform: str, done: int, total: int, records: int) -> None:
        """Show ``done`` of ``total`` windows."""
        self._progress.update(self._tasks[platform], completed=done, total=total, records=records)

    def stop(self) -> None:
        """Remove the live display."""
        self._progress.stop()
