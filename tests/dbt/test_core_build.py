"""A synthetic warehouse built end to end: nothing dropped, every cent conserved, rules applied."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tests.dbt.conftest import query

MICRO = Decimal("0.000001")


def test_every_billable_raw_item_is_one_usage_row(built_warehouse: Path) -> None:
    expected = {
        "voice": query(
            built_warehouse,
            "select (select count(*) from raw.genesys_sessions where provider is not null"
            "  and purpose in ('customer', 'external') and session_end > session_start)"
            " + (select count(*) from raw.cxone_contacts where total_duration_seconds > 0)"
            " + (select count(*) from raw.genesys_queue_intervals"
            "  where is_provisional and media_type = 'voice')",
        )[0][0],
        "transcription": query(
            built_warehouse, "select count(*) from raw.genesys_conversations where transcription_ms > 0"
        )[0][0],
        "wem_evaluation": query(built_warehouse, "select count(*) from raw.genesys_evaluations")[0][0],
    }
    actual = dict(
        query(built_warehouse, "select usage_type, count(*) from analytics.fct_usage_cost group by 1")
    )
    assert actual == expected
    provisional = query(
        built_warehouse, "select count(*), min(cost) from analytics.fct_usage_cost where is_provisional"
    )[0]
    assert provisional[0] == 2 and provisional[1] > 0


def test_voice_cost_matches_python_rating(built_warehouse: Path) -> None:
    """Re-rate every Genesys carrier leg in Python (Decimal) from raw durations and the rate cards."""
    cards = query(
        built_warehouse,
        "select carrier, direction, number_type, rate, increment_seconds, minimum_seconds, effective_from,"
        " effective_to from raw.config_rate_cards where usage_type = 'voice'",
    )
    legs = query(
        built_warehouse,
        "select s.session_id, s.provider, s.direction, s.dnis,"
        " epoch_ms(s.session_end) - epoch_ms(s.session_start),"
        " cast(s.session_start at time zone 'UTC' as date), f.cost"
        " from raw.genesys_sessions s join analytics.fct_usage_cost f on f.source_record_id = s.session_id"
        " where s.provider is not null and s.purpose in ('customer', 'external')",
    )
    assert len(legs) > 1000
    for session_id, carrier, direction, dnis, ms, day, cost in legs:
        digits = "".join(ch for ch in dnis if ch.isdigit())
        digits = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
        number_type = (
            "toll_free" if digits[:3] in {"800", "833", "844", "855", "866", "877", "888"} else "local"
        )
        card = [
            c
            for c in cards
            if c[:3] == (carrier, direction, number_type) and c[6] <= day and (c[7] is None or day < c[7])
        ]
        assert len(card) == 1, session_id
        rate, increment, minimum = card[0][3], card[0][4], card[0][5]
        seconds = max(math.ceil(ms / (increment * 1000)) * increment, minimum)
        expected = (Decimal(seconds) * rate / 60).quantize(MICRO, rounding=ROUND_HALF_UP)
        assert cost == expected, session_id


def test_allocation_conserves_every_pool_and_month(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        "select month, cost_pool, allocated_shared_cost, cost_center, allocation_kind, queue_minutes"
        " from analytics.fct_cost_allocation_monthly",
    )
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for month, pool, allocated, cost_center, kind, minutes in rows:
        totals[(str(month), pool)] += allocated
        assert allocated == allocated.quantize(Decimal("0.01"))
        if cost_center == "UNALLOCATED":
            assert minutes == 0 and kind in ("unallocated", "cap_overflow")
    # telemetry 2026-08-25 .. 2026-09-03: August (from accounting_start 2026-08-01) in full, the
    # shared pool above its 3 000.00 cap included; September month-to-date, 3 of 30 days
    # (3 400.00 / 30 = 113.333..: the 10 left-over cents go to days 1-10 -> 340.02)
    assert totals == {
        ("2026-08-01", "cxone_platform_fee"): Decimal("6600.00"),
        ("2026-08-01", "genesys_cx3_licences"): Decimal("23250.00"),
        ("2026-08-01", "genesys_wem_add_on"): Decimal("4500.00"),
        ("2026-08-01", "shared_ivr_routing"): Decimal("3400.00"),
        ("2026-09-01", "cxone_platform_fee"): Decimal("660.00"),
        ("2026-09-01", "genesys_cx3_licences"): Decimal("2325.00"),
        ("2026-09-01", "genesys_wem_add_on"): Decimal("450.00"),
        ("2026-09-01", "shared_ivr_routing"): Decimal("340.02"),
    }
    overflow = query(
        built_warehouse,
        "select cost_center, sum(allocated_shared_cost) from analytics.fct_cost_allocation_monthly"
        " where allocation_kind = 'cap_overflow' group by 1",
    )
    assert overflow == [("CC-PLATFORM", Decimal("440.02"))]  # 400.00 + 40.02 to the pool's owner
    pools = query(
        built_warehouse,
        "select month, pool_amount, accrued_amount, is_month_closed from analytics.fct_cost_pool_monthly"
        " where cost_pool = 'shared_ivr_routing' order by 1",
    )
    assert pools == [
        (dt.date(2026, 8, 1), Decimal("3000.00"), Decimal("3400.00"), True),
        (dt.date(2026, 9, 1), Decimal("3000.00"), Decimal("340.02"), False),
    ]


def test_attribution_mix_and_reconciliation(built_warehouse: Path) -> None:
    methods = dict(
        query(built_warehouse, "select attribution_method, count(*) from analytics.fct_usage_cost group by 1")
    )
    assert {"direct", "inherited", "parent_default", "campaign", "unattributed"} <= methods.keys()
    unattributed = query(
        built_warehouse, "select count(*) from analytics.fct_usage_cost where cost_center = 'UNATTRIBUTED'"
    )[0][0]
    queued = query(
        built_warehouse, "select count(*) from analytics.reconciliation_queue where reason = 'no_cost_center'"
    )[0][0]
    assert unattributed == queued == methods["unattributed"]
    # every unattributed item went only through the unregistered fallback queue
    queues = query(
        built_warehouse,
        "select distinct originating_queue_id from analytics.fct_usage_cost"
        " where cost_center = 'UNATTRIBUTED'",
    )
    assert queues == [("afb9c573-890e-5ad6-bf01-61927ba30bf9",)]


def test_registry_history_is_snapshotted(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        "select count(*), count(dbt_valid_from), count(*) filter (where dbt_valid_to is null)"
        " from snapshots.snap_cost_center_mappings",
    )[0]
    raw = query(built_warehouse, "select count(*) from raw.config_cost_center_mappings")[0][0]
    assert rows == (raw, raw, raw)
