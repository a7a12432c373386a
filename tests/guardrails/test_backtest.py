"""Backtest on a small built warehouse: injections, both policies in one run, reproducible, CLI lines."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from flows.guardrail_backtest import plan_injections, run_backtest


@pytest.fixture(scope="module")
def warehouse(backtest_warehouse: Path) -> Path:
    return backtest_warehouse


def test_injections_are_seeded_and_in_range():
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(60)]
    plan = plan_injections(["A", "B", "C"], days, seed=3)
    assert plan == plan_injections(["A", "B", "C"], days, seed=3)
    overruns = [i for i in plan.values() if i.kind == "overrun"]
    planned = [i for i in plan.values() if i.kind == "planned"]
    assert overruns and planned
    assert all(Decimal("0.20") <= i.size <= Decimal("0.80") and 6 <= i.onset_hour <= 18 for i in overruns)
    assert all(Decimal("0.20") <= i.size <= Decimal("0.50") for i in planned)


def test_backtest_reports_both_policies_reproducibly(warehouse: Path):
    result = run_backtest(warehouse, months=1, seed=11)
    ours, seed_rule = result.ours, result.seed_rule
    assert ours.overruns and len(ours.overruns) == len(seed_rule.overruns)  # the same injections
    assert all(d is None or d >= 1 for _, d in ours.overruns)  # detected at or after the onset
    assert 0 <= ours.detection_rate <= 1 and ours.false_alerts_per_center_month >= 0
    lines = result.table().splitlines()
    assert re.fullmatch(r"detection rate \d+ % \(\d+/\d+ overruns of >= \+25 %\)", lines[1])
    assert lines[2].startswith("false alerts per cost center per month ")
    assert lines[3].startswith("median delay from overrun onset to detection ")
    assert lines[4].startswith("detection by overrun size: +20-25% ")
    assert lines[5].startswith("detection of material overruns (>= +25 % and excess >= the floor) ")
    assert lines[6] == "labels used 0 (0 true: 0 detected; 0 false: 0 alerted again)"
    assert [line.split(" ")[0:3] for line in lines[7:]] == [
        ["seed", "rule:", w] for w in ("detection", "false", "median", "detection", "detection", "labels")
    ]
    again = run_backtest(warehouse, months=1, seed=11)
    assert again.table() == result.table()
    # the warehouse itself is untouched (the injections went into a copy)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        n = con.execute("select count(*) from analytics.fct_guardrail_baselines").fetchone()[0]
    finally:
        con.close()
    assert n > 0


def test_backtest_cli(warehouse: Path):
    res = CliRunner().invoke(cli, ["guardrails", "backtest", "--months", "1", "--db", str(warehouse)])
    assert res.exit_code == 0, res.output
    assert "\ndetection rate " in res.output and "\nseed rule: detection rate " in res.output
    missing = CliRunner().invoke(cli, ["guardrails", "backtest", "--db", str(warehouse) + ".nope"])
    assert missing.exit_code == 1 and "does not exist" in missing.output
