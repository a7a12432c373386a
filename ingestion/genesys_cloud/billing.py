"""Genesys billing contracts (preview API): contracts, billing-period charges and invoice lines.

``GET /api/v2/billing/contracts`` lists the org's contracts (``after`` cursors, pageSize ≤ 200);
each billing period's charges come from ``…/contracts/{id}/billingperiods/{billingPeriodId}`` and
each invoice's lines from ``…/contracts/invoices/{invoiceId}/lines`` (``nextUri`` paging). Genesys
marks these endpoints *preview*: fields may be added or renamed without notice, so only the fields
named here are read, unknown ones are ignored, and a missing one is null (never an error). Amounts
and quantities are decimals (numbers or strings on the wire).

Only billing periods and invoices that overlap the pull (from two months before it: an invoice is
issued after its period closes) are read again; merge keys make re-reads idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.genesys_cloud import helpers as h
from ingestion.http import ApiClient

CONTRACTS_PATH = "/api/v2/billing/contracts"
INVOICES_PATH = f"{CONTRACTS_PATH}/invoices"
PAGE_SIZE = 200
LOOKBACK = timedelta(days=62)

CONTRACTS_TABLE = "genesys_billing_contracts"
PERIOD_CHARGES_TABLE = "genesys_billing_period_charges"
INVOICE_LINES_TABLE = "genesys_invoice_lines"

PRIMARY_KEYS = {
    CONTRACTS_TABLE: ["contract_id"],
    PERIOD_CHARGES_TABLE: ["contract_id", "billing_period_id", "charge_name"],
    INVOICE_LINES_TABLE: ["invoice_id", "line_number"],
}
_KINDS: dict[str, dict[str, Any]] = {
    "text": {"data_type": "text"},
    "ts": {"data_type": "timestamp", "timezone": True},
    "money": {"data_type": "decimal", "precision": 18, "scale": 6},  # CONTRACTS: money is (18,6)
    "int": {"data_type": "bigint"},
}


def _columns(table: str, **kinds: str) -> dict[str, dict[str, Any]]:
    """dlt column hints of ``table``: its primary-key columns are not nullable."""
    keys = PRIMARY_KEYS[table]
    return {n: _KINDS[k] | ({"nullable": False} if n in keys else {}) for n, k in kinds.items()}


TABLE_COLUMNS = {
    CONTRACTS_TABLE: _columns(
        CONTRACTS_TABLE,
        contract_id="text",
        contract_name="text",
        status="text",
        currency="text",
        start_date="ts",
        end_date="ts",
    ),
    PERIOD_CHARGES_TABLE: _columns(
        PERIOD_CHARGES_TABLE,
        contract_id="text",
        billing_period_id="text",
        charge_name="text",
        period_start="ts",
        period_end="ts",
        period_status="text",
        quantity="money",
        unit_of_measure="text",
        unit_price="money",
        amount="money",
        currency="text",
    ),
    INVOICE_LINES_TABLE: _columns(
        INVOICE_LINES_TABLE,
        invoice_id="text",
        line_number="int",
        contract_id="text",
        invoice_date="ts",
        currency="text",
        product="text",
        description="text",
        date_start="ts",
        date_end="ts",
        quantity="money",
        unit_of_measure="text",
        amount="money",
    ),
}


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return h.parse_ts(str(value))
    except ValueError:
        return None


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _listing(api: ApiClient, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every entity of a paged listing: follows ``nextUri`` (else ``cursors.after``) to the end."""
    query: dict[str, Any] = {"pageSize": PAGE_SIZE, **(params or {})}
    url = path
    seen: set[str] = set()
    while True:
        body = api.get_json(url, params=query or None) or {}
        yield from (e for e in body.get("entities") or () if isinstance(e, dict))
        nxt = body.get("nextUri")
        after = (body.get("cursors") or {}).get("after")
        if nxt and nxt not in seen:
            seen.add(nxt)
            url, query = nxt, {}
        elif after and not nxt and after not in seen:
            seen.add(after)
            url, query = path, {"pageSize": PAGE_SIZE, "after": after}
        else:
            return


def _overlaps(start: datetime | None, end: datetime | None, since: datetime, until: datetime) -> bool:
    return (start is None or start < until) and (end is None or end > since)


def contract_tables(api: ApiClient, start: datetime, end: datetime) -> dict[str, list[dict[str, Any]]]:
    """Rows of the three raw tables for the pull [start, end)."""
    since = start - LOOKBACK
    contracts: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    for c in _listing(api, CONTRACTS_PATH):
        cid = c.get("id")
        if not cid:
            continue
        currency = c.get("currency")
        contracts.append(
            {
                "contract_id": cid,
                "contract_name": c.get("name"),
                "status": c.get("status"),
                "currency": currency,
                "start_date": _ts(c.get("startDate")),
                "end_date": _ts(c.get("endDate")),
            }
        )
        for period in c.get("billingPeriods") or ():
            p_start, p_end = _ts(period.get("startDate")), _ts(period.get("endDate"))
            if not period.get("id") or not _overlaps(p_start, p_end, since, end):
                continue
            detail = api.get_json(f"{CONTRACTS_PATH}/{cid}/billingperiods/{period['id']}") or {}
            for charge in detail.get("charges") or ():
                if not charge.get("name"):
                    continue
                charges.append(
                    {
                        "contract_id": cid,
                        "billing_period_id": period["id"],
                        "charge_name": charge["name"],
                        "period_start": _ts(detail.get("startDate")) or p_start,
                        "period_end": _ts(detail.get("endDate")) or p_end,
                        "period_status": detail.get("status") or period.get("status"),
                        "quantity": _dec(charge.get("quantity")),
                        "unit_of_measure": charge.get("unitOfMeasure"),
                        "unit_price": _dec(charge.get("unitPrice")),
                        "amount": _dec(charge.get("amount")),
                        "currency": charge.get("currency") or currency,
                    }
                )
    lines: list[dict[str, Any]] = []
    for inv in _listing(api, INVOICES_PATH):
        iid = inv.get("id")
        i_start, i_end = _ts(inv.get("periodStartDate")), _ts(inv.get("periodEndDate"))
        if not iid or not _overlaps(i_start, i_end, since, end):
            continue
        for n, line in enumerate(_listing(api, f"{INVOICES_PATH}/{iid}/lines"), start=1):
            lines.append(
                {
                    "invoice_id": iid,
                    "line_number": n,
                    "contract_id": inv.get("contractId"),
                    "invoice_date": _ts(inv.get("invoiceDate")),
                    "currency": inv.get("currency"),
                    "product": line.get("product"),
                    "description": line.get("description"),
                    "date_start": _ts(line.get("dateStart")),
                    "date_end": _ts(line.get("dateEnd")),
                    "quantity": _dec(line.get("quantity")),
                    "unit_of_measure": line.get("unitOfMeasure"),
                    "amount": _dec(line.get("amount")),
                }
            )
    return {CONTRACTS_TABLE: contracts, PERIOD_CHARGES_TABLE: charges, INVOICE_LINES_TABLE: lines}
