"""Genesys billing contracts (preview API): loaded as the simulator serves them, tolerant of
unknown and missing fields, auxiliary (403/404 → unavailable, the run succeeds)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingestion.genesys_cloud import billing
from ingestion.pipeline import ingest
from tests.ingestion.conftest import END, START, fast_options, query


def test_contract_charges_and_invoice_lines_load_and_rerun_is_idempotent(sim: Any, db: Path) -> None:
    ingest(db, "genesys", START, END, options=fast_options())
    ingest(db, "genesys", START, END, options=fast_options())
    assert query(db, "select contract_id, currency from raw.genesys_billing_contracts") == [
        ("contract-0007", "USD")
    ]
    periods = query(
        db, "select distinct billing_period_id from raw.genesys_billing_period_charges order by 1"
    )
    assert [p[0] for p in periods] == ["bp-2026-01", "bp-2026-02", "bp-2026-03"]  # two months back
    lines = query(
        db, "select invoice_id, count(*), sum(amount) from raw.genesys_invoice_lines group by 1 order by 1"
    )
    licences = dict(query(db, "select charge_name, user_count from raw.genesys_licence_usage"))
    expected = sum(Decimal(n) * billing_price(name) for name, n in licences.items())
    assert lines == [("inv-2026-01", 3, expected), ("inv-2026-02", 3, expected)]
    total, distinct = query(
        db, "select count(*), count(distinct (invoice_id, line_number)) from raw.genesys_invoice_lines"
    )[0]
    assert total == distinct == 6


def billing_price(name: str) -> Decimal:
    from simulator.billing_contracts import UNIT_PRICES

    return UNIT_PRICES[name]


class _FakeApi:
    """Answers with renamed/missing fields and extra ones, the way a preview API may change."""

    def __init__(self, pages: dict[str, Any]) -> None:
        self.pages = pages

    def get_json(self, path: str, params: Any = None) -> Any:
        return self.pages[path.split("?")[0]]


def test_unknown_fields_are_ignored_and_missing_ones_are_null() -> None:
    base = billing.CONTRACTS_PATH
    api = _FakeApi(
        {
            base: {
                "entities": [
                    {
                        "id": "c1",
                        "brandNewField": {"x": 1},
                        "billingPeriods": [{"id": "p1", "startDate": "2026-03-01T00:00:00Z", "extra": 1}],
                    }
                ]
            },
            f"{base}/c1/billingperiods/p1": {"charges": [{"name": "cx", "amount": "12.5", "new": True}]},
            billing.INVOICES_PATH: {"entities": [{"id": "i1", "totalAmount": "oops"}]},
            f"{billing.INVOICES_PATH}/i1/lines": {
                "entities": [{"product": "cx", "amount": 3, "quantity": "n/a", "surprise": []}]
            },
        }
    )
    tables = billing.contract_tables(
        api,  # type: ignore[arg-type]
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 5, tzinfo=UTC),
    )
    assert tables[billing.CONTRACTS_TABLE][0]["contract_id"] == "c1"
    assert tables[billing.CONTRACTS_TABLE][0]["currency"] is None
    (charge,) = tables[billing.PERIOD_CHARGES_TABLE]
    assert charge["amount"] == Decimal("12.5") and charge["quantity"] is None
    (line,) = tables[billing.INVOICE_LINES_TABLE]
    assert line["amount"] == Decimal(3) and line["quantity"] is None and line["invoice_date"] is None


def test_an_org_without_the_contract_api_loads_everything_else(sim: Any, db: Path) -> None:
    sim.set_faults(missing_paths="/api/v2/billing/contracts")
    summary = ingest(db, "genesys", START, END, options=fast_options())
    p = summary.platforms["genesys"]
    assert p.unavailable == ["genesys.billing_contracts"] and not p.failed
    assert query(db, "select count(*) from raw.genesys_conversations")[0][0] > 200
    assert query(db, "select count(*) from raw.genesys_licence_usage")[0][0] == 3
    assert query(db, "select unavailable_resources from raw.ingest_run_stats") == [
        ("genesys.billing_contracts",)
    ]
