"""WFM sources (issue 16): forecasts, routing status and queue members against the simulator's truth."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingestion.pipeline import ingest
from tests.ingestion.conftest import fast_options, query, scalar

WEEK = date(2026, 3, 2)
WEEK_END = date(2026, 3, 9)
SALES = "d41a4916-e89a-57c0-aa86-60d147f9421a"


def _truth(sim: Any) -> dict[str, Any]:
    return httpx.get(f"{sim.base_url}/_sim/wfm-ground-truth?start={WEEK}&end={WEEK_END}").json()


def test_forecast_and_occupancy_match_the_simulator(sim: Any, db: Path) -> None:
    sim.set_clock(datetime(2026, 3, 9, 12, tzinfo=UTC))
    ingest(db, "genesys", WEEK, WEEK_END, options=fast_options())
    truth = _truth(sim)
    fc = truth["forecast_weeks"][WEEK.isoformat()][SALES]
    offered, aht = query(
        db,
        "select sum(f.offered), sum(f.offered * f.average_handle_time_seconds) / sum(f.offered) "
        "from raw.genesys_wfm_forecast_intervals f join raw.genesys_wfm_planning_groups p "
        "using (planning_group_id) where p.queue_id = ? and f.week_date = ?",
        [SALES, WEEK],
    )[0]
    assert round(offered, 2) == round(fc["forecast_offered"], 2)
    assert round(aht) == round(fc["forecast_aht_s"])  # to the second
    inter, idle = query(
        db,
        "select sum(case when routing_status = 'INTERACTING' then duration_ms else 0 end), "
        "sum(case when routing_status = 'IDLE' then duration_ms else 0 end) "
        "from raw.genesys_user_status_intervals s join raw.genesys_queue_members m using (user_id) "
        "where m.queue_id = ?",
        [SALES],
    )[0]
    q = truth["queues"][SALES]
    assert (inter, idle) == (q["interacting_ms"], q["idle_ms"])
    assert round(100 * inter / (inter + idle)) == round(100 * q["occupancy"])  # to the percent
    assert 0 < inter / (inter + idle) < 1
    status = dict(query(db, "select resource, status from raw.wfm_source_status"))
    assert status == {"forecast": "available", "agent_status": "available", "queue_members": "available"}


def test_missing_wfm_permission_is_not_fatal(sim: Any, db: Path, caplog: pytest.LogCaptureFixture) -> None:
    sim.set_faults(wfm_forbidden=True, agent_status_forbidden=True)
    with caplog.at_level(logging.WARNING, logger="ingestion.genesys_cloud.wfm"):
        ingest(db, "genesys", WEEK, date(2026, 3, 5), options=fast_options())
    assert scalar(db, "select count(*) from raw.genesys_conversations") > 200  # the rest is intact
    status = dict(query(db, "select resource, status from raw.wfm_source_status"))
    assert status["forecast"] == "unavailable" and status["agent_status"] == "unavailable"
    warnings = [r.getMessage() for r in caplog.records]
    assert any("wfm:shortTermForecast:view" in w for w in warnings)
    assert any("analytics:userAggregate:view" in w for w in warnings)


def test_missing_cxone_state_permission_is_not_fatal(
    sim: Any, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sim.set_faults(agent_status_forbidden=True)
    with caplog.at_level(logging.WARNING, logger="ingestion.nice_cxone.wfm"):
        ingest(db, "cxone", WEEK, date(2026, 3, 5), options=fast_options())
    assert scalar(db, "select count(*) from raw.cxone_contacts") > 50
    assert query(db, "select platform, resource, status from raw.wfm_source_status") == [
        ("cxone", "agent_status", "unavailable")
    ]
    assert any("Agent State History" in r.getMessage() for r in caplog.records)


def test_cxone_agent_states_load(sim: Any, db: Path) -> None:
    ingest(db, "cxone", WEEK, date(2026, 3, 5), options=fast_options())
    n, states = query(
        db,
        "select count(*), list(distinct agent_state_name order by agent_state_name) "
        "from raw.cxone_agent_state_history",
    )[0]
    assert n > 50 and states == ["Available", "InboundContact", "OutboundContact"]


def test_status_queries_cover_whole_half_hours() -> None:
    from unittest.mock import MagicMock

    from ingestion.genesys_cloud.wfm import status_rows

    api = MagicMock()
    api.post_json.return_value = {}
    start, end = datetime(2026, 3, 2, 7, 47, 13, tzinfo=UTC), datetime(2026, 3, 10, 0, 10, tzinfo=UTC)
    assert list(status_rows(api, start, end)) == []
    assert [c.args[1]["interval"] for c in api.post_json.call_args_list] == [
        "2026-03-02T07:30:00.000Z/2026-03-09T07:30:00.000Z",  # at most 7 days per query
        "2026-03-09T07:30:00.000Z/2026-03-10T00:30:00.000Z",
    ]
