"""``ccfinops demo``: simulator → three-month backfill → every flow once on a local Prefect server.

Phases (timed for ``benchmarks/demo.py``): simulate (simulator up), ingest (registries + backfill),
build, quality, guardrails, publish (BI snapshot), close, report, wfm, docs. The Prefect server boots
in the background while the backfill runs. A part that is missing or failing is reported loudly at
the end (non-zero exit) after the other parts have run.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows import timing

Echo = Callable[[str], None]


@dataclass
class DemoResult:
    """Where everything landed, what failed, and how long each phase took."""

    db_path: Path
    out: dict[str, Path]
    window: tuple[date, date]
    artefacts: dict[str, Path | None] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every step succeeded."""
        return not self.failures


def backfill_window(today: date, months: int) -> tuple[date, date]:
    """``[first day of the month (months-1) back, tomorrow)``: whole past months plus this month so far."""
    first = today.replace(day=1)
    for _ in range(max(months, 1) - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today + timedelta(days=1)


def _out_dirs(db_path: Path, out: str | os.PathLike[str] | None) -> dict[str, Path]:
    from flows import settings

    if out is not None:
        base = Path(out).expanduser().resolve()
        return {
            "reports": base / "reports",
            "snapshots": base / "snapshots",
            "site": base / "site",
            "close": base / "reports" / "close",
            "spool": db_path.parent / "spool",
            "prefect_home": db_path.parent / "prefect",
        }
    return {
        "reports": settings.reports_dir(),
        "snapshots": settings.snapshot_dir(),
        "site": settings.site_dir(),
        "close": settings.close_dir(),
        "spool": Path(os.environ.get("CCFINOPS_SPOOL_DIR") or db_path.parent / "spool").resolve(),
        "prefect_home": db_path.parent / "prefect",
    }


def _run_flow(result: DemoResult, name: str, echo: Echo, fn: Callable[..., Any], **params: Any) -> Any:
    """Run one flow; record a failure (with the reason) instead of stopping the demo."""
    echo(f"▶ flow {name}")
    try:
        state = fn(**params, return_state=True)
    except Exception as exc:  # the flow engine itself failed
        result.failures.append(f"flow {name}: {type(exc).__name__}: {exc}")
        echo(f"  ✗ {name}: {exc}")
        return None
    if not state.is_completed():
        try:
            state.result()
            reason = state.message or state.name
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        result.failures.append(f"flow {name}: {reason}")
        echo(f"  ✗ {name} {state.name}: {reason}")
        return None
    value = state.result()
    result.results[name] = value
    echo(f"  ✓ {name}")
    return value


def cost_summary(db_path: Path, window: tuple[date, date]) -> list[str]:
    """Total cost, allocated vs unattributed share and top cost centers from ``rpt_cost_center_monthly``."""
    import duckdb

    from flows.locks import warehouse_lock

    with warehouse_lock(db_path):
        con = duckdb.connect(str(db_path))
        try:
            mart, months = "analytics.rpt_cost_center_monthly", "month >= ? and month < ?"
            total, unattributed, shared, currency = con.execute(
                "select sum(usage_cost), sum(usage_cost) filter (where is_unattributed),"
                f" sum(allocated_shared_cost), min(currency) from {mart} where {months}",
                list(window),
            ).fetchone()
            top = con.execute(
                f"select cost_center, sum(usage_cost) from {mart} where {months} and usage_items > 0"
                " group by 1 order by 2 desc nulls last limit 5",
                list(window),
            ).fetchall()
        finally:
            con.close()
    total = Decimal(total or 0)
    un = Decimal(unattributed or 0)
    shared = Decimal(shared or 0)
    cur = currency or "USD"
    share = (un / total * 100).quantize(Decimal("0.01")) if total else Decimal(0)
    lines = [
        f"usage cost {cur} {total:,.2f} + allocated shared/licence pools {cur} {shared:,.2f}",
        f"unattributed usage {cur} {un:,.2f} ({share} % of usage; in the reconciliation queue)",
        "top cost centers: " + ", ".join(f"{cc} {Decimal(c or 0):,.2f}" for cc, c in top),
    ]
    return lines


def _guardrail_replay(result: DemoResult, sim: Any, echo: Echo) -> None:
    """Hook for the guardrail service's demo (a day of events through a running receiver)."""
    try:
        from simulator.demo_replay import replay_day  # type: ignore[import-not-found]
    except ImportError:
        result.failures.append("guardrail replay: simulator.demo_replay.replay_day is not available yet")
        echo("  ✗ guardrail replay: simulator.demo_replay.replay_day is not available yet")
        return
    try:
        with timing.phase("guardrails"):
            for line in replay_day(result.db_path, sim=sim, spool_dir=result.out["spool"]) or []:
                echo(f"  {line}")
    except Exception as exc:
        result.failures.append(f"guardrail replay: {type(exc).__name__}: {exc}")
        echo(f"  ✗ guardrail replay: {exc}")


def run_demo(
    db: str | os.PathLike[str] | None = None,
    *,
    conversations_per_month: int = 100_000,
    months: int = 3,
    seed: int = 7,
    out: str | os.PathLike[str] | None = None,
    start_server: bool = True,
    quota_per_min: int = 6000,
    today: date | None = None,
    publish_on_dq_failure: bool = False,
    echo: Echo = print,
) -> DemoResult:
    """Run the whole demo; never raises for a failing part (see ``DemoResult.failures``)."""
    from ingestion.warehouse import resolve_db_path

    timing.reset()
    db_path = resolve_db_path(db)
    dirs = _out_dirs(db_path, out)
    today = today or datetime.now(UTC).date()
    window = backfill_window(today, months)
    result = DemoResult(db_path, dirs, window)
    result.results["publish_on_dq_failure"] = publish_on_dq_failure
    saved_env = dict(os.environ)  # restored at the end: the demo's settings never leak to the caller
    os.environ["CCFINOPS_SPOOL_DIR"] = str(dirs["spool"])
    os.environ["CCFINOPS_QUALITY_SITE"] = str(dirs["site"] / "quality")
    for key in ("GENESYS_RATE_LIMIT_PER_MIN", "CXONE_RATE_LIMIT_PER_MIN"):
        os.environ[key] = str(quota_per_min)

    server = None
    if start_server:
        from flows.prefect_server import LocalPrefectServer

        server = LocalPrefectServer(dirs["prefect_home"]).start()
        echo(f"Prefect server starting on {server.api_url} (in the background)")
    try:
        _run_with_simulator(result, conversations_per_month, seed, quota_per_min, today, server, echo)
    finally:
        if server is not None:
            server.stop()
        os.environ.clear()
        os.environ.update(saved_env)
        result.phases = timing.totals()
    return result


def _run_with_simulator(
    result: DemoResult,
    conversations_per_month: int,
    seed: int,
    quota_per_min: int,
    today: date,
    server: Any,
    echo: Echo,
) -> None:
    from simulator.config import SimConfig
    from simulator.server import run_simulator

    config = SimConfig(
        conversations_per_month=conversations_per_month,
        cxone_contacts_per_month=max(conversations_per_month * 3 // 10, 1),
        genesys_quota_per_min=quota_per_min,
        cxone_quota_per_min=quota_per_min,
    )
    with contextlib.ExitStack() as stack:
        with timing.phase("simulate"):
            sim = stack.enter_context(run_simulator(seed, port=0, config=config, process=True))
        os.environ.update(sim.genesys_env() | sim.cxone_env())
        if not os.environ.get("CCFINOPS_WFM_MANAGEMENT_UNIT"):  # the demo org's WFM management unit
            from simulator.org import load_org

            os.environ["CCFINOPS_WFM_MANAGEMENT_UNIT"] = load_org().genesys.management_unit_id
        echo(
            f"simulator on {sim.base_url}: {conversations_per_month:,} Genesys conversations/month, "
            f"seed {seed}"
        )
        _backfill(result, echo, sim)
        if server is not None:
            with timing.phase("prefect_server_wait"):
                server.wait_healthy()
            from prefect.settings import PREFECT_API_URL, temporary_settings

            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.api_url}))
        _run_flows(result, today, sim, echo)


def _backfill(result: DemoResult, echo: Echo, sim: Any = None) -> None:
    start, end = result.window
    echo(f"backfill {start} .. {end - timedelta(days=1)} into {result.db_path}")
    try:
        from ingestion.pipeline import ingest
        from ingestion.registries import load_registries

        with timing.phase("ingest"):
            load_registries(result.db_path)
            summary = ingest(result.db_path, "all", start, end)
            if sim is not None:  # a user exporting the Cloud Voice usage CSV from the admin UI
                from ingestion.genesys_cloud.voice_usage_file import load_voice_usage_file
                from simulator.voice_usage_export import export_from_handle

                csv_file = export_from_handle(
                    sim, start, end, result.db_path.parent / "exports" / "cloud-voice-usage.csv"
                )
                echo(f"  voice usage CSV: {load_voice_usage_file(result.db_path, csv_file)} calls loaded")
        for line in getattr(summary, "lines", lambda: [str(summary)])():
            echo(f"  {line}")
        result.results["backfill"] = summary
    except Exception as exc:
        result.failures.append(f"backfill: {type(exc).__name__}: {exc}")
        echo(f"  ✗ backfill: {exc}")
        echo(traceback.format_exc(limit=3))


def _run_flows(result: DemoResult, today: date, sim: Any, echo: Echo) -> None:
    from flows.close import previous_month
    from flows.monthly_close import monthly_close
    from flows.telemetry import telemetry
    from flows.weekly_report import weekly_efficiency_report
    from flows.wfm import next_week_start
    from flows.wfm_constraints import wfm_constraints

    db = str(result.db_path)
    dirs = result.out
    tel = _run_flow(
        result,
        "telemetry",
        echo,
        telemetry,
        db=db,
        start=today - timedelta(days=1),
        end=today + timedelta(days=1),
        snapshot_out=str(dirs["snapshots"]),
        spool_dir=str(dirs["spool"]),
        publish_on_dq_failure=bool(result.results.get("publish_on_dq_failure")),
    )
    if tel:
        quality = tel.get("quality")
        if quality is not None and hasattr(quality, "summary_table"):
            from rich.console import Console

            Console(width=120).print(quality.summary_table())
            critical = list(getattr(quality, "critical_failures", []) or [])
            if critical:
                names = ", ".join(getattr(c, "expectation", str(c)) for c in critical)
                withheld = (
                    "" if result.results.get("publish_on_dq_failure") else "; the BI snapshot was withheld"
                )
                result.failures.append(
                    f"data quality: {len(critical)} critical expectation(s) failed ({names}){withheld}"
                )
        try:
            for line in cost_summary(result.db_path, result.window):
                echo(f"  {line}")
        except Exception as exc:
            result.failures.append(f"cost summary: {type(exc).__name__}: {exc}")
        snap = tel.get("snapshot")
        result.artefacts["snapshot"] = getattr(snap, "duckdb_path", None)
        result.artefacts["parquet"] = getattr(snap, "parquet_root", None)
    _guardrail_replay(result, sim, echo)
    with timing.phase("close"):
        close = _run_flow(
            result,
            "monthly_close",
            echo,
            monthly_close,
            db=db,
            month=previous_month(today),
            out=str(dirs["close"]),
            notify=False,
        )
    if close is not None and close.files:
        result.artefacts["chargeback"] = close.files[-1]
    with timing.phase("report"):
        report = _run_flow(
            result,
            "weekly_efficiency_report",
            echo,
            weekly_efficiency_report,
            db=db,
            out=str(dirs["reports"]),
            spool_dir=str(dirs["spool"]),
        )
    if report is not None:
        result.artefacts["report"] = report.html
    with timing.phase("wfm"):
        wfm = _run_flow(
            result, "wfm_constraints", echo, wfm_constraints, db=db, week_start=next_week_start(today)
        )
    if wfm is not None:
        received = len(sim.state().get("shifts", []))
        echo(
            f"  WFM: {len(wfm['payload']['shifts'])} shift constraints posted; "
            f"simulator holds {received} post(s)"
        )
    with timing.phase("docs"):
        try:
            from flows.docs_site import build_site

            site = build_site(result.db_path, dirs["site"], dirs["reports"], dirs["snapshots"])
            result.artefacts.update(site=site.index, dbt_docs=site.dbt_docs, data_docs=site.data_docs)
            result.failures.extend(f"docs: {p}" for p in site.problems)
        except Exception as exc:
            result.failures.append(f"docs: {type(exc).__name__}: {exc}")


def print_summary(result: DemoResult, echo: Echo = print) -> None:
    """Where everything is, how long each phase took, and what failed."""
    a = result.artefacts
    echo("")
    echo("ccfinops demo — where things are")
    rows = [
        ("warehouse (DuckDB)", result.db_path),
        ("BI snapshot (read-only DuckDB)", a.get("snapshot")),
        ("BI snapshot (Parquet, hive)", a.get("parquet")),
        ("weekly report", a.get("report")),
        ("chargeback (monthly close)", a.get("chargeback")),
        ("dbt docs", a.get("dbt_docs")),
        ("Data Docs (GX)", a.get("data_docs")),
        ("docs site index", a.get("site")),
        ("Prefect runs (PREFECT_HOME)", result.out.get("prefect_home")),
    ]
    for label, path in rows:
        echo(f"  {label:32s} {path if path else '— not produced'}")
    echo("phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.phases.items()))
    if result.failures:
        echo("FAILED parts:")
        for f in result.failures:
            echo(f"  ✗ {f}")
