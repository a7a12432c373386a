"""Backtest over a seeded synthetic history: injected overruns detected, planned spikes not flagged."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from guardrails.baselines import BaselineHistory, DailyCost
from typer.testing import CliRunner

from flows.cli import app as cli
from guardrails.backtest import run_backtest
from guardrails.policy import PolicySet
from tests.guardrails.conftest import write_baselines

END = date(2026, 10, 31)


def _history(days: int = 150) -> list[tuple]:
    rng = random.Random(3)
    rows = []
    for center, level in (("CC-SALES", 900), ("CC-SUPPORT", 1400), ("CC-SMALL", 40)):
        for i in range(days):
            d = END - timedelta(days=i)
            weekly = 0.75 if d.weekday() >= 5 else 1.0
            rows.append(
                (d, center, Decimal(str(round(level * weekly * rng.uniform(0.96, 1.04), 2))), "within")
            )
    return rows


def test_backtest_detects_overruns_and_respects_planned_spikes(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(
        "policy_version: bt\n"
        'defaults: {day_of_week: true, dow_weeks: 6, min_history_dow: 4, floor_amount: "1"}\n'
    )
    hist = BaselineHistory(source="t")
    for d, cc, cost, status in _history():
        hist.by_center.setdefault(cc, {})[d] = DailyCost(d, cost, status)
    result = run_backtest(hist, PolicySet.load(p), months=3, seed=11)
    # a 15 % band cannot see every +15-20 % overrun through +-4 % noise; bigger ones are always caught
    assert result.injected >= 10 and result.detection_rate >= 0.8
    assert result.missed and max(result.missed) < Decimal("0.25")
    assert result.false_alerts_per_center_month <= 1.0
    assert sum(c.planned_alerts for c in result.centers.values()) == 0
    assert all(c.days == 90 for c in result.centers.values())
    assert 1 <= result.median_hours_to_detect <= 24
    again = run_backtest(hist, PolicySet.load(p), months=3, seed=11)
    assert again.table() == result.table()  # seeded: reproducible


def test_backtest_cli_reads_the_mart(tmp_path):
    db = tmp_path / "wh.duckdb"
    write_baselines(db, _history(120))
    res = CliRunner().invoke(cli, ["guardrails", "backtest", "--months", "2", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "detection rate" in res.output and "CC-SMALL" in res.output
