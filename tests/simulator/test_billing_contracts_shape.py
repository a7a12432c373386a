"""The billing-contracts preview API as the simulator pins it: shape, paging, unknown fields."""

from __future__ import annotations

from tests.simulator.conftest import genesys_client

BASE = "/api/v2/billing/contracts"
CONTRACT_KEYS = {
    "id", "name", "status", "currency", "startDate", "endDate", "billingPeriods", "previewRampPeriod",
    "selfUri",
}  # fmt: skip
PERIOD_KEYS = {"id", "startDate", "endDate", "status"}
DETAIL_KEYS = PERIOD_KEYS | {"contractId", "charges", "wallets"}
CHARGE_KEYS = {
    "name", "quantity", "unitOfMeasure", "unitPrice", "amount", "currency", "previewChargeCategory",
}  # fmt: skip
INVOICE_KEYS = {
    "id", "contractId", "billingPeriodId", "invoiceDate", "periodStartDate", "periodEndDate",
    "currency", "totalAmount", "status", "previewDueDate",
}  # fmt: skip
LINE_KEYS = {
    "product", "description", "dateStart", "dateEnd", "quantity", "unitOfMeasure", "amount",
    "previewTaxCode",
}  # fmt: skip


def test_contracts_periods_invoices_and_lines_have_the_pinned_shape(sim):
    c = genesys_client(sim)
    page = c.get(BASE, params={"pageSize": 200}).json()
    assert set(page) >= {"entities", "pageSize", "pageNumber"}
    (contract,) = page["entities"]
    assert set(contract) == CONTRACT_KEYS
    periods = contract["billingPeriods"]
    assert [p["id"] for p in periods] == ["bp-2026-01", "bp-2026-02", "bp-2026-03"]  # clock: 2026-03-10
    assert [p["status"] for p in periods] == ["Closed", "Closed", "Open"]
    assert all(set(p) == PERIOD_KEYS for p in periods)
    detail = c.get(f"{BASE}/{contract['id']}/billingperiods/bp-2026-02").json()
    assert set(detail) == DETAIL_KEYS
    assert detail["charges"] and all(set(ch) == CHARGE_KEYS for ch in detail["charges"])
    invoices = c.get(f"{BASE}/invoices", params={"pageSize": 1})
    first = invoices.json()
    assert first["entities"][0]["id"] == "inv-2026-01" and set(first["entities"][0]) == INVOICE_KEYS
    second = c.get(first["nextUri"]).json()  # February's invoice (issued 3 March); March is open
    assert [i["id"] for i in second["entities"]] == ["inv-2026-02"] and "nextUri" not in second
    lines = c.get(f"{BASE}/invoices/inv-2026-02/lines").json()["entities"]
    assert lines and all(set(line) == LINE_KEYS for line in lines)
    assert sum(line["amount"] for line in lines) == second["entities"][0]["totalAmount"]


def test_unknown_ids_and_bad_page_sizes_answer_like_the_vendor(sim):
    c = genesys_client(sim)
    assert c.get(f"{BASE}/contract-0007/billingperiods/bp-2031-01").status_code == 404
    assert c.get(f"{BASE}/invoices/inv-2026-03/lines").status_code == 404
    assert c.get(BASE, params={"pageSize": 201}).status_code == 400
    sim.set_faults(forbidden_paths=BASE)
    assert c.get(BASE).status_code == 403
