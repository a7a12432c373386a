"""The weekly WFM review marts (issue 16) against the simulator's ground truth.

A simulator week (small org) is ingested with the real pipeline, the registries loaded and the WFM
marts built with everything upstream; the figures are compared with what the simulator generated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from flows.dbt_runner import run_dbt
from ingestion.pipeline import ingest
from ingestion.registries import load_registries
from simulator.server import run_simulator
from tests.ingestion.conftest import fast_options, small_config

WEEK = date(2026, 3, 2)
WEEK_END = date(2026, 3, 9)
CLOCK = datetime(2026, 3, 9, 12, tzinfo=UTC)
SALES = "d41a4916-e89a-57c0-aa86-60d147f9421a"
SELECT = ["--select", "+path:models/marts/wfm", "--indirect-selection", "cautious"]


def _warehouse(factory: pytest.TempPathFactory, name: str, **faults: Any) -> tuple[Path, dict[str, Any]]:
    db = factory.mktemp(name) / "wh.duckdb"
    with run_simulator(seed=7, port=0, config=small_config()) as sim:
        sim.set_clock(CLOCK)
        if faults:
            sim.set_faults(**faults)
        with pytest.MonkeyPatch.context() as mp:
            for key, value in {**sim.genesys_env(), **sim.cxone_env()}.items():
                mp.setenv(key, value)
            ingest(db, "all", WEEK, WEEK_END, options=fast_options())
        truth = httpx.get(f"{sim.base_url}/_sim/wfm-ground-truth?start={WEEK}&end={WEEK_END}").json()
        truth["genesys"] = sim.ground_truth("genesys", WEEK, WEEK_END, ids=False)
        truth["cxone_contacts"] = sim.ground_truth("cxone", WEEK, WEEK_END, ids=False)
        truth["cxone"] = httpx.get(
            f"{sim.base_url}/_sim/cxone-state-ground-truth?start={WEEK}&end={WEEK_END}"
        ).json()
    load_registries(db)
    run_dbt(["build", *SELECT], db, quiet=True)
    return db, truth


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    yield _warehouse(tmp_path_factory, "wfm")


def _rows(db: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def test_forecast_and_occupancy_equal_the_simulators_ground_truth(built: tuple[Path, dict[str, Any]]) -> None:
    db, truth = built
    row = _rows(
        db,
        "select * from analytics.fct_wfm_queue_weekly where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]
    fc = truth["forecast_weeks"][WEEK.isoformat()][SALES]
    assert row["forecasted_offered"] == Decimal(str(round(fc["forecast_offered"], 2)))
    assert round(row["forecasted_handle_time_seconds"]) == round(fc["forecast_aht_s"])  # to the second
    assert row["actual_offered"] == truth["genesys"]["per_queue_offered"][SALES]
    occ = truth["queues"][SALES]["occupancy"]
    assert round(100 * row["actual_occupancy_rate"]) == round(100 * occ)  # to the percent
    assert (row["forecast_status"], row["occupancy_status"]) == ("available", "available")
    # the forecast error the simulator builds in: a few percent, never zero
    assert row["actual_offered"] > 0 and 0 < abs(row["volume_variance_pct"]) <= Decimal("6")
    assert abs(row["handle_time_variance_pct"]) <= Decimal("10")
    # cost per resolved is the unit-cost mart's own figure for the queue and week
    cost = _rows(
        db,
        "select sum(total_cost) as c, sum(resolved_count) as r from analytics.fct_cost_per_resolved_weekly "
        "where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]
    assert row["cost_per_resolved"] == (cost["c"] / cost["r"]).quantize(Decimal("0.000001"))
    staffed_h = (
        Decimal(truth["queues"][SALES]["interacting_ms"] + truth["queues"][SALES]["idle_ms"]) / 3600000
    )
    assert abs(row["cost_per_staffed_hour"] - cost["c"] / staffed_h) < Decimal("0.000001")


def test_cxone_occupancy_from_agent_states_and_no_forecast(built: tuple[Path, dict[str, Any]]) -> None:
    db, truth = built
    rows = {
        r["queue_id"]: r
        for r in _rows(db, "select * from analytics.fct_wfm_queue_weekly where platform = 'cxone'")
    }
    assert set(rows) >= {"4101", "4102"}
    for skill, t in truth["cxone"].items():
        assert round(100 * rows[skill]["actual_occupancy_rate"]) == round(100 * t["occupancy"])
        staffed = Decimal(str(round((t["interacting_s"] + t["available_s"]) / 3600, 2)))
        assert abs(rows[skill]["staffed_hours"] - staffed) <= Decimal("0.01")
    assert {r["forecast_status"] for r in rows.values()} == {"not_exposed"}
    per_skill = {str(k): v for k, v in truth["cxone_contacts"]["per_skill"].items()}
    assert {k: r["actual_offered"] for k, r in rows.items()} == per_skill
    assert all(r["forecasted_handle_time_seconds"] is None for r in rows.values())


def test_occupancy_is_within_zero_and_one_everywhere(built: tuple[Path, dict[str, Any]]) -> None:
    db, _ = built
    rows = _rows(db, "select actual_occupancy_rate as o from analytics.fct_wfm_queue_weekly")
    values = [r["o"] for r in rows if r["o"] is not None]
    assert values and all(Decimal(0) <= v <= Decimal(1) for v in values)


def test_cost_centers_of_a_queue_add_up_to_its_cost_per_staffed_hour(
    built: tuple[Path, dict[str, Any]],
) -> None:
    db, _ = built
    queue = _rows(
        db,
        "select cost_per_staffed_hour as q from analytics.fct_wfm_queue_weekly "
        "where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]["q"]
    cells = _rows(
        db,
        "select sum(cost_per_staffed_hour) as s, count(*) as n from analytics.fct_wfm_cost_center_weekly "
        "where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]
    assert abs(cells["s"] - queue) <= Decimal("0.000001") * cells["n"]


def test_missing_wfm_permission_leaves_the_rest_intact_and_labelled(
    tmp_path_factory: pytest.TempPathFactory, built: tuple[Path, dict[str, Any]]
) -> None:
    db, _ = _warehouse(tmp_path_factory, "wfm403", wfm_forbidden=True)
    row = _rows(
        db,
        "select * from analytics.fct_wfm_queue_weekly where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]
    assert row["forecast_status"] == "unavailable" and "403" in row["unavailable_reason"]
    assert row["forecasted_offered"] is None and row["forecasted_handle_time_seconds"] is None  # not 0
    full = _rows(
        built[0],
        "select cost_per_resolved, actual_offered, actual_handle_time_seconds, actual_occupancy_rate "
        "from analytics.fct_wfm_queue_weekly where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]
    keep = ("cost_per_resolved", "actual_offered", "actual_handle_time_seconds", "actual_occupancy_rate")
    assert {k: row[k] for k in keep} == {k: full[k] for k in keep}
    assert row["occupancy_status"] == "available"


def test_the_coming_week_is_planned_with_real_occupancy(built: tuple[Path, dict[str, Any]]) -> None:
    db, truth = built
    plan = _rows(
        db,
        "select count(*) as hours, min(planning_occupancy_rate) as occ_min, "
        "max(planning_occupancy_rate) as occ_max, "
        "sum(forecasted_workload_hours) as workload, sum(required_staffed_hours) as staffed, "
        "count(forecasted_cost) as costed from analytics.fct_wfm_queue_forecast_hourly "
        "where queue_id = ? and week_start = ?",
        [SALES, WEEK_END],  # the week after the pull: pulled ahead for the WFM push
    )[0]
    week = _rows(
        db,
        "select actual_occupancy_rate as o from analytics.fct_wfm_queue_weekly "
        "where queue_id = ? and week_start = ?",
        [SALES, WEEK],
    )[0]["o"]
    assert plan["hours"] == 7 * 24 and plan["costed"] == plan["hours"]
    assert plan["occ_min"] == plan["occ_max"] == week  # last week's real occupancy, not an estimate
    assert abs(plan["staffed"] - plan["workload"] / week) < Decimal("0.01")
