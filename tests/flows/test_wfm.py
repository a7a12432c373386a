"""WFM constraints match the marts, and the simulator's scheduling endpoint receives them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.wfm import TimezoneMismatch, build_payload, compute_constraints, load_constraints
from tests.flows.seed import FALLBACK_Q, SALES_Q, WFM_WEEK

MU = "bb6f1c9d-7206-5fed-8674-f09abf5e698c"  # the management unit the scheduling payload names


@pytest.fixture(autouse=True)
def _management_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCFINOPS_WFM_MANAGEMENT_UNIT", MU)


# Sales: 2.00 at 09:15 and 0.80 at 23:15 UTC on each of the 28 history days; the fallback queue 0.50 at
# 12:00 on 7 days. Early (06-14) mean = 56.00 / 224 h = 0.25 -> x1.15 = 0.2875 -> 0.29; night (22-06)
# = 22.40 / 224 = 0.10 -> 0.115 -> 0.12 (half up); fallback early = 3.50 / 224 = 0.015625 -> 0.02.
EXPECTED = {
    (SALES_Q, "early"): (Decimal("0.29"), Decimal("82.0")),  # quality (80 x 10 + 86 x 5) / 15
    (SALES_Q, "night"): (Decimal("0.12"), Decimal("82.0")),
    (FALLBACK_Q, "early"): (Decimal("0.02"), Decimal("70.0")),  # no WEM data: the floor
}


def test_constraints_from_marts(seeded_db: Path) -> None:
    con = duckdb.connect(str(seeded_db))
    try:
        constraints = compute_constraints(con, WFM_WEEK, tz="UTC")
    finally:
        con.close()
    got = {(c.queue_id, c.shift): (c.max_cost_per_hour, c.min_quality_threshold) for c in constraints}
    assert got == EXPECTED  # the late shift has no cost history: no constraint
    payload = build_payload(constraints, WFM_WEEK, tz="UTC")
    assert payload["managementUnitId"] == MU
    assert len(payload["shifts"]) == 7 * len(EXPECTED)
    night = [
        s for s in payload["shifts"] if s["queueId"] == SALES_Q and s["shiftStart"].endswith("22:00:00.000Z")
    ]
    assert night[0] == {
        "queueId": SALES_Q,
        "shiftStart": "2026-11-23T22:00:00.000Z",
        "shiftEnd": "2026-11-24T06:00:00.000Z",
        "constraints": {"maxCostPerHour": 0.12, "minQualityThreshold": 82.0, "currency": "USD"},
    }


def test_shifts_follow_the_business_timezone(seeded_db: Path) -> None:
    con = duckdb.connect(str(seeded_db))
    try:
        with pytest.raises(TimezoneMismatch):  # the mart is built for UTC
            compute_constraints(con, WFM_WEEK, tz="America/New_York")
    finally:
        con.close()
    # In New York (UTC-5 in November) 09:15 UTC is 04:15 local (night) and 23:15 UTC is 18:15 (late):
    # the mart is rebuilt for that time zone.
    constraints = load_constraints(seeded_db, WFM_WEEK, "America/New_York")
    got = {(c.queue_id, c.shift): c.max_cost_per_hour for c in constraints if c.queue_id == SALES_Q}
    # late: 28 x 0.80 = 22.40 / 224 -> 0.115 -> 0.12; night: 28 x 2.00 = 56.00 / 224 -> 0.29
    assert got == {(SALES_Q, "late"): Decimal("0.12"), (SALES_Q, "night"): Decimal("0.29")}
    payload = build_payload(constraints, WFM_WEEK, tz="America/New_York")
    first = next(s for s in payload["shifts"] if s["queueId"] == SALES_Q)
    assert (first["shiftStart"], first["shiftEnd"]) == (
        "2026-11-23T19:00:00.000Z",
        "2026-11-24T03:00:00.000Z",
    )


def test_cli_dry_run_prints_payload(seeded_db: Path) -> None:
    from flows.cli import app

    result = CliRunner().invoke(
        app, ["wfm", "push", "--db", str(seeded_db), "--week-start", WFM_WEEK.isoformat(), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert '"maxCostPerHour": 0.29' in result.output and MU in result.output
    bad = CliRunner().invoke(app, ["wfm", "push", "--db", str(seeded_db), "--week-start", "2026-11-24"])
    assert bad.exit_code == 2 and "not a Monday" in bad.output


def test_flow_posts_to_the_simulator(
    prefect_harness: None, seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.wfm_constraints import wfm_constraints
    from simulator.server import run_simulator

    with run_simulator(seed=7, port=0) as sim:
        for key, value in sim.genesys_env().items():
            monkeypatch.setenv(key, value)
        result = wfm_constraints(db=str(seeded_db), week_start=WFM_WEEK, timezone="UTC")
        received = sim.state()["shifts"]
    assert len(received) == 1
    posted = received[0]
    assert posted["managementUnitId"] == MU and posted["shifts"] == result["payload"]["shifts"]
    got = {
        (s["queueId"], s["shiftStart"][11:16]): (
            s["constraints"]["maxCostPerHour"],
            s["constraints"]["minQualityThreshold"],
        )
        for s in posted["shifts"]
    }
    assert got[(SALES_Q, "06:00")] == (0.29, 82.0)
    assert got[(SALES_Q, "22:00")] == (0.12, 82.0)
    assert got[(FALLBACK_Q, "06:00")] == (0.02, 70.0)
