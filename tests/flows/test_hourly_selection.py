"""The telemetry flow's dbt selection: the whole project once a day, the hourly selector otherwise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.dbt_runner import HOURLY_SELECTOR, hourly_selector, record_whole_build


def test_whole_build_once_a_day_then_hourly(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    day = date(2026, 12, 3)
    # never built in full: the whole project
    assert hourly_selector(db, today=day) is None
    record_whole_build(db, today=day)
    assert hourly_selector(db, today=day) == HOURLY_SELECTOR
    # the next UTC day starts with a whole build again
    assert hourly_selector(db, today=date(2026, 12, 4)) is None
    # an unreadable marker counts as never built
    Path(f"{db}.whole-build").write_text("garbage")
    assert hourly_selector(db, today=day) is None
