"""Budget alerts reach the owner and finance once per threshold and month; a bad target blocks nobody."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from forecast.alerts import Crossing, message, send_budget_alerts

ROUTES = [
    ("maria.lopez@acme.example", "owner", "NOTIFY_SALES"),
    ("dev.patel@acme.example", "owner", "NOTIFY_SUPPORT"),
    ("finance", "finance", "NOTIFY_FINANCE"),
]
ENV = {"NOTIFY_SALES": "json://127.0.0.1:9/sales", "NOTIFY_FINANCE": "json://127.0.0.1:9/fin"}


def _crossing(thresholds: tuple[str, ...], cc: str = "CC-SALES", owner: str = "maria.lopez@acme.example"):
    return Crossing(
        cc,
        dt.date(2026, 9, 1),
        "USD",
        tuple(Decimal(t) for t in thresholds),
        Decimal("9000"),
        Decimal("9400.00"),
        Decimal("9100.00"),
        Decimal("9700.00"),
        Decimal("5175.42"),
        owner,
        "forecast",
        dt.date(2026, 9, 16),
    )


class Recorder:
    def __init__(self, fail: set[str] = frozenset()) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def __call__(self, urls: list[str], title: str, body: str, key: str, *_: object) -> bool:
        self.calls.append((urls[0], title))
        return urls[0] not in self.fail


def test_alert_fires_once_per_threshold(tmp_path: Path) -> None:
    state = tmp_path / "alerts.json"
    sender = Recorder()
    first = send_budget_alerts([_crossing(("80",))], ROUTES, state, env=ENV, sender=sender)
    assert first.sent == [
        "budget:CC-SALES:2026-09:80:NOTIFY_SALES",
        "budget:CC-SALES:2026-09:80:NOTIFY_FINANCE",
    ]
    again = send_budget_alerts([_crossing(("80",))], ROUTES, state, env=ENV, sender=sender)
    assert again.sent == [] and len(again.already_sent) == 2
    # the 100 % threshold is new: one more message per target, then quiet again
    third = send_budget_alerts([_crossing(("80", "100"))], ROUTES, state, env=ENV, sender=sender)
    assert third.sent == [
        "budget:CC-SALES:2026-09:100:NOTIFY_SALES",
        "budget:CC-SALES:2026-09:100:NOTIFY_FINANCE",
    ]
    assert send_budget_alerts([_crossing(("80", "100"))], ROUTES, state, env=ENV, sender=sender).sent == []
    assert len(sender.calls) == 4
    assert (
        sender.calls[2][1] == "ccfinops: CC-SALES 2026-09 forecast (80 % lower bound) reached 100 % of budget"
    )


def test_owner_gets_only_their_cost_center_and_failures_do_not_block(tmp_path: Path) -> None:
    state = tmp_path / "alerts.json"
    sender = Recorder(fail={"json://127.0.0.1:9/sales"})
    support = _crossing(("100",), cc="CC-SUPPORT", owner="dev.patel@acme.example")  # no URL in env
    report = send_budget_alerts([_crossing(("80",)), support], ROUTES, state, env=ENV, sender=sender)
    assert report.sent == [
        "budget:CC-SALES:2026-09:80:NOTIFY_FINANCE",
        "budget:CC-SUPPORT:2026-09:100:NOTIFY_FINANCE",
    ]
    assert report.failed == [
        "budget:CC-SALES:2026-09:80:NOTIFY_SALES",
        "budget:CC-SUPPORT:2026-09:100:NOTIFY_SUPPORT",
    ]
    # a failed target is retried next run; the finance channel is not told twice
    sender.fail = set()
    retry = send_budget_alerts([_crossing(("80",))], ROUTES, state, env=ENV, sender=sender)
    assert retry.sent == ["budget:CC-SALES:2026-09:80:NOTIFY_SALES"]


def test_message_states_budget_threshold_and_band() -> None:
    title, body = message(_crossing(("80",)), Decimal("80"))
    assert "budget 9,000.00 USD; threshold 80 % = 7,200.00" in body
    assert "month-end forecast 9,400.00 (80 % band 9,100.00 - 9,700.00)" in body
    assert title.endswith("reached 80 % of budget")
