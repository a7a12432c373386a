"""Policy engine: band edges, insufficient history, floor, exemptions, planned events, day-of-week."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from guardrails.baselines import BaselineHistory, DailyCost, load_from_duckdb
from guardrails.policy import PolicyError, PolicySet, evaluate
from guardrails.settings import DEFAULT_POLICIES
from tests.guardrails.conftest import (
    SALES_Q,
    SUPPORT_Q,
    SUPPORT_T2_Q,
    flat_history,
    seed_event,
    today,
    write_baselines,
)

DAY = date(2026, 3, 16)  # a Monday, after the CC-SALES planned launch week


def _history(rows: list[tuple]) -> BaselineHistory:
    h = BaselineHistory(source="test")
    for d, cc, cost, status in rows:
        h.by_center.setdefault(cc, {})[d] = DailyCost(d, Decimal(cost), status)
    return h


def _decide(policies, history, cc, amount, day=DAY, queue=None, registry_band=None):
    return evaluate(
        policies,
        history,
        cost_center=cc,
        day=day,
        consumption_today=Decimal(amount),
        queue_id=queue,
        registry_band=registry_band,
    )


@pytest.fixture
def policies(policies_path: Path) -> PolicySet:
    return PolicySet.load(policies_path)


def test_band_edges(policies):
    hist = _history(flat_history("CC-SALES", "100.00", 30, end=DAY))
    at_bound = _decide(policies, hist, "CC-SALES", "115.000000")
    assert (at_bound.decision, at_bound.upper_bound, at_bound.baseline) == (
        "warn",
        Decimal("115.000000"),
        Decimal("100.000000"),
    )
    above = _decide(policies, hist, "CC-SALES", "115.000001")
    assert above.decision == "mitigate" and above.mitigations == ("disable_premium_skill", "pause_wem")
    assert _decide(policies, hist, "CC-SALES", "103.499999").decision == "allow"  # < 90 % of 115
    assert _decide(policies, hist, "CC-SALES", "103.500000").decision == "warn"
    assert above.history_days == 30 and above.policy_version == "test-1"


def test_band_precedence_policy_then_registry_then_default(policies):
    hist = _history(
        flat_history("CC-FINANCE", "100", 30, end=DAY) + flat_history("CC-COLLECTIONS", "100", 30, end=DAY)
    )
    assert _decide(policies, hist, "CC-FINANCE", "1", registry_band=Decimal("20")).upper_bound == Decimal(
        "105.000000"
    )
    assert _decide(policies, hist, "CC-COLLECTIONS", "1", registry_band=Decimal("10")).upper_bound == Decimal(
        "110.000000"
    )
    assert _decide(policies, hist, "CC-COLLECTIONS", "1").upper_bound == Decimal("115.000000")


def test_insufficient_history_and_excluded_days(policies):
    six = _history(flat_history("CC-SALES", "100", 6, end=DAY))
    d = _decide(policies, six, "CC-SALES", "1000")
    assert d.decision == "allow" and d.upper_bound is None
    assert d.reasons == ["insufficient history: 6 of 7 days needed (30-day window)"]
    # breach days are excluded from training: 10 normal days at 100 + 5 breach days at 500
    rows = flat_history("CC-SALES", "100", 10, end=DAY) + [
        (DAY - timedelta(days=i), "CC-SALES", Decimal("500"), "breach") for i in range(11, 16)
    ]
    d = _decide(policies, _history(rows), "CC-SALES", "116")
    assert d.baseline == Decimal("100.000000") and d.history_days == 10 and d.decision == "mitigate"
    # the evaluated day itself never trains its own baseline
    rows = flat_history("CC-SALES", "100", 30, end=DAY) + [(DAY, "CC-SALES", Decimal("900"), "ok")]
    assert _decide(policies, _history(rows), "CC-SALES", "1").baseline == Decimal("100.000000")


def test_floor_exemption_and_no_mitigation(policies):
    hist = _history(
        flat_history("CC-SUPPORT", "0.50", 30, end=DAY) + flat_history("CC-MARKETING", "100", 30, end=DAY)
    )
    tiny = _decide(policies, hist, "CC-SUPPORT", "0.99")  # above 0.575 but below the 1.00 floor
    assert tiny.decision == "allow" and any("floor" in r for r in tiny.reasons)
    exempt = _decide(policies, hist, "CC-SUPPORT", "5.00", queue=SUPPORT_T2_Q)
    assert exempt.decision == "warn" and any("exempt" in r for r in exempt.reasons)
    assert _decide(policies, hist, "CC-SUPPORT", "5.00", queue=SUPPORT_Q).decision == "mitigate"
    nothing = _decide(policies, hist, "CC-MARKETING", "200")
    assert nothing.decision == "warn" and "no mitigation configured for this cost center" in nothing.reasons


def test_planned_event_raises_the_bound(policies):
    launch = date(2026, 3, 4)
    hist = _history(flat_history("CC-SALES", "100", 30, end=launch))
    d = _decide(policies, hist, "CC-SALES", "140", day=launch)  # bound 100 x 1.40 x 1.15 = 161
    assert d.upper_bound == Decimal("161.000000") and d.decision == "allow"
    assert "planned event 'launch': expected uplift 40%" in d.reasons
    after = _decide(
        policies,
        _history(flat_history("CC-SALES", "100", 30, end=date(2026, 3, 9))),
        "CC-SALES",
        "150",
        day=date(2026, 3, 9),
    )  # end is exclusive
    assert after.decision == "mitigate"


def test_day_of_week_baseline(tmp_path):
    p = tmp_path / "dow.yaml"
    p.write_text("policy_version: dow\ndefaults: {day_of_week: true, dow_weeks: 4, min_history_dow: 3}\n")
    pols = PolicySet.load(p)
    # Mondays cost 200, other days 50
    rows = [
        (
            DAY - timedelta(days=i),
            "CC-X",
            Decimal("200" if (DAY - timedelta(days=i)).weekday() == 0 else "50"),
            None,
        )
        for i in range(1, 29)
    ]
    d = _decide(pols, _history(rows), "CC-X", "220")
    assert d.baseline == Decimal("200.000000") and d.upper_bound == Decimal("230.000000")
    assert d.history_days == 4 and d.decision == "warn"


def test_repo_policies_load_and_invalid_policies_are_named(tmp_path):
    pols = PolicySet.load(DEFAULT_POLICIES)
    assert pols.version and pols.for_center("CC-SUPPORT").day_of_week is True
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy_version: x\ncost_centers: {CC-A: {mitigations: [nope]}}\n")
    with pytest.raises(PolicyError, match=r"cost_centers.CC-A.mitigations: unknown mitigation 'nope'"):
        PolicySet.load(bad)
    bad.write_text("policy_version: x\ndefaults: {floor_amount: 1.5}\n")
    with pytest.raises(PolicyError, match="defaults.floor_amount"):
        PolicySet.load(bad)


def test_receiver_band_edge_over_http(receiver):
    # CC-FINANCE: baseline 1.00/day, band 5 % -> upper 1.05; 4200 s at 0.0150/min = 1.050000 exactly
    r1 = receiver.post(seed_event("edge-1", duration_ms=4_200_000, cost_center="CC-FINANCE"))
    assert r1.json()["consumption_today"] == "1.050000" and r1.json()["decision"] == "warn"
    assert r1.json()["upper_bound"] == "1.050000"
    r2 = receiver.post(seed_event("edge-2", duration_ms=6_000, cost_center="CC-FINANCE"))
    body = r2.json()
    assert body["decision"] == "mitigate" and body["consumption_today"] == "1.051500"
    assert body["cost_center"] == "CC-FINANCE" and len(body["actions"]) == 1


def test_baselines_refresh_without_restart_and_db_not_held(receiver, settings):
    r = receiver.post(seed_event("rf-1", duration_ms=600_000))  # 0.15
    assert r.json()["upper_bound"] == "1.150000"
    # the receiver holds no lock: a writer can open the build file while it runs
    con = duckdb.connect(str(settings.db_path))
    con.execute(
        "update analytics.fct_guardrail_baselines set daily_cost = 2.00 where cost_center = 'CC-SALES'"
    )
    con.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out = receiver.post(seed_event(f"rf-{time.monotonic_ns()}", duration_ms=6_000)).json()
        if out["upper_bound"] == "2.300000":
            break
        time.sleep(0.2)
    assert out["upper_bound"] == "2.300000" and out["baseline"] == "2.000000"


def test_load_from_duckdb_reads_the_mart(baseline_db):
    hist = load_from_duckdb(baseline_db)
    assert len(hist.days("CC-SALES")) == 30 and len(hist.days("CC-MARKETING")) == 3
    assert hist.days("CC-SALES")[today() - timedelta(days=1)].daily_cost == Decimal("1.000000")
    write_baselines(baseline_db, [])
    assert load_from_duckdb(baseline_db).by_center == {}


def test_insufficient_history_and_unattributed_over_http(receiver):
    mkt = receiver.post(seed_event("ih-1", cost_center="CC-MARKETING")).json()
    assert mkt["decision"] == "allow" and mkt["upper_bound"] is None and mkt["history_days"] == 3
    un = receiver.post(seed_event("ih-2", queue="afb9c573-890e-5ad6-bf01-61927ba30bf9")).json()
    assert un["cost_center"] == "UNATTRIBUTED" and un["decision"] == "allow"
    overflow = receiver.post(seed_event("ih-3", queue="cfbdcd4d-4311-5cf1-8345-ffd56e99c532")).json()
    assert overflow["cost_center"] == "CC-SALES"
    assert SALES_Q  # the overflow queue inherits from Sales


def test_exported_baseline_json_serves_the_receiver(make_receiver, settings, tmp_path):
    from dataclasses import replace

    from typer.testing import CliRunner

    from flows.cli import app as cli

    out = tmp_path / "baselines.json"
    res = CliRunner().invoke(
        cli, ["guardrails", "export-baselines", "--db", str(settings.db_path), "--out", str(out)]
    )
    assert res.exit_code == 0 and "exported 123 baseline rows" in res.output
    rec = make_receiver(replace(settings, db_path=None, baseline_json=out))
    body = rec.post(seed_event("js-1", duration_ms=60_000)).json()
    assert body["upper_bound"] == "1.150000" and body["history_days"] == 30
    assert rec.client.get("/healthz").json()["baseline_source"] == "json:baselines.json"


def test_evaluate_cli_prints_the_decision(settings):
    import json

    from typer.testing import CliRunner

    from flows.cli import app as cli

    res = CliRunner().invoke(
        cli,
        [
            "guardrails",
            "evaluate",
            "--cost-center",
            "CC-SALES",
            "--consumption",
            "1.20",
            "--db",
            str(settings.db_path),
            "--policies",
            str(settings.policies_path),
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (
        out["decision"] == "mitigate" and out["upper_bound"] == "1.150000" and out["baseline"] == "1.000000"
    )
