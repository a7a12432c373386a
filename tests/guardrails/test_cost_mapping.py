"""``GET /api/v1/cost-mapping``: bearer token, parent fallback, campaigns, 404 reasons, live refresh."""

from __future__ import annotations

import time
from datetime import date

import pytest

from guardrails.registry import MappingNotFound, lookup
from guardrails.rulebook import RuleBook
from tests.guardrails.conftest import (
    COLLECTIONS_Q,
    COST_TOKEN,
    FALLBACK_Q,
    MAPPINGS_CSV,
    SALES_OVERFLOW_Q,
    SALES_Q,
    build_rules,
    write_registry_files,
)

AUTH = {"Authorization": f"Bearer {COST_TOKEN}"}


def test_token_required(receiver):
    assert receiver.client.get("/api/v1/cost-mapping", params={"queue_id": SALES_Q}).status_code == 401
    bad = receiver.client.get(
        "/api/v1/cost-mapping", params={"queue_id": SALES_Q}, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401 and bad.content == b""


def test_direct_parent_campaign_and_not_found(receiver):
    get = lambda **p: receiver.client.get("/api/v1/cost-mapping", params=p, headers=AUTH)  # noqa: E731
    direct = get(queue_id=SALES_Q).json()
    assert direct == {
        "cost_center": "CC-SALES",
        "weight": "1",
        "mapping_version": "m-2025.1",
        "key_type": "queue",
        "key": SALES_Q,
        "resolved_via": None,
    }
    inherited = get(queue_id=SALES_OVERFLOW_Q).json()
    assert inherited["cost_center"] == "CC-SALES" and inherited["resolved_via"] == SALES_Q
    cx = get(queue_id="4103", platform="cxone").json()
    assert cx["cost_center"] == "CC-SUPPORT" and cx["resolved_via"] == "4102"
    # campaigns are keyed by id, as in the warehouse (the name is not a key)
    assert get(campaign="spring-promo").status_code == 404
    assert get(campaign="21358f9d-148e-5b17-b2ee-5d84d3bb28db").json()["cost_center"] == "CC-MARKETING"
    by_id = get(campaign="21358f9d-148e-5b17-b2ee-5d84d3bb28db", queue_id=SALES_Q).json()
    assert by_id["cost_center"] == "CC-MARKETING"  # the campaign is more specific than the queue
    # effective-dated: Collections moved to CC-FINANCE on 2026-01-01 (mapping in force *now*)
    assert get(queue_id=COLLECTIONS_Q).json() == {
        "cost_center": "CC-FINANCE",
        "weight": "1",
        "mapping_version": "m-2026.1",
        "key_type": "queue",
        "key": COLLECTIONS_Q,
        "resolved_via": None,
    }
    missing = get(queue_id=FALLBACK_Q)
    assert missing.status_code == 404 and "has no cost-center mapping in force" in missing.json()["detail"]
    nothing = get()
    assert nothing.status_code == 404 and nothing.json()["detail"] == "give queue_id or campaign"


def test_lookup_on_a_past_day(rules_template):
    book = RuleBook.load(rules_template)
    assert lookup(book, queue_id=COLLECTIONS_Q, day=date(2025, 6, 1)).cost_center == "CC-COLLECTIONS"
    with pytest.raises(MappingNotFound) as exc:
        lookup(book, queue_id=SALES_Q, day=date(2024, 1, 1))
    assert "in force on 2024-01-01" in exc.value.reason


def test_rules_change_is_served_without_restart(receiver, tmp_path):
    """A new export (here: a mapping added to the registry, rebuilt with dbt) is hot-reloaded."""
    work = tmp_path / "rebuild"
    regs = write_registry_files(
        work / "registries",
        mappings=MAPPINGS_CSV
        + f"genesys,queue,{FALLBACK_Q},Emergency Fallback,CC-SUPPORT,1,,2025-01-01,,m-2026.2\n",
    )
    rebuilt = build_rules(work, regs)
    path = receiver.settings.rules_path
    path.write_bytes(rebuilt.read_bytes())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = receiver.client.get("/api/v1/cost-mapping", params={"queue_id": FALLBACK_Q}, headers=AUTH)
        if r.status_code == 200:
            break
        time.sleep(0.1)
    assert r.status_code == 200 and r.json()["mapping_version"] == "m-2026.2"
    # an invalid artifact is refused loudly and the last good rules keep serving
    path.write_text('{"format": 1, "tables": {}}')
    time.sleep(0.8)
    again = receiver.client.get("/api/v1/cost-mapping", params={"queue_id": FALLBACK_Q}, headers=AUTH)
    assert again.status_code == 200 and again.json()["mapping_version"] == "m-2026.2"
    assert "table 'rate_cards' missing" in receiver.service.rules.last_error
    metrics = receiver.client.get("/metrics").text
    assert 'ccfinops_guardrail_reload_failing{source="rules"} 1.0' in metrics
