"""Genesys billing contracts (preview API): contracts, billing periods, invoices and invoice lines.

Genesys documents these as *preview* endpoints (``../shared/reference/ccaas-platform-apis.md`` §1.6):
``GET /api/v2/billing/contracts`` (pageSize ≤ 200, ``before``/``after`` cursors),
``…/contracts/{id}/billingperiods/{billingPeriodId}`` (``charges[]``, ``wallets[]``),
``…/contracts/invoices`` and ``…/contracts/invoices/{invoiceId}/lines`` (``BillingInvoiceItem``:
product, description, dateStart, dateEnd, quantity, unitOfMeasure, amount; listings carry
``nextUri``/``previousUri``). Field names beyond those are **(constructed)**; so are the unit prices
(Genesys list prices were not found). Every entity carries an extra ``preview*`` field a client must
ignore: a preview API may add fields at any time. The shape is pinned by
``tests/simulator/test_billing_contracts_shape.py``.

One contract per org (start 2026-01-01); one billing period per calendar month up to the clock's
month (the current one ``Open``); one invoice per closed period, issued on the 3rd of the next month;
lines = the licences of ``org.yaml`` (quantity = licence holders, as billable usage reports them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.http import ApiError, Request, Response, json_response

CONTRACT_START = date(2026, 1, 1)
CONTRACT_END = date(2028, 12, 31)
MAX_PAGE_SIZE = 200
# (constructed) unit prices per user per month: Genesys list prices are not public
UNIT_PRICES = {
    "genesys_cloud_cx_3": Decimal("155.00"),
    "genesys_wem_add_on": Decimal("30.00"),
    "genesys_speech_analytics": Decimal("25.00"),
}
DEFAULT_UNIT_PRICE = Decimal("20.00")
BASE = "/api/v2/billing/contracts"


def _iso(d: date) -> str:
    return f"{d.isoformat()}T00:00:00.000Z"


def _month_starts(until: date) -> list[date]:
    out, cur = [], CONTRACT_START
    while cur <= until:
        out.append(cur)
        cur = (cur.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _page_size(req: Request) -> int:
    try:
        size = int(req.query.get("pageSize", "25"))
    except ValueError as exc:
        raise ApiError(400, "invalid.value", "pageSize must be an integer") from exc
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, "invalid.value", f"pageSize must be 1..{MAX_PAGE_SIZE}")
    return size


def _page(req: Request, path: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """A listing page: ``pageNumber`` paging with ``nextUri``/``previousUri`` and ``after`` cursors."""
    size = _page_size(req)
    after = req.query.get("after")
    try:
        number = int(after) if after else int(req.query.get("pageNumber", "1"))
    except ValueError as exc:
        raise ApiError(400, "invalid.cursor", "The cursor is invalid") from exc
    chunk = entities[(number - 1) * size : number * size]
    out: dict[str, Any] = {"entities": chunk, "pageSize": size, "pageNumber": number}
    if number * size < len(entities):
        out["nextUri"] = f"{path}?pageSize={size}&pageNumber={number + 1}"
        out["cursors"] = {"after": str(number + 1)}
    if number > 1:
        out["previousUri"] = f"{path}?pageSize={size}&pageNumber={number - 1}"
    return out


class BillingContractsApi:
    """Handlers for the four preview endpoints."""

    def __init__(self, state: Any, holders: Any) -> None:
        self.s = state
        self.holders = holders  # state -> {charge name: [agent index]}

    def _today(self) -> date:
        return self.s.clock.now().astimezone(UTC).date()

    def _contract_id(self) -> str:
        return f"contract-{self.s.seed:04d}"

    def _periods(self) -> list[dict[str, Any]]:
        today = self._today()
        return [
            {
                "id": f"bp-{m:%Y-%m}",
                "startDate": _iso(m),
                "endDate": _iso(_next_month(m)),
                "status": "Open" if _next_month(m) > today else "Closed",
            }
            for m in _month_starts(today)
        ]

    def _charges(self) -> list[dict[str, Any]]:
        currency = self.s.org.genesys.currency
        out = []
        for name, agents in self.holders(self.s).items():
            price = UNIT_PRICES.get(name, DEFAULT_UNIT_PRICE)
            qty = len(agents)
            out.append(
                {
                    "name": name,
                    "quantity": qty,
                    "unitOfMeasure": "user",
                    "unitPrice": float(price),
                    "amount": float(price * qty),
                    "currency": currency,
                    "previewChargeCategory": "Subscription",
                }
            )
        return out

    def contracts(self, req: Request) -> Response:
        contract = {
            "id": self._contract_id(),
            "name": "Genesys Cloud CX subscription",
            "status": "Active",
            "currency": self.s.org.genesys.currency,
            "startDate": _iso(CONTRACT_START),
            "endDate": _iso(CONTRACT_END),
            "billingPeriods": self._periods(),
            "previewRampPeriod": {"endDate": _iso(date(2026, 2, 1))},
            "selfUri": f"{BASE}/{self._contract_id()}",
        }
        return json_response(_page(req, BASE, [contract]))

    def billing_period(self, req: Request) -> Response:
        cid, bp = req.params["contract_id"], req.params["period_id"]
        period = next((p for p in self._periods() if p["id"] == bp), None)
        if cid != self._contract_id() or period is None:
            raise ApiError(404, "not.found", f"No billing period {bp} in contract {cid}")
        wallets = [{"name": "Fair use API requests", "balance": 0, "previewUnit": "request"}]
        return json_response(period | {"contractId": cid, "charges": self._charges(), "wallets": wallets})

    def _invoices(self) -> list[dict[str, Any]]:
        today = self._today()
        out = []
        for p in self._periods():
            start = datetime.fromisoformat(p["startDate"].replace("Z", "+00:00")).date()
            issued = _next_month(start) + timedelta(days=2)
            if p["status"] == "Closed" and issued <= today:
                total = sum(Decimal(str(c["amount"])) for c in self._charges())
                out.append(
                    {
                        "id": f"inv-{start:%Y-%m}",
                        "contractId": self._contract_id(),
                        "billingPeriodId": p["id"],
                        "invoiceDate": _iso(issued),
                        "periodStartDate": p["startDate"],
                        "periodEndDate": p["endDate"],
                        "currency": self.s.org.genesys.currency,
                        "totalAmount": float(total),
                        "status": "Issued",
                        "previewDueDate": _iso(issued + timedelta(days=30)),
                    }
                )
        return out

    def invoices(self, req: Request) -> Response:
        return json_response(_page(req, f"{BASE}/invoices", self._invoices()))

    def invoice_lines(self, req: Request) -> Response:
        invoice_id = req.params["invoice_id"]
        invoice = next((i for i in self._invoices() if i["id"] == invoice_id), None)
        if invoice is None:
            raise ApiError(404, "not.found", f"No invoice {invoice_id}")
        lines = [
            {
                "product": c["name"],
                "description": f"{c['name']} ({c['unitOfMeasure']}s)",
                "dateStart": invoice["periodStartDate"],
                "dateEnd": invoice["periodEndDate"],
                "quantity": c["quantity"],
                "unitOfMeasure": c["unitOfMeasure"],
                "amount": c["amount"],
                "previewTaxCode": "SaaS",
            }
            for c in self._charges()
        ]
        return json_response(_page(req, f"{BASE}/invoices/{invoice_id}/lines", lines))


def billing_contract_routes(api: BillingContractsApi, platform: str) -> list[tuple[str, str, str, Any, bool]]:
    """Route-table rows for the simulator app."""
    ident = r"[0-9A-Za-z_-]+"
    return [
        ("GET", BASE, platform, api.contracts, True),
        ("GET", f"{BASE}/invoices", platform, api.invoices, True),
        ("GET", f"{BASE}/invoices/(?P<invoice_id>{ident})/lines", platform, api.invoice_lines, True),
        (
            "GET",
            f"{BASE}/(?P<contract_id>{ident})/billingperiods/(?P<period_id>{ident})",
            platform,
            api.billing_period,
            True,
        ),
    ]
