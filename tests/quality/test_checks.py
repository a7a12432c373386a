"""The quality checks on a hand-made warehouse: clean passes, each seeded defect is flagged exactly."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from expectations.settings import load_settings
from tests.quality.handmade import USAGE_ROWS, insert_fallback_usage, insert_usage, queue_row


def _seed_defects(db: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        # u10: an overflow chain ending in a fallback queue with no parent: unattributed, queued.
        # u11: the same defect but the queue lost it: must be a critical failure.
        insert_fallback_usage(con, queued=("u10",))
        # a carrier with no rate card: cost null, queued as missing_rate.
        insert_usage(
            con,
            "u12",
            "genesys",
            "sip-x-1",
            "voice",
            "2026-11-02",
            "byoc_acme_telco",
            "outbound",
            "local",
            30000,
            None,
            "CC-SALES",
        )
        queue_row(con, "u12", "missing_rate")
        # a duplicated record (same usage item twice) and a 25-hour call.
        insert_usage(con, *USAGE_ROWS[0])  # u1 again
        insert_usage(
            con,
            "u13",
            "cxone",
            "9013",
            "voice",
            "2026-11-02",
            "nice_cxone_voice",
            "inbound",
            "local",
            90_000_000,
            "13.5",
            "CC-SUPPORT",
        )
        # allocation off by one cent, a FOCUS mandatory column null.
        con.execute("""update analytics.fct_cost_allocation_monthly set allocated_shared_cost = 999.99
                       where month = date '2026-11-01' and cost_center = 'CC-SUPPORT'""")
        con.execute("""update analytics.focus_cost_and_usage set "ServiceName" = null
                       where "ChargePeriodStart" < timestamptz '2026-10-04'""")
    finally:
        con.close()


def test_clean_warehouse_passes(handmade_db, quality_runner):
    result = quality_runner(handmade_db)
    assert [o.expectation for o in result.outcomes if not o.success] == []
    assert result.critical_failures == []
    assert [m.isoformat() for m in result.months] == ["2026-10-01", "2026-11-01"]
    assert len(result.outcomes) == 9
    rate = result.outcome("rate_card_covers_usage")
    assert rate.element_count == 5  # 5 (platform, type, carrier, direction, number type, month) combos


def test_seeded_defects_flagged_exactly(handmade_db, quality_runner):
    _seed_defects(handmade_db)
    result = quality_runner(handmade_db)
    failed = {o.expectation: o for o in result.outcomes if not o.success}
    assert set(failed) == {
        "unattributed_usage_is_queued",
        "usage_has_cost_metadata",
        "unattributed_share_within_warn",
        "unattributed_share_within_fail",
        "rate_card_covers_usage",
        "durations_within_max",
        "focus_mandatory_not_null",
    }  # duplicates and allocation conservation are dbt tests (unique, assert_allocation_conserves_each_pool)
    assert failed["unattributed_usage_is_queued"].unexpected_subjects() == {("sip-fb-2", "no_cost_center")}
    assert failed["usage_has_cost_metadata"].unexpected_subjects() == {
        ("sip-fb-1", "no_cost_center"),
        ("sip-fb-2", "no_cost_center"),
        ("sip-x-1", "missing_rate"),
    }
    assert failed["rate_card_covers_usage"].unexpected_subjects() == {
        ("genesys/voice/byoc_acme_telco/outbound/local", "2026-11-02")
    }
    assert failed["durations_within_max"].unexpected_subjects() == {("2026-11-02/cxone/voice", "9013")}
    assert {u["subject"] for u in failed["focus_mandatory_not_null"].unexpected} == {"ServiceName"}
    assert {u["period"] for u in failed["focus_mandatory_not_null"].unexpected} == {"2026-10"}
    # Oct: unattributed 0.010 of 0.034 rated cost (29 %) -> both share levels fail, for Oct only.
    assert {u["period"] for u in failed["unattributed_share_within_fail"].unexpected} == {"2026-10"}
    severities = {o.expectation: o.severity for o in result.critical_failures}
    assert "usage_has_cost_metadata" not in severities and "unattributed_share_within_warn" not in severities
    assert "rate_card_covers_usage" in severities


def test_share_levels_follow_config(handmade_db, quality_runner):
    con = duckdb.connect(str(handmade_db))
    # November: 0.31 rated; add 0.0093 unattributed -> 0.0093 / 0.3193 = 2.91 %:
    # above warn (2 %), below fail (5 %).
    insert_usage(
        con,
        "u20",
        "genesys",
        "sip-20",
        "voice",
        "2026-11-02",
        "genesys_cloud_voice",
        "inbound",
        "local",
        60000,
        "0.0093",
        "UNATTRIBUTED",
    )
    queue_row(con, "u20", "no_cost_center")
    con.close()
    result = quality_runner(handmade_db, months=["2026-11"])
    assert not result.outcome("unattributed_share_within_warn").success
    assert result.outcome("unattributed_share_within_fail").success
    assert result.outcome("unattributed_share_within_warn").observed_value == "max 2.9126%"  # 0.0093 / 0.3193
    assert result.success  # only a warning
    stricter = load_settings().with_overrides(thresholds={"unattributed_share_fail": 0.025})
    result = quality_runner(handmade_db, months=["2026-11"], settings=stricter)
    assert [o.expectation for o in result.critical_failures] == ["unattributed_share_within_fail"]


def test_results_table_and_data_docs(handmade_db, quality_runner, tmp_path):
    first = quality_runner(handmade_db, run_id="run-a")
    second = quality_runner(handmade_db, run_id="run-b", months=["2026-10"])
    con = duckdb.connect(str(handmade_db), read_only=True)
    rows = con.execute(
        """select run_id, count(*), count(*) filter (where success), min(periods)
           from quality.dq_results group by run_id order by run_id"""
    ).fetchall()
    detail = con.execute(
        """select severity, observed_value, unexpected_count, element_count from quality.dq_results
           where run_id = 'run-b' and expectation = 'rate_card_covers_usage'"""
    ).fetchone()
    con.close()
    assert rows == [("run-a", 9, 9, "2026-10,2026-11"), ("run-b", 9, 9, "2026-10")]
    assert detail == ("critical", "max 0 unrated rows", 0, 3)
    index = first.docs_index
    assert index == tmp_path / "site" / "index.html" and second.docs_index == index
    html = index.read_text()
    for suite in ("attribution", "rating", "allocation", "focus"):
        assert suite in html
    pages = list((tmp_path / "site" / "validations").rglob("*.html"))
    assert len(pages) == 8  # 4 suites x 2 runs
    assert "rates_cover" not in html  # sanity: names come from the suites, not invented
    assert any(
        "unattributed_usage_is_queued" in p.read_text() or "queue_reason" in p.read_text() for p in pages
    )


def test_cli_exit_codes(handmade_db, gx_project, tmp_path, monkeypatch):
    from flows.cli import app

    monkeypatch.setenv("CCFINOPS_GX_PROJECT", str(gx_project))
    runner = CliRunner()
    args = ["quality", "--db", str(handmade_db), "--site", str(tmp_path / "docs"), "--month", "2026-10"]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert "critical failure" in ok.output and str(tmp_path / "docs" / "index.html") in ok.output.replace(
        "\n", ""
    )
    _seed_defects(handmade_db)
    bad = runner.invoke(app, args)
    assert bad.exit_code == 1, bad.output
    assert "unattributed_usage_is_queued" in bad.output
    missing = runner.invoke(
        app, ["quality", "--db", str(tmp_path / "nope.duckdb"), "--site", str(tmp_path / "d")]
    )
    assert missing.exit_code == 2


def test_dq_details_are_json(handmade_db, quality_runner):
    _seed_defects(handmade_db)
    quality_runner(handmade_db, run_id="run-x")
    con = duckdb.connect(str(handmade_db), read_only=True)
    details = con.execute(
        "select details from quality.dq_results"
        " where run_id = 'run-x' and expectation = 'usage_has_cost_metadata'"
    ).fetchone()[0]
    con.close()
    assert {d["subject"] for d in json.loads(details)} == {"sip-fb-1", "sip-fb-2", "sip-x-1"}


def test_run_id_picks_the_months_its_ingest_touched(handmade_db, quality_runner):
    con = duckdb.connect(str(handmade_db))
    con.execute(
        """create table raw.ingest_run_stats as
        select 'ing-7' as run_id, 'genesys' as platform,
            timestamptz '2026-11-01 00:00:00+00' as window_start,
            timestamptz '2026-11-03 00:00:00+00' as window_end"""
    )
    con.close()
    result = quality_runner(handmade_db, run_id="ing-7")
    assert [m.isoformat() for m in result.months] == ["2026-11-01"]
    assert result.outcome("rate_card_covers_usage").element_count == 2  # November's combos only
    unknown = quality_runner(handmade_db, run_id="not-an-ingest-run")
    assert len(unknown.months) == 2  # falls back to every month built
