"""Budget alerts reach a loopback receiver through apprise; a dead target blocks nobody."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal
from pathlib import Path

from forecast.alerts import Crossing, send_budget_alerts


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_owner_and_finance_receive_once_through_apprise(notify_inbox, tmp_path: Path) -> None:
    crossing = Crossing(
        "CC-SALES", dt.date(2026, 9, 1), "USD", (Decimal("80"), Decimal("100")), Decimal("9000"),
        Decimal("9400"), Decimal("9100"), Decimal("9700"), Decimal("5175.42"), "maria.lopez@acme.example",
        "forecast", dt.date(2026, 9, 16),
    )  # fmt: skip
    routes = [("maria.lopez@acme.example", "owner", "SALES_URL"), ("finance", "finance", "FIN_URL")]
    env = {"SALES_URL": notify_inbox.url, "FIN_URL": f"json://127.0.0.1:{_dead_port()}/x"}
    state = tmp_path / "alerts.json"
    report = send_budget_alerts([crossing], routes, state, env=env)
    assert report.sent == ["budget:CC-SALES:2026-09:100:SALES_URL"]
    assert report.failed == ["budget:CC-SALES:2026-09:100:FIN_URL"]
    received = notify_inbox.wait_for(1)
    assert len(received) == 1
    assert "reached 100 % of budget" in received[0]["title"]
    assert "month-end forecast 9,400.00 (80 % band 9,100.00 - 9,700.00)" in received[0]["message"]
    again = send_budget_alerts([crossing], routes, state, env={**env, "FIN_URL": ""})
    assert again.sent == [] and again.already_sent == ["budget:CC-SALES:2026-09:100:SALES_URL"]
    assert len(notify_inbox) == 1
