"""Ingest benchmark: simulator → DuckDB throughput (Arrow vs row dicts) and behaviour under a quota.

(a) Unthrottled: conversations per second from the simulator's async detail jobs into DuckDB
    through the production path (``genesys_cloud.stream``: a producer thread fetches and flattens
    each window into pyarrow Tables while the calling thread appends every ready batch through dlt
    and deduplicates it on the primary key), beside the sequential path it replaced (one package:
    extract, normalize, DuckDB merge one after the other), the same records yielded as dlt row
    dicts (same HTTP, same flattening, merge hints), and the simulator's own ceiling (pages fetched
    and JSON-decoded only). Median of a few repeats; ratios; the stage breakdown.
(b) Under a quota: the simulator allows ``--quota`` requests/min per token and the client limiter is
    set to the same rate (and, second row, to twice it: the limiter adapts to
    ``inin-ratelimit-allowed``). Reports achieved request rate / allowed rate while pulling, the
    share of requests answered 429, and completeness against the simulator's ground truth.

The simulator runs as a separate process (``ccfinops simulate``) so it does not share our GIL.

    python benchmarks/ingest.py            # full run (a few minutes)
    python benchmarks/ingest.py --quick    # smoke run (~1 minute)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import dlt  # noqa: E402
import httpx  # noqa: E402
import orjson  # noqa: E402

from ingestion.genesys_cloud import GenesysOptions, SourceStats, genesys_cloud, make_client  # noqa: E402
from ingestion.genesys_cloud import helpers as gh  # noqa: E402
from ingestion.genesys_cloud import settings as gs  # noqa: E402
from ingestion.genesys_cloud.parse_pool import default_workers  # noqa: E402
from ingestion.genesys_cloud.stream import detail_windows, stream_details  # noqa: E402
from ingestion.http import RetryPolicy  # noqa: E402
from ingestion.pipeline import relaxed_gc  # noqa: E402
from ingestion.windows import chunk, day_start  # noqa: E402
from simulator.config import Credentials  # noqa: E402

START = date(2026, 3, 2)
CLOCK = datetime(2026, 4, 20, tzinfo=UTC)


# ------------------------------------------------------------------------------------ simulator
class Simulator:
    """``ccfinops simulate`` in a child process on a free loopback port."""

    def __init__(self, seed: int, per_month: int, quota: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.seed = seed
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "simulate",
                "--port",
                str(self.port),
                "--seed",
                str(seed),
                "--conversations-per-month",
                str(per_month),
                "--quota",
                str(quota),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/_sim/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("simulator did not start")
        httpx.post(f"{self.base}/_sim/clock", json={"now": CLOCK.isoformat()}).raise_for_status()

    def truth_ids(self, start: date, end: date) -> set[str]:
        params = {"platform": "genesys", "start": start.isoformat(), "end": end.isoformat(), "ids": "true"}
        r = httpx.get(f"{self.base}/_sim/ground-truth", params=params, timeout=300)
        r.raise_for_status()
        return set(r.json()["conversation_ids"])

    def client(self, options: GenesysOptions) -> Any:
        creds = Credentials.for_seed(self.seed)
        return make_client(
            self.base, self.base, creds.genesys_client_id, creds.genesys_client_secret, options
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# ------------------------------------------------------------------------------------ runs
def _pipeline(folder: Path, name: str) -> Any:
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(folder / "dlt"),
        destination=dlt.destinations.duckdb(str(folder / "wh.duckdb")),
        dataset_name="raw",
    )


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    from ingestion.warehouse import connect

    con = connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _loaded_ids(folder: Path, start: date, end: date) -> list[str]:
    rows = _query(
        folder / "wh.duckdb",
        "select conversation_id from raw.genesys_conversations "
        "where conversation_start >= ? and conversation_start < ?",
        [day_start(start), day_start(end)],
    )
    return [r[0] for r in rows]


STAGES: list[tuple[float, float, float, float, int]] = []


def arrow_run(sim: Simulator, days: int, options: GenesysOptions) -> tuple[float, int]:
    """Production path: conversation details streamed (fetch + parse in a producer thread, each
    ready batch of windows appended through dlt as Arrow and deduplicated), then the source's run
    (aggregates, ledger, high-water mark) — what ``ingest()`` does for Genesys."""
    folder = Path(tempfile.mkdtemp(prefix="bench-arrow-"))
    try:
        api = sim.client(options)
        api.authenticate()
        span = (day_start(START), day_start(START + timedelta(days=days)))
        stats = SourceStats()
        pipeline = _pipeline(folder, "bench_arrow")
        t0 = time.perf_counter()
        with relaxed_gc():
            windows = detail_windows(*span, options.job_window, [])
            details = stream_details(pipeline, api, windows, options, gh.DetailFlattener, stats)
            source = genesys_cloud(*span, options=options, api=api, stats=stats, details=details)
            pipeline.run(source.with_resources("conversation_details"))
        t1 = time.perf_counter()
        STAGES.append(
            (details.fetch_seconds, details.load_seconds, details.idle_seconds, t1 - t0, details.loads)
        )
        ids = _loaded_ids(folder, START, START + timedelta(days=days))
        assert len(ids) == len(set(ids)), "duplicate conversations after the streamed load"
        n = len(ids)
        api.close()
        return t1 - t0, n
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SEQUENTIAL: list[tuple[float, float, float]] = []


def sequential_run(sim: Simulator, days: int, options: GenesysOptions) -> tuple[float, int]:
    """Same-run baseline: the source pulls every window inline into one package (merge hints), then
    dlt's extract, normalize and load (DuckDB delete-insert merge) run one after the other — the
    path before streaming."""
    folder = Path(tempfile.mkdtemp(prefix="bench-seq-"))
    try:
        api = sim.client(options)
        api.authenticate()
        span = (day_start(START), day_start(START + timedelta(days=days)))
        source = genesys_cloud(*span, options=options, api=api, stats=SourceStats())
        pipeline = _pipeline(folder, "bench_seq")
        t0 = time.perf_counter()
        with relaxed_gc():
            pipeline.extract(source.with_resources("conversation_details"))
            t1 = time.perf_counter()
            pipeline.normalize()
            t2 = time.perf_counter()
            pipeline.load()
        t3 = time.perf_counter()
        SEQUENTIAL.append((t1 - t0, t2 - t1, t3 - t2))
        n = len(set(_loaded_ids(folder, START, START + timedelta(days=days))))
        api.close()
        return t3 - t0, n
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fetch_only_run(sim: Simulator, days: int, options: GenesysOptions) -> tuple[float, int]:
    """The simulator's ceiling: the same detail jobs read concurrently, pages only JSON-decoded
    (no flattening, no Arrow, no load). Nothing the product does can beat this rate here."""
    api = sim.client(options)
    api.authenticate()
    windows = chunk(day_start(START), day_start(START + timedelta(days=days)), options.job_window)
    count = [0]

    def read(content: bytes) -> str | None:
        page = orjson.loads(content)
        count[0] += len(page.get("conversations") or [])
        return page.get("cursor")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=options.job_workers) as pool:
        list(
            pool.map(
                lambda w: gh.run_detail_job(api, w, options.tuning, lambda _c: None, read_page=read), windows
            )
        )
    elapsed = time.perf_counter() - t0
    api.close()
    return elapsed, count[0]


def rows_run(sim: Simulator, span: timedelta, options: GenesysOptions) -> tuple[float, int]:
    """Baseline: the same HTTP pulls and flattening, yielded to dlt as row dicts."""
    folder = Path(tempfile.mkdtemp(prefix="bench-rows-"))
    try:
        api = sim.client(options)
        api.authenticate()

        @dlt.resource(name="conversation_details", write_disposition="merge")
        def conversation_rows() -> Iterator[Any]:
            for window in chunk(day_start(START), day_start(START) + span, options.job_window):
                result = gh.pull_window(api, window, options.tuning, lambda: gh.DetailFlattener())
                for table, parts in (
                    (gs.CONVERSATIONS_TABLE, result.conversations),
                    (gs.SESSIONS_TABLE, result.sessions),
                    (gs.SEGMENTS_TABLE, result.segments),
                    (gs.EVALUATIONS_TABLE, result.evaluations),
                ):
                    hints = dlt.mark.make_hints(
                        table_name=table, primary_key=gs.PRIMARY_KEYS[table], write_disposition="merge"
                    )
                    for part in parts:
                        yield dlt.mark.with_hints(part.to_pylist(), hints, create_table_variant=True)

        pipeline = _pipeline(folder, "bench_rows")
        t0 = time.perf_counter()
        with relaxed_gc():
            pipeline.run(conversation_rows())
        elapsed = time.perf_counter() - t0
        n = len(_loaded_ids(folder, START, START + timedelta(days=1)))
        api.close()
        return elapsed, n
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def quota_run(sim: Simulator, days: int, quota: int, client_rate: float, page_size: int) -> dict[str, Any]:
    """Pull under the simulator's quota; rate measured over the extraction (all HTTP happens there)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-quota-"))
    options = GenesysOptions(
        rate_per_min=client_rate,
        retry=RetryPolicy(),
        job_window=timedelta(days=1),
        job_workers=4,
        tuning=gh.JobTuning(page_size=page_size, poll_initial_s=0.3),
    )
    try:
        api = sim.client(options)  # a new token: the simulator's per-token bucket starts afresh
        api.authenticate()
        source = genesys_cloud(
            day_start(START),
            day_start(START + timedelta(days=days)),
            options=options,
            api=api,
            stats=SourceStats(),
        ).with_resources("conversation_details")
        pipeline = _pipeline(folder, "bench_quota")
        t0 = time.perf_counter()
        with relaxed_gc():
            pipeline.extract(source)
            t1 = time.perf_counter()
            pipeline.normalize()
            pipeline.load()
        c = api.counters.snapshot()
        api_requests = c["requests"] - api.auth.fetches  # the token endpoint has no quota
        achieved = api_requests / (t1 - t0) * 60.0
        ids = _loaded_ids(folder, START, START + timedelta(days=days))
        truth = sim.truth_ids(START, START + timedelta(days=days))
        api.close()
        return {
            "client_rate": client_rate,
            "requests": api_requests,
            "seconds": t1 - t0,
            "achieved_per_min": achieved,
            "ratio": achieved / quota,
            "status_429": c["status_429"],
            "share_429": c["status_429"] / max(1, c["requests"]),
            "completeness": len(set(ids) & truth) / max(1, len(truth)),
            "duplicates": len(ids) - len(set(ids)),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quota", type=int, default=600, help="simulator quota, requests/min")
    parser.add_argument("--only", default="abc", help="sections to run, e.g. 'a' or 'bc' (default 'abc')")
    args = parser.parse_args()
    if "a" in args.only:
        throughput(args.quick, args.repeats or (1 if args.quick else 3))
    if "b" in args.only:
        under_quota(args.quick, args.quota)
    if "c" in args.only:
        print(f"machine load average: {os.getloadavg()[0]:.1f}")
        print_freshness(30_000 if args.quick else 100_000)


PER_MONTH = 300_000  # ~10 000 conversations a day


def throughput(quick: bool, repeats: int) -> None:
    """Section (a): the streamed path, the sequential merge path and the simulator's ceiling are
    run in turn within each repeat (so each triple sees the same machine load), then row dicts."""
    arrow_days, rows_span = (2, timedelta(hours=6)) if quick else (7, timedelta(hours=12))
    print(
        f"== (a) unthrottled simulator → DuckDB ({PER_MONTH:,} conversations/month, {repeats} repeats, "
        f"{default_workers()} page-parsing processes; CCFINOPS_PARSE_WORKERS sets it)"
    )
    sim = Simulator(seed=7, per_month=PER_MONTH, quota=10_000_000)
    arrow, sequential, ceiling = [], [], []
    try:
        fast = GenesysOptions(
            rate_per_min=10_000_000,
            job_window=timedelta(hours=12),
            job_workers=8,
            tuning=gh.JobTuning(poll_initial_s=0.05, poll_max_s=0.25),
        )
        for _ in range(repeats):
            arrow.append(arrow_run(sim, arrow_days, fast))
            sequential.append(sequential_run(sim, arrow_days, fast))
            ceiling.append(fetch_only_run(sim, arrow_days, fast))
        rows = [rows_run(sim, rows_span, fast) for _ in range(max(1, repeats - 1))]
    finally:
        sim.stop()

    def rate(name: str, runs: list[tuple[float, int]], note: str = "") -> float:
        value = statistics.median(n / t for t, n in runs)
        listed = ", ".join(f"{n:,} in {t:.1f}s" for t, n in runs)
        print(f"{name}: {value:10,.0f} conversations/s  (median; runs: {listed}){note}")
        return value

    a_rate = rate("streamed   ", arrow)
    s_rate = rate("sequential ", sequential, " — extract, normalize, merge one after the other")
    r_rate = rate("row dicts  ", rows)
    c_rate = rate("simulator  ", ceiling, " — fetch + JSON decode only: this machine's ceiling")
    fetch, load, idle, wall, loads = (statistics.median(x) for x in zip(*STAGES, strict=True))
    print(
        f"streamed   : fetch + parse (producer thread) {fetch:.1f}s, dlt extract/normalize/append + "
        f"dedupe (loading thread) {load:.1f}s in {loads:.0f} packages, loader idle {idle:.1f}s, "
        f"wall {wall:.1f}s (medians; overlap saves {max(0.0, fetch + load - wall):.1f}s)"
    )
    ext, norm, merge = (statistics.median(x) for x in zip(*SEQUENTIAL, strict=True))
    print(
        f"sequential : extract {ext:.1f}s, normalize {norm:.1f}s, load (DuckDB merge) {merge:.1f}s (medians)"
    )
    print(
        f"ratio      : {a_rate / r_rate:10.1f}x row dicts, {a_rate / s_rate:.2f}x sequential, "
        f"{a_rate / c_rate:.2f} of the simulator's ceiling; target >= 20,000 conv/s: "
        f"{'met' if a_rate >= 20_000 else 'NOT met'}"
    )
    vendor = 300 * 1000 / 60  # Genesys default quota 300 req/min x 1000 conversations per page
    print(f"vs quota   : {a_rate / vendor:10.1f}x what 300 req/min x 1000 conv/page allows ({vendor:,.0f}/s)")
    print(f"machine load average: {os.getloadavg()[0]:.1f} (2 cores; other jobs share them)")


def under_quota(quick: bool, quota: int) -> None:
    """Section (b)."""
    q_days, page = (1, 100) if quick else (2, 50)
    print(f"\n== (b) under a quota of {quota} requests/min (page size {page}, {q_days} day(s))")
    sim = Simulator(seed=8, per_month=PER_MONTH, quota=quota)
    try:
        results = [
            quota_run(sim, q_days, quota, float(quota), page),
            quota_run(sim, q_days, quota, float(quota * 2), page),
        ]
    finally:
        sim.stop()
    for r in results:
        print(
            f"client limiter {r['client_rate']:6.0f}/min: {r['requests']} requests in "
            f"{r['seconds']:.1f}s → {r['achieved_per_min']:.0f}/min, "
            f"achieved/allowed {r['ratio']:.2f} (target >= 0.9), "
            f"429 share {r['share_429']:.2%} (target <= 1%), completeness {r['completeness']:.2%}, "
            f"duplicates {r['duplicates']}"
        )


# ------------------------------------------------------------------------------------ freshness
CADENCE = timedelta(hours=1)
BUILD_FAILURES: set[str] = set()
LATE_WINDOW = timedelta(minutes=10)


def _visible(db: Path) -> dict[str, datetime]:
    """Genesys conversation id → conversation_end, for conversations costed in fct_usage_cost."""
    rows = _query(
        db,
        "select distinct f.conversation_id, c.conversation_end from analytics.fct_usage_cost f "
        "join raw.genesys_conversations c using (conversation_id) where f.platform = 'genesys'",
    )
    return dict(rows)


def _hourly_run(sim: Any, db: Path, run_at: datetime) -> tuple[float, float]:
    """One hourly telemetry cycle's path to fct_usage_cost at simulated time ``run_at``: the flow's
    window (yesterday → end of today, plus the trailing re-pull) for both platforms, then its
    ``dbt build``. Returns (ingest seconds, build seconds)."""
    from flows.dbt_runner import DbtRunError, run_dbt
    from flows.tasks import default_window
    from ingestion.pipeline import ingest

    sim.set_clock(run_at)
    start, end = default_window(run_at.date())
    t0 = time.perf_counter()
    ingest(db, "all", start, end)
    t1 = time.perf_counter()
    try:
        run_dbt(["build"], db, quiet=True)
    except DbtRunError as exc:  # a failing node elsewhere must not hide the freshness figure
        BUILD_FAILURES.update(f.unique_id for f in exc.failed)
    return t1 - t0, time.perf_counter() - t1


def freshness(per_month: int) -> dict[str, Any]:
    """Event (conversation end) → visible in ``fct_usage_cost`` at the hourly cadence.

    The flow runs at HH:10 (the 10-minute late-data window); the simulator's detail data lake
    makes a conversation available ``LATE_WINDOW`` after it ends (``dataAvailabilityDate`` = now −
    10 min: the best a 10-minute window can wait for). A warm-up cycle at 10:10 builds the
    warehouse; the measured cycle at 11:10 makes the conversations that ended in [10:00, 11:00)
    visible. Each one's latency = (run start + ingest + build) − its conversation end.
    """
    from ingestion.registries import load_registries
    from simulator.config import SimConfig
    from simulator.server import run_simulator

    folder = Path(tempfile.mkdtemp(prefix="bench-fresh-"))
    db = folder / "wh.duckdb"
    config = SimConfig(
        conversations_per_month=per_month,
        cxone_contacts_per_month=per_month // 3,
        availability_lag_s=LATE_WINDOW.total_seconds(),
    )
    saved = dict(os.environ)
    try:
        with run_simulator(seed=9, port=0, config=config, process=True) as sim:
            os.environ.update({**sim.genesys_env(), **sim.cxone_env()})
            os.environ["CCFINOPS_DB"] = str(db)
            load_registries(db)
            day = datetime(2026, 3, 4, tzinfo=UTC)
            warm_at = day + timedelta(hours=10) + LATE_WINDOW
            warm = _hourly_run(sim, db, warm_at)
            before = _visible(db)
            run_at = warm_at + CADENCE
            ingest_s, build_s = _hourly_run(sim, db, run_at)
            after = _visible(db)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(folder, ignore_errors=True)
    # conversations that ended before the previous run's cutoff and show up only now were loaded by
    # the trailing re-pull reaching further back than the warm-up window: backfill, not freshness
    cutoff = warm_at - LATE_WINDOW
    fresh = {cid: end for cid, end in after.items() if cid not in before}
    new = {cid: end for cid, end in fresh.items() if end >= cutoff}
    visible_at = run_at + timedelta(seconds=ingest_s + build_s)
    lat = sorted((visible_at - end).total_seconds() / 60 for end in new.values())
    return {
        "warm": warm,
        "ingest_s": ingest_s,
        "build_s": build_s,
        "new": len(new),
        "backfill": len(fresh) - len(new),
        "median_min": statistics.median(lat) if lat else float("nan"),
        "worst_min": lat[-1] if lat else float("nan"),
        "best_min": lat[0] if lat else float("nan"),
    }


def print_freshness(per_month: int) -> None:
    """Section (c)."""
    print(
        f"\n== (c) freshness: conversation end → visible in fct_usage_cost (hourly flow at HH:10, "
        f"{LATE_WINDOW.seconds // 60}-minute late-data window, {per_month:,} conversations/month)"
    )
    f = freshness(per_month)
    run_min = (f["ingest_s"] + f["build_s"]) / 60
    print(
        f"hourly cycle: ingest (both platforms, yesterday → today + 48 h trailing) {f['ingest_s']:.1f}s, "
        f"dbt build {f['build_s']:.1f}s (warm-up cycle: {f['warm'][0]:.1f}s + {f['warm'][1]:.1f}s)"
    )
    print(
        f"measured    : {f['new']:,} conversations made visible by the 11:10 run: latency median "
        f"{f['median_min']:.1f} min, worst {f['worst_min']:.1f} min, best {f['best_min']:.1f} min "
        f"({f['backfill']:,} older conversations the trailing re-pull added are not counted)"
    )
    if BUILD_FAILURES:
        print(f"note        : dbt build reported failures outside fct_usage_cost: {sorted(BUILD_FAILURES)}")
    cadence, late = CADENCE.total_seconds() / 60, LATE_WINDOW.total_seconds() / 60
    print(
        f"model       : worst = cadence {cadence:.0f} + late window {late:.0f} + run {run_min:.1f} = "
        f"{cadence + late + run_min:.1f} min; median = {cadence / 2 + late + run_min:.1f} min; "
        f"target <= 15 min: {'met' if f['worst_min'] <= 15 else 'NOT met'} "
        "(the hourly cadence alone exceeds it)"
    )
    print(
        "lower bound : a conversation is in the detail jobs only once dataAvailabilityDate (GET "
        "/api/v2/analytics/conversations/details/jobs/availability) has passed its end; Genesys "
        "gives no bound (connectors report hours to a day of lag), so event → visible >= that lag "
        f"+ one run ({run_min:.1f} min here) at any cadence"
    )


if __name__ == "__main__":
    main()
