"""Each owner hears about their own cost centers, finance about all; a failing target blocks nobody.

Messages really go out through apprise (``json://``) to the loopback receiver (``notify_inbox``),
one path per target; routes and owners come from the registry loaded into a warehouse.
"""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal
from pathlib import Path

import pytest

from flows.report.build import WeeklyReport
from flows.report.figures import Figures
from flows.tasks import GuardrailFinding, breach_message, breach_slices, routed_notify_task
from guardrails.routing import Route, Routing, Sliced, deliver
from ingestion.registries import load_registries


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"json://127.0.0.1:{s.getsockname()[1]}/dead"


def _finding() -> GuardrailFinding:
    def breach(cc: str, cost: str) -> dict:
        return {"cost_center": cc, "daily_cost": Decimal(cost), "baseline_30d": Decimal("100"),
                "upper_bound": Decimal("115"), "status": "alert"}  # fmt: skip

    return GuardrailFinding(
        dt.date(2026, 9, 14),
        [breach("CC-SALES", "300"), breach("CC-SUPPORT", "200"), breach("CC-FINANCE", "150")],
    )


def test_owners_get_their_slice_finance_the_whole_through_the_registry(
    notify_inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "wh.duckdb"
    load_registries(db)  # the shipped registry: maria owns CC-SALES, dev CC-SUPPORT, anna CC-FINANCE
    monkeypatch.setenv("CCFINOPS_NOTIFY_SALES", notify_inbox.url_for("maria"))
    monkeypatch.setenv("CCFINOPS_NOTIFY_SUPPORT", notify_inbox.url_for("dev"))
    monkeypatch.setenv("CCFINOPS_NOTIFY_FINANCE_OPS", _dead_url())  # anna's target is down
    monkeypatch.setenv("CCFINOPS_NOTIFY_FINANCE", notify_inbox.url_for("finance"))
    finding = _finding()
    once = tmp_path / "alerts.json"
    message = Sliced("ccfinops: breach", breach_slices(finding), "breach:2026-09-14", breach_message(finding))
    report = routed_notify_task.fn(str(db), message, once_file=str(once))
    got = notify_inbox.wait_for(3) and notify_inbox.by_path()
    assert sorted(report.sent) == [
        "breach:2026-09-14:CCFINOPS_NOTIFY_FINANCE",
        "breach:2026-09-14:CCFINOPS_NOTIFY_SALES",
        "breach:2026-09-14:CCFINOPS_NOTIFY_SUPPORT",
    ]
    assert report.failed == ["breach:2026-09-14:CCFINOPS_NOTIFY_FINANCE_OPS"]
    assert sorted(got) == ["dev", "finance", "maria"]
    (maria,), (dev,), (fin,) = got["maria"], got["dev"], got["finance"]
    assert "CC-SALES" in maria["message"] and "CC-SUPPORT" not in maria["message"]
    assert "CC-FINANCE" not in maria["message"] and "(CC-SALES)" in maria["title"]
    assert "CC-SUPPORT" in dev["message"] and "CC-SALES" not in dev["message"]
    assert all(cc in fin["message"] for cc in ("CC-SALES", "CC-SUPPORT", "CC-FINANCE"))
    assert fin["message"].startswith("Cost guardrail breach on 2026-09-14:")
    # once per route: a rerun sends nothing new but retries the route that failed
    again = routed_notify_task.fn(str(db), message, once_file=str(once))
    assert len(again.already_sent) == 3 and again.failed == ["breach:2026-09-14:CCFINOPS_NOTIFY_FINANCE_OPS"]
    assert len(notify_inbox.wait_for(4, timeout=1.0)) == 3


def test_weekly_report_slices_reach_each_owner_and_a_bad_url_blocks_nobody(
    notify_inbox, tmp_path: Path
) -> None:
    fig = Figures(dt.date(2026, 9, 7))
    fig.cpr_by_cost_center = [
        {"cost_center": "CC-SALES", "total_cost": 1200.5, "resolved_count": 300, "cost_per_resolved": 4},
        {"cost_center": "CC-SUPPORT", "total_cost": 900, "resolved_count": 450, "cost_per_resolved": 2},
    ]  # fmt: skip
    fig.forecast_monthly = [
        {"cost_center": "ALL", "forecast_cost": Decimal("9"), "month": dt.date(2026, 9, 1)},
        {"cost_center": "CC-SALES", "month": dt.date(2026, 9, 1), "forecast_cost": Decimal("9400"),
         "lower_80": Decimal("9100"), "upper_80": Decimal("9700"), "budget": Decimal("9000"),
         "month_to_date_cost": Decimal("5175.42")},
    ]  # fmt: skip
    html = tmp_path / "weekly_report.html"
    html.write_text("<html>all cost centers</html>")
    report = WeeklyReport("2026-W37", tmp_path, html, figures=fig)
    slices = report.cost_center_slices()
    assert sorted(slices) == ["CC-SALES", "CC-SUPPORT"]
    assert (
        "month-end forecast USD 9,400.00 (80 % band 9,100.00 - 9,700.00), budget 9,000.00"
        in slices["CC-SALES"]
    )
    routing = Routing(
        (
            Route("maria", "owner", "SALES"),
            Route("maria", "owner", "SALES_BAD"),
            Route("dev", "owner", "SUPPORT"),
            Route("finance", "finance", "FIN"),
        ),
        {"CC-SALES": "maria", "CC-SUPPORT": "dev"},
    )
    url = notify_inbox.url_for
    env = {
        "SALES": url("maria"),
        "SALES_BAD": "nosuchscheme://x",
        "SUPPORT": url("dev"),
        "FIN": url("finance"),
    }
    message = Sliced("weekly", slices, "weekly-report:2026-W37", report.summary_text(), [str(html)])
    done = deliver(routing, message, env=env)
    assert done.failed == ["weekly-report:2026-W37:SALES_BAD"] and len(done.sent) == 3
    got = notify_inbox.wait_for(3) and notify_inbox.by_path()
    assert "CC-SUPPORT" not in got["maria"][0]["message"] and "9,400.00" in got["maria"][0]["message"]
    assert "CC-SALES" not in got["dev"][0]["message"] and "cost per resolved" in got["dev"][0]["message"]
    fin = got["finance"][0]
    assert fin["message"].startswith("ccfinops weekly cost-efficiency report 2026-W37")
    assert "CC-SALES" in fin["message"] and "CC-SUPPORT" in fin["message"]
    assert [a.get("filename") for a in fin.get("attachments", [])] == ["weekly_report.html"]
    assert not got["maria"][0].get("attachments")  # owners do not get the whole report
