"""fct_cost_center_daily and fct_guardrail_baselines on a hand-made warehouse, checked by hand.

Sales (CC-SALES, band 15 %) takes inbound local Genesys Cloud Voice calls at 0.0040 /min:
  2026-08-01            one 100-minute call   -> 0.40
  2026-09-01 .. 09-08   one 10-minute call a day, except none on 09-05 -> 0.04 (09-05: 0)
  2026-09-09            one 20-minute call    -> 0.08
  2026-09-10            one 5-minute call on a carrier without a rate card -> unrated (cost null)
Every day in between has no usage and counts as 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from guardrails.rulebook import RuleBook, export_rulebook
from simulator.synthetic_raw import write_synthetic_raw
from tests.dbt.conftest import SALES, add_genesys_leg, build_marts, execute, query, template_copy, ts

CALLS = [("2026-08-01", 100)] + [(f"2026-09-0{d}", 10) for d in (1, 2, 3, 4, 6, 7, 8)] + [("2026-09-09", 20)]


def add_call(
    con: duckdb.DuckDBPyConnection, cid: str, day: str, minutes: int, carrier: str = "genesys_cloud_voice"
) -> None:
    """One inbound local call of ``minutes`` on the Sales queue at 10:00 UTC."""
    t0 = ts(f"{day} 10:00:00")
    end = t0 + dt.timedelta(minutes=minutes)
    add_genesys_leg(con, cid, t0, end, carrier=carrier)
    con.execute(
        "insert into raw.genesys_segments (segment_id, conversation_id, session_id, segment_index,"
        " segment_type, purpose, queue_id, user_id, segment_start, segment_end, wrapup_code, disconnect_type)"
        " values (?, ?, ?, 0, 'interact', 'acd', ?, null, ?, ?, null, null)",
        [f"{cid}-acd", cid, f"{cid}-acd", SALES, t0, t0 + dt.timedelta(seconds=1)],
    )


@pytest.fixture(scope="module")
def guardrail_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calls above, built with dbt."""
    db = template_copy(registry_template, tmp_path_factory, "guardrails")
    con = duckdb.connect(str(db))
    try:
        for k, (day, minutes) in enumerate(CALLS):
            add_call(con, f"gc{k}", day, minutes)
        add_call(con, "unrated", "2026-09-10", 5, carrier="mystery_telco")
    finally:
        con.close()
    build_marts(db)
    return db


def _baselines(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        "select cost_date, daily_cost, baseline_30d, seed_lower_bound, seed_upper_bound, history_days,"
        " seed_status, guardrail_band_pct from analytics.fct_guardrail_baselines"
        " where cost_center = 'CC-SALES'",
    )
    return {str(r[0]): r[1:] for r in rows}


def test_daily_series_is_dense_and_zero_filled(guardrail_warehouse: Path) -> None:
    rows = query(
        guardrail_warehouse,
        "select cost_date, daily_cost, voice_minutes, usage_item_count, unrated_item_count, currency"
        " from analytics.fct_cost_center_daily where cost_center = 'CC-SALES' order by cost_date",
    )
    days = [r[0] for r in rows]
    assert days[0] == dt.date(2026, 8, 1) and days[-1] == dt.date(2026, 9, 10)
    assert len(days) == 41  # 31 days of August + 10 of September, no gaps
    by_day = {str(r[0]): r[1:] for r in rows}
    assert by_day["2026-08-01"] == (Decimal("0.40"), Decimal("100"), 1, 0, "USD")
    assert by_day["2026-09-05"] == (Decimal("0"), Decimal("0"), 0, 0, "USD")
    assert by_day["2026-08-15"] == (Decimal("0"), Decimal("0"), 0, 0, "USD")
    # the unrated call is counted, never priced at 0 silently: daily_cost stays the rated sum
    assert by_day["2026-09-10"][0] == Decimal("0") and by_day["2026-09-10"][2:] == (1, 1, "USD")


def test_baseline_excludes_scored_day_and_counts_zero_days(guardrail_warehouse: Path) -> None:
    b = _baselines(guardrail_warehouse)
    # 09-09 is scored against 08-10 .. 09-08 (30 days, 09-09 itself excluded, 08-01 too old):
    # 7 calls x 0.04 = 0.28 over 30 days -> 0.009333; x 1.15 -> 0.010733; x 0.85 -> 0.007933
    daily, baseline, lower, upper, history, status, band = b["2026-09-09"]
    assert (daily, history, band) == (Decimal("0.08"), 30, Decimal("15"))
    assert baseline == Decimal("0.009333")
    assert (lower, upper) == (Decimal("0.007933"), Decimal("0.010733"))
    assert status == "breach"


def test_baseline_window_drops_days_older_than_30(guardrail_warehouse: Path) -> None:
    b = _baselines(guardrail_warehouse)
    # 08-31: window 08-01 .. 08-30 holds the 0.40 day -> 0.40 / 30 = 0.013333; 0 < 0.011333 -> below
    assert b["2026-08-31"][1:6] == (
        Decimal("0.013333"),
        Decimal("0.011333"),
        Decimal("0.015333"),
        30,
        "below",
    )
    # 09-01: window 08-02 .. 08-31, all zero -> baseline 0, bounds 0; 0.04 > 0 -> breach
    assert b["2026-09-01"][1:6] == (Decimal("0"), Decimal("0"), Decimal("0"), 30, "breach")


def test_short_history_is_insufficient(guardrail_warehouse: Path) -> None:
    b = _baselines(guardrail_warehouse)
    assert b["2026-08-01"][1:6] == (None, None, None, 0, "insufficient_history")
    # 08-07 has six earlier days (0.40, then zeros): 0.40 / 6 = 0.066667
    assert b["2026-08-07"][1] == Decimal("0.066667")
    assert b["2026-08-07"][4:6] == (6, "insufficient_history")
    assert b["2026-08-08"][4:6] == (7, "below")


# ----------------------------------------------------------------------------- receiver parity
#: another precedence (campaign last): changing the var moves the mart and the receiver together
LEGACY_ORDER = [
    "manual",
    "explicit",
    "originating_queue",
    "originating_queue_parent",
    "queue",
    "queue_parent",
    "campaign",
]
DEFAULT_ORDER = None  # dbt_project.yml's attribution_precedence
MART_READS_THE_VAR = (
    "attribution_precedence"
    in (
        Path(__file__).resolve().parents[2]
        / "dbt_project/models/intermediate/attribution/int_usage_items_attributed.sql"
    ).read_text()
)
PARITY_SELECT = ["--select", "+path:models/marts/guardrails", "--indirect-selection", "cautious"]
ITEMS_SQL = """
    select a.usage_id, a.platform, a.usage_type, a.usage_date, a.source_record_id, a.explicit_cost_center,
           a.campaign, a.originating_queue_id, a.queue_id, a.carrier, a.direction, a.number_type,
           a.duration_ms, c.cost, c.cost_center
    from intermediate.int_usage_items_attributed as a
    inner join analytics.fct_usage_cost as c on a.usage_id = c.usage_id
    where not a.is_provisional
    order by a.usage_id
"""


def _build_parity(db: Path, order: list[str] | None) -> None:
    args = ["build", *PARITY_SELECT, "--full-refresh"]
    if order is not None:
        import json

        # the unit tests state the shipped order; the receiver parity is what this build checks
        args += [
            "--vars",
            json.dumps({"attribution_precedence": order}),
            "--exclude-resource-type",
            "unit_test",
        ]
    run_dbt(args, db, quiet=True)


@pytest.fixture(scope="module", params=["legacy_order", "default_order"])
def parity_warehouse(request, registry_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """3 000 synthetic conversations over 10 days, built with the marts and the guardrail exports."""
    order = LEGACY_ORDER if request.param == "legacy_order" else DEFAULT_ORDER
    if order is DEFAULT_ORDER and not MART_READS_THE_VAR:
        pytest.skip(
            "int_usage_items_attributed does not read var('attribution_precedence') on this branch yet"
        )
    db = template_copy(registry_template, tmp_path_factory, f"parity_{request.param}")
    write_synthetic_raw(
        db, 3000, start=dt.datetime(2026, 8, 25, tzinfo=dt.UTC), days=10, seed=11, load_registries=False
    )
    _build_parity(db, order)
    return db, order


def _receiver_answers(book: RuleBook, items: list[tuple]) -> list[tuple[Decimal | None, str]]:
    out = []
    for (
        _id,
        platform,
        usage_type,
        day,
        record,
        explicit,
        campaign,
        origin,
        queue,
        carrier,
        direction,
        number_type,
        duration_ms,
        _cost,
        _cc,
    ) in items:
        inputs = {
            "source_record_id": record,
            "explicit_cost_center": explicit,
            "campaign": campaign,
            "originating_queue_id": origin,
            "queue_id": queue,
        }
        hit = book.resolve(inputs, platform, day)
        line = book.rate_line(usage_type, platform, carrier, direction, number_type, day)
        cost = line.cost(duration_ms) if line is not None else None
        out.append((cost, hit.cost_center if hit else book.unattributed))
    return out


def test_receiver_rates_and_attributes_like_the_mart(parity_warehouse, tmp_path: Path) -> None:
    db, order = parity_warehouse
    book = export_rulebook(db, tmp_path / "rules.json")
    import yaml

    project = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "dbt_project/dbt_project.yml").read_text()
    )
    assert [r[0] for r in book.rules] == (order or project["vars"]["attribution_precedence"])
    items = query(db, ITEMS_SQL)
    assert len(items) >= 3000  # a few thousand usage items of every kind
    assert {i[2] for i in items} == {"voice", "transcription", "wem_evaluation"}
    assert {i[1] for i in items} == {"genesys", "cxone"}
    answers = _receiver_answers(book, items)
    mismatches = [(i[0], i[13], i[14], a) for i, a in zip(items, answers, strict=True) if (i[13], i[14]) != a]
    assert mismatches == [], mismatches[:5]
    # the sample covers every attribution path the mart takes
    methods = {r[0] for r in query(db, "select distinct attribution_method from analytics.fct_usage_cost")}
    assert {"direct", "inherited", "parent_default", "campaign", "unattributed"} <= methods
    # the order is data: the same lookups walked in another order disagree on campaign calls
    campaign = [r for r in book.rules if r[0] == "campaign"]
    rest = [r for r in book.rules if r[0] != "campaign"]
    book.rules = campaign + rest if book.rules[-1][0] == "campaign" else rest + campaign
    assert sum(1 for i, a in zip(items, _receiver_answers(book, items), strict=True) if i[14] != a[1]) > 0


def test_rate_and_campaign_mapping_change_mart_and_receiver_together(
    parity_warehouse, tmp_path: Path
) -> None:
    db, order = parity_warehouse
    changed = tmp_path / "changed.duckdb"
    changed.write_bytes(db.read_bytes())
    execute(
        changed,
        "update raw.config_rate_cards set rate = 0.0050 where carrier = 'genesys_cloud_voice'"
        " and direction = 'inbound' and number_type = 'local'",
        "update raw.config_cost_center_mappings set cost_center = 'CC-SALES' where key_type = 'campaign'",
    )
    _build_parity(changed, order)
    before = {i[0]: i for i in query(db, ITEMS_SQL)}
    items = query(changed, ITEMS_SQL)
    book = export_rulebook(changed, tmp_path / "rules.json")
    answers = _receiver_answers(book, items)
    assert [(i[13], i[14]) for i in items] == answers  # still equal, no Python edit
    repriced = [i for i in items if i[9] == "genesys_cloud_voice" and i[10] == "inbound" and i[11] == "local"]
    assert repriced and all(i[13] > before[i[0]][13] for i in repriced if before[i[0]][13])
    remapped = [i for i in items if i[14] != before[i[0]][14]]
    assert remapped and {i[14] for i in remapped} == {"CC-SALES"}
