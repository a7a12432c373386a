"""The demo hook: a warehouse day replayed through a live receiver, with a campaign spike that breaches.

The warehouse is hand-made (the two marts the hook reads), the receiver is the real app on loopback
with the shipped registries and policies, and mitigations point at a running simulator.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from guardrails.spool import iter_complete_lines
from simulator.demo_replay import default_baseline_json, replay_day, run_replay
from simulator.server import run_simulator
from tests.guardrails.conftest import (
    SHIPPED_REGISTRIES,
    baseline_row,
    build_rules,
    install_rules,
    spool_ids,
    write_rules,
)
from tests.handmade_marts import FALLBACK_Q, FCT_USAGE_COST_DDL, SALES_Q, SUPPORT_Q

COLLECTIONS_Q = "7fa856eb-9d8f-5326-844d-84b4737fd687"

DDL = "create schema if not exists analytics;\n" + FCT_USAGE_COST_DDL
SPIKE_CAMPAIGN = "06b42ef4-36b0-52bd-9230-af81df0b9763"  # collections-q4 (ingestion/registries/files)

# One replay day: 10-minute inbound local calls on genesys_cloud_voice (0.0040/min = 0.04 a call).
DAY_USAGE = {
    # cost center: (queue, calls, usage_type)
    "CC-SALES": (SALES_Q, 40, "voice"),  # 1.60 -> baseline 1.60: allowed
    "CC-SUPPORT": (SUPPORT_Q, 50, "voice"),  # 2.00 -> baseline 2.00: allowed
    "CC-COLLECTIONS": (COLLECTIONS_Q, 10, "voice"),  # 0.40 before the spike; baseline 0.40
    "UNATTRIBUTED": (FALLBACK_Q, 5, "voice"),  # never evaluated
}
BASELINE = {"CC-SALES": "1.60", "CC-SUPPORT": "2.00", "CC-COLLECTIONS": "0.40"}
BANDS = {"CC-SALES": "15", "CC-SUPPORT": "15", "CC-COLLECTIONS": "10"}  # cost_centers.csv
# Provisional interval rows are not per-call usage and are not replayed.
PROVISIONAL = 3


@pytest.fixture(scope="module")
def shipped_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped registries exported by dbt as the guardrail rule book."""
    return build_rules(tmp_path_factory.mktemp("shipped"), SHIPPED_REGISTRIES)


def _write_warehouse(db: Path, day: date, rules: Path) -> int:
    con = duckdb.connect(str(db))
    try:
        con.execute(DDL)
        rows = []
        for cc, (queue, calls, usage_type) in DAY_USAGE.items():
            for i in range(calls):
                start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(minutes=7 * i)
                rows.append(
                    (
                        f"u-{cc}-{i}",
                        "genesys",
                        usage_type,
                        start,
                        day,
                        queue,
                        "genesys_cloud_voice",
                        "inbound",
                        "local",
                        600_000,
                        Decimal("0.040000"),
                        cc,
                        False,
                    )
                )
        for i in range(PROVISIONAL):
            start = datetime(day.year, day.month, day.day, 20, tzinfo=UTC)
            rows.append(
                (f"p-{i}", "genesys", "voice", start, day, SALES_Q, None, None, None, 900_000,
                 Decimal("0.06"), "CC-SALES", True)
            )  # fmt: skip
        con.executemany(
            "insert into analytics.fct_usage_cost (usage_id, platform, usage_type, usage_start, usage_date,"
            " queue_id, carrier, direction, number_type, duration_ms, cost, cost_center, is_provisional)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    finally:
        con.close()
    history = [
        baseline_row(cc, day - timedelta(days=d), amount, band=BANDS[cc], floor="5.00", daily_cost=amount)
        for cc, amount in BASELINE.items()
        for d in range(0, 36)
    ]
    install_rules(db, write_rules(rules, db.with_suffix(".rules.json"), history))
    return len(history)


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with run_simulator(seed=7) as handle:
        yield handle


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped_rules: Path) -> tuple[Path, date, int]:
    for var in (
        "CCFINOPS_GUARDRAIL_RULES",
        "CCFINOPS_GUARDRAIL_POLICIES",
        "CCFINOPS_NOTIFY_URLS",
    ):
        monkeypatch.delenv(var, raising=False)
    day = datetime.now(UTC).date() - timedelta(days=1)  # the latest complete day (simulator clock)
    db = tmp_path / "warehouse.duckdb"
    return db, day, _write_warehouse(db, day, shipped_rules)


def _spool_records(spool: Path) -> list[dict[str, Any]]:
    out = []
    for p in sorted(spool.glob("events-*.jsonl")):
        out += [orjson.loads(line) for _, line in iter_complete_lines(p)]
    return out


def test_replay_breaches_the_spiked_cost_center_and_leaves_an_action_pending(
    sim: Any, warehouse: tuple[Path, date, int], tmp_path: Path
) -> None:
    db, day, baseline_rows = warehouse
    spool = tmp_path / "spool"
    result = run_replay(db, sim=sim, spool_dir=spool)
    text = "\n".join(result.lines)

    # every usage record of the day, none of the provisional ones, plus the spike
    n_usage = sum(calls for _q, calls, _t in DAY_USAGE.values())
    assert result.day == day
    assert result.status == {200: len(result.sent_ids)}, text
    spike = [i for i in result.sent_ids if "-spike-" in i]
    assert len(result.sent_ids) == n_usage + len(spike) and len(spike) >= 20
    assert f"{n_usage} usage records" in text and f"accepted {len(result.sent_ids)}" in text

    # the spike: collections-q4 outbound calls, attributed by the campaign mapping to CC-COLLECTIONS
    # (band 10 % on an expected 0.40 -> full-day upper 0.44; the floor 5.00 is passed too)
    assert result.spike_cost_center == "CC-COLLECTIONS"
    assert result.spike_upper_bound == Decimal("0.440000")
    assert set(result.breached) == {"CC-COLLECTIONS"}, text
    breach = result.breached["CC-COLLECTIONS"]
    assert breach["decision"] == "mitigate" and Decimal(breach["consumption_today"]) > Decimal("5.00")
    assert result.decisions["mitigate"] >= 1 and result.decisions["allow"] >= n_usage - 10
    assert "breach CC-COLLECTIONS" in text and "-> mitigate" in text

    # the spool holds exactly the events sent, each once, with the receiver's decisions
    assert sorted(spool_ids(spool)) == sorted(result.sent_ids)
    records = _spool_records(spool)
    by_cc: dict[str, set[str]] = {}
    for rec in records:
        by_cc.setdefault(rec["cost_center"], set()).add(rec["decision"])
    assert by_cc["CC-SALES"] == {"allow"} and by_cc["CC-SUPPORT"] == {"allow"}
    assert "mitigate" in by_cc["CC-COLLECTIONS"] and by_cc["UNATTRIBUTED"] == {"allow"}
    spiked = [r for r in records if "-spike-" in r["event_id"]]
    assert {r["campaign"] for r in spiked} == {SPIKE_CAMPAIGN}
    assert {r["cost_center"] for r in spiked} == {"CC-COLLECTIONS"}
    # the usage records were costed like the mart costed them (same rate card): 0.04 each
    usage = [r for r in records if "-spike-" not in r["event_id"]]
    assert {r["estimated_cost"] for r in usage} == {"0.040000"}

    # approve mode: one pending action, audited, the simulator not changed
    (action,) = result.actions
    assert (action.cost_center, action.mitigation, action.state, action.mode) == (
        "CC-COLLECTIONS",
        "collections_routing_standard",
        "pending",
        "approve",
    )
    with sqlite3.connect(spool / "audit" / "actions.sqlite") as con:
        trail = con.execute(
            "select event, state_to from audit_log where action_id = ?", (action.action_id,)
        ).fetchall()
    assert trail == [("planned", "pending")]
    assert sim.state()["queues"][COLLECTIONS_Q]["skillEvaluationMethod"] == "ALL"
    assert f"action {action.action_id} [pending, mode approve]" in text
    assert "skillEvaluationMethod='ALL'" in text

    # the rule book was exported beside the warehouse, and the warehouse file is free again
    exported = default_baseline_json(db)
    assert len(json.loads(exported.read_text())["tables"]["baselines"]["rows"]) == baseline_rows
    con = duckdb.connect(str(db))  # a writer can open it: nothing holds it
    con.close()


def test_replaying_again_is_idempotent(sim: Any, warehouse: tuple[Path, date, int], tmp_path: Path) -> None:
    db, _day, _ = warehouse
    spool = tmp_path / "spool"
    first = run_replay(db, sim=sim, spool_dir=spool)
    lines = replay_day(db, sim=sim, spool_dir=spool)
    text = "\n".join(lines)
    n = len(first.sent_ids)
    # the same deterministic event ids: every one is a duplicate, answered from the spool, stored once
    assert f"accepted {n} ({n} duplicates of an earlier replay), rejected 0" in text
    assert sorted(spool_ids(spool)) == sorted(first.sent_ids)
    assert "-> mitigate" in text and "[pending, mode approve]" in text
