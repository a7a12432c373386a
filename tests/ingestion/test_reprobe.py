"""Re-ask policy: an auxiliary resource found unavailable (403/404) is not asked again for a day
(``raw.ingest_run_stats``), then re-probed; a 5xx failure is asked again on the next run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from ingestion.pipeline import ingest
from ingestion.resources import to_skip
from tests.ingestion.conftest import END, FAST_RETRY, START, fast_options, query

BILLING = ("genesys.billing_contracts", "genesys.licence_usage")


def _client_errors(sim: Any) -> int:
    return int(sim.state_obj.status_counts.get("genesys", {}).get("status400", 0))


def _age_runs(db: Path, hours: float) -> None:
    """Pretend the recorded runs happened ``hours`` earlier."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"update raw.ingest_run_stats set started_at = started_at - interval '{hours} hours'")
    finally:
        con.close()


def test_unavailable_is_not_reasked_within_a_day_then_reprobed(sim: Any, db: Path) -> None:
    sim.set_faults(missing_paths="/api/v2/billing/")
    first = ingest(db, "genesys", START, END, options=fast_options()).platforms["genesys"]
    assert first.unavailable == list(BILLING) and not first.skipped
    asked = _client_errors(sim)

    second = ingest(db, "genesys", START, END, options=fast_options()).platforms["genesys"]
    assert second.skipped == list(BILLING) and not second.unavailable and not second.failed
    assert _client_errors(sim) == asked  # the 404 endpoints were not requested again
    assert query(db, "select count(*) from raw.genesys_conversations")[0][0] > 200

    _age_runs(db, 23)  # still within the day: skipped again
    third = ingest(db, "genesys", START, END, options=fast_options()).platforms["genesys"]
    assert third.skipped == list(BILLING)

    _age_runs(db, 2)  # the probe that found them missing is now 25 h old: ask again
    sim.set_faults(missing_paths="")  # meanwhile the org got the billing permission
    fourth = ingest(db, "genesys", START, END, options=fast_options()).platforms["genesys"]
    assert not fourth.skipped and not fourth.unavailable
    assert query(db, "select count(*) from raw.genesys_licence_usage")[0][0] == 3
    assert query(db, "select count(*) from raw.genesys_invoice_lines")[0][0] > 0
    stats = query(
        db, "select unavailable_resources, skipped_resources from raw.ingest_run_stats order by started_at"
    )
    joined = ",".join(BILLING)
    assert stats == [(joined, None), (None, joined), (None, joined), (None, None)]


def test_a_5xx_failure_is_asked_again_on_the_next_run(sim: Any, db: Path) -> None:
    sim.set_faults(failing_paths="/api/v2/billing/contracts")
    options = fast_options(retry=replace(FAST_RETRY, max_attempts=3))
    first = ingest(db, "genesys", START, END, options=options).platforms["genesys"]
    assert first.failed == ["genesys.billing_contracts"] and not first.skipped
    sim.set_faults(failing_paths="")
    second = ingest(db, "genesys", START, END, options=options).platforms["genesys"]
    assert not second.failed and not second.skipped
    assert query(db, "select count(*) from raw.genesys_billing_contracts")[0][0] == 1


def test_a_resource_seen_again_after_a_skip_counts_from_its_last_probe() -> None:
    now = datetime(2026, 3, 6, 12, tzinfo=UTC)
    day = timedelta(hours=24)
    history = [  # newest first
        (now - timedelta(hours=1), None, "genesys.licence_usage"),
        (now - timedelta(hours=2), "genesys.licence_usage", None),
        (now - timedelta(hours=30), "genesys.billing_contracts", None),
    ]
    assert to_skip(history, now, day) == {"genesys.licence_usage": now - timedelta(hours=2)}
    assert to_skip(history, now, timedelta(0)) == {}
    # a core resource is never skipped, whatever the history says
    assert to_skip([(now, "genesys.conversation_details", None)], now, day) == {}
