"""The flows under one Prefect test harness: close, weekly report, failure alerts, guardrail step."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.tasks import breach_message, guardrail_task
from tests.flows.seed import build_marts


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_monthly_close_freezes_and_writes_chargebacks(
    prefect_harness: None, seeded_db: Path, tmp_path: Path
) -> None:
    from flows.monthly_close import monthly_close

    out = tmp_path / "close"
    result = monthly_close(db=str(seeded_db), month=date(2026, 11, 1), out=str(out), rebuild=False)
    assert result.rule_versions == ["pools-2026.1"] and result.conserved and not result.reused
    folder = out / "2026-11"
    assert sorted(p.name for p in folder.iterdir()) == [
        "chargeback_CC-SALES.csv",
        "chargeback_CC-SUPPORT.csv",
        "chargeback_UNATTRIBUTED.csv",
        "summary.csv",
    ]
    summary = {r["cost_center"]: r for r in _rows(folder / "summary.csv")}
    assert (summary["CC-SALES"]["direct_usage_cost"], summary["CC-SALES"]["allocated_shared_cost"]) == (
        "61.60",
        "14950.00",
    )
    assert summary["CC-SALES"]["total_chargeback"] == "15011.60"
    assert summary["CC-SUPPORT"]["total_chargeback"] == "11300.00"
    assert summary["UNATTRIBUTED"]["total_chargeback"] == "3.50"  # nothing dropped
    # Every cent of the pools and of direct usage is in exactly one chargeback.
    total = sum(Decimal(r["total_chargeback"]) for r in summary.values())
    assert total == Decimal("26250.00") + Decimal("65.10")
    sales = _rows(folder / "chargeback_CC-SALES.csv")
    assert [(r["line_type"], r["item"], r["amount"]) for r in sales] == [
        ("usage", "voice", "61.600000"),
        ("shared", "genesys_cx3_licences", "13950.000000"),
        ("shared", "shared_ivr_routing", "1000.000000"),
        ("total", "", "15011.600000"),
    ]

    # Frozen: a later change to the mart does not move a closed month unless it is re-closed.
    con = duckdb.connect(str(seeded_db))
    closes = con.execute(
        "select month, is_closed, close_id, total_pool_amount, is_conserved"
        " from analytics.fct_monthly_close order by month"
    ).fetchall()
    assert closes == [
        (date(2026, 10, 1), False, None, Decimal("3000.00"), True),
        (date(2026, 11, 1), True, result.close_id, Decimal("26250.00"), True),
    ]
    assert result.close_id.startswith("close-202611-")
    con.execute("update analytics.fct_cost_allocation_monthly set allocation_rule_version = 'pools-2027.1'")
    con.close()
    build_marts(seeded_db)  # a later build: open months follow the marts, the closed one stays frozen
    con = duckdb.connect(str(seeded_db), read_only=True)
    versions = con.execute(
        "select month, is_closed, min(rule_version), max(rule_version), sum(amount)"
        " from analytics.fct_chargeback_monthly where line_type = 'shared' group by all order by month"
    ).fetchall()
    con.close()
    assert versions == [
        (date(2026, 10, 1), False, "pools-2027.1", "pools-2027.1", Decimal("3000.000000")),
        (date(2026, 11, 1), True, "pools-2026.1", "pools-2026.1", Decimal("26250.000000")),
    ]
    again = monthly_close(db=str(seeded_db), month=date(2026, 11, 1), out=str(out), rebuild=False)
    assert again.reused and again.close_id == result.close_id and again.rule_versions == ["pools-2026.1"]
    reclosed = monthly_close(
        db=str(seeded_db), month=date(2026, 11, 1), out=str(out), rebuild=False, reclose=True
    )
    assert reclosed.close_id != result.close_id and reclosed.rule_versions == ["pools-2027.1"]


def test_closing_a_month_without_cost_says_so(prefect_harness: None, seeded_db: Path, tmp_path: Path) -> None:
    from flows.monthly_close import monthly_close

    with pytest.raises(LookupError, match="2025-06 is not closed: the warehouse has no cost in it"):
        monthly_close(db=str(seeded_db), month=date(2025, 6, 1), out=str(tmp_path / "close"), rebuild=False)


def test_weekly_report_flow_sends_summary_with_attachment(
    prefect_harness: None, seeded_db: Path, tmp_path: Path, notify_inbox
) -> None:
    from flows.weekly_report import weekly_efficiency_report

    report = weekly_efficiency_report(db=str(seeded_db), out=str(tmp_path / "reports"))
    assert report.week == "2026-W47" and report.html.exists()
    messages = notify_inbox.wait_for(1)
    assert len(messages) == 1
    msg = messages[0]
    assert msg["title"] == "ccfinops weekly cost-efficiency report 2026-W47"
    assert "cost per resolved: USD 12.69" in msg["message"]
    assert [a["filename"] for a in msg.get("attachments", [])] == ["weekly_report.html"]


def test_failed_flow_alerts_through_the_relay(prefect_harness: None, tmp_path: Path, notify_inbox) -> None:
    from flows.weekly_report import weekly_efficiency_report

    empty = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(empty))
    con.execute(
        "create schema analytics; create table analytics.fct_usage_cost (usage_date date, cost decimal)"
    )
    con.close()
    state = weekly_efficiency_report(db=str(empty), out=str(tmp_path / "r"), return_state=True)
    assert state.is_failed()
    messages = notify_inbox.wait_for(1)
    assert messages and messages[0]["title"] == "ccfinops: flow weekly_efficiency_report failed"
    assert "nothing to report" in messages[0]["message"]


@pytest.fixture(scope="module")
def rules_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped-format test registries exported by dbt as the guardrail rule book."""
    from tests.guardrails.conftest import build_rules, write_registry_files

    work = tmp_path_factory.mktemp("rules")
    return build_rules(work, write_registry_files(work / "registries"))


def _guardrail_rules(db: Path, rules_template: Path, tmp_path: Path, scale: str = "1") -> Path:
    """The warehouse's guardrail exports for three days (expected cost per cost center, floor 5.00)."""
    from tests.guardrails.conftest import baseline_row, install_rules, write_rules

    k = Decimal(scale)
    rows = []
    for day, support, sales in (
        ("2026-11-18", "900", "1200"),
        ("2026-11-20", "900", "1000"),
        ("2026-11-25", "2000", "1000"),
    ):
        d = date.fromisoformat(day)
        rows.append(
            baseline_row("CC-SUPPORT", d, str(900 * k), floor="5.00", daily_cost=str(Decimal(support) * k))
        )
        rows.append(
            baseline_row("CC-SALES", d, str(1000 * k), floor="5.00", daily_cost=str(Decimal(sales) * k))
        )
    install_rules(db, write_rules(rules_template, tmp_path / "rules.json", rows))
    return db


def test_guardrail_step_evaluates_newest_day_with_the_policies(
    seeded_db: Path, rules_template: Path, tmp_path: Path
) -> None:
    db = _guardrail_rules(seeded_db, rules_template, tmp_path)
    finding = guardrail_task.fn(str(db))
    assert finding.cost_date == date(2026, 11, 25)
    # CC-SUPPORT: expected 900.00 (the mart's same-weekday median), +15 % = 1035.00; 2000.00 is over and
    # above the 5.00 floor, with mitigations configured -> mitigate. CC-SALES (1000.00) is as expected.
    assert [(b["cost_center"], str(b["daily_cost"]), b["status"]) for b in finding.breaches] == [
        ("CC-SUPPORT", "2000", "mitigate")
    ]
    assert "CC-SUPPORT: 2,000.00 vs baseline 900.00 (band upper 1,035.00) -> mitigate" in breach_message(
        finding
    )
    earlier = guardrail_task.fn(str(db), as_of=date(2026, 11, 18))
    assert earlier.cost_date == date(2026, 11, 18)
    assert [(b["cost_center"], str(b["upper_bound"])) for b in earlier.breaches] == [
        ("CC-SALES", "1150.000000")
    ]
    quiet = guardrail_task.fn(str(db), as_of=date(2026, 11, 20))
    assert quiet.cost_date == date(2026, 11, 20) and not quiet.breached


def test_guardrail_floor_is_honoured(seeded_db: Path, rules_template: Path, tmp_path: Path) -> None:
    # Every amount 1000x smaller: the 2.00 spike on 11-25 is over its bound but below the 5.00 floor.
    db = _guardrail_rules(seeded_db, rules_template, tmp_path, scale="0.001")
    assert not guardrail_task.fn(str(db)).breached


def test_breach_alert_goes_out_once_across_runs(tmp_path: Path, notify_inbox) -> None:
    from flows.alerts import send_once

    state = tmp_path / "w.duckdb.alerts.json"
    assert send_once(
        state, "ccfinops: cost guardrail breach", "CC-SUPPORT over", "breach:2026-11-25:CC-SUPPORT"
    )
    # The next hourly run sees the same breach: a new relay instance, but the key is remembered.
    assert not send_once(
        state, "ccfinops: cost guardrail breach", "CC-SUPPORT over", "breach:2026-11-25:CC-SUPPORT"
    )
    assert send_once(
        state, "ccfinops: cost guardrail breach", "+CC-SALES", "breach:2026-11-25:CC-SALES,CC-SUPPORT"
    )
    assert [m["message"] for m in notify_inbox.wait_for(2)] == ["CC-SUPPORT over", "+CC-SALES"]
