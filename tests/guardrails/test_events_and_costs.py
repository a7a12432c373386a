"""The three body shapes normalise to the same event; costs follow the rate card to the micro-dollar."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from guardrails.events import BodyError, parse_usage_event
from guardrails.rulebook import USAGE_TYPE, RuleBook
from tests.guardrails.conftest import SALES_Q, SUPPORT_Q, seed_event

GENESYS_BODY = {
    "eventTime": 1_764_226_800_000,  # 2025-11-27T07:00:00Z
    "conversationId": "conv-1",
    "participantId": "p-1",
    "sessionId": "s-1",
    "disconnectType": "ENDPOINT",
    "mediaType": "VOICE",
    "provider": "Edge",
    "direction": "INBOUND",
    "queueId": SUPPORT_Q,
    "interactingDurationMs": 125_000,
}
NOTIFICATION = {
    "topicName": "v2.detail.events.conversation.conv-1.user.end",
    "version": "2",
    "eventBody": GENESYS_BODY,
    "metadata": {"CorrelationId": "corr-1"},
}
EVENTBRIDGE = {
    "version": "0",
    "id": "eb-1",
    "detail-type": "v2.detail.events.conversation.{id}.user.end",
    "source": "aws.partner/genesys.com/cloud/org/suffix",
    "account": "123456789012",
    "time": "2025-11-27T07:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": NOTIFICATION,
}


def test_notification_and_eventbridge_give_the_same_event():
    a = parse_usage_event(NOTIFICATION)
    b = parse_usage_event(EVENTBRIDGE)
    assert a.event_id == b.event_id == "genesys:conv-1:s-1:user.end"
    assert a.event_type == "telephony.call.completed" and a.platform == "genesys"
    assert a.event_time == datetime(2025, 11, 27, 7, 0, tzinfo=UTC)
    assert (a.queue_id, a.duration_ms, a.direction) == (SUPPORT_Q, 125_000, "inbound")
    assert (a.source_shape, b.source_shape) == ("genesys_notification", "eventbridge")
    bare = parse_usage_event(GENESYS_BODY)
    assert bare.event_id == "genesys:conv-1:s-1:end" and bare.duration_ms == 125_000


def test_transcription_topic_and_bad_fields():
    note = {**NOTIFICATION, "topicName": "v2.detail.events.conversation.conv-1.transcription"}
    note["eventBody"] = {**GENESYS_BODY, "transcriptionDurationMs": 30_000}
    ev = parse_usage_event(note)
    assert ev.event_type == "ai.transcription.completed" and ev.duration_ms == 30_000
    with pytest.raises(BodyError) as exc:
        parse_usage_event({**NOTIFICATION, "eventBody": {**GENESYS_BODY, "eventTime": "yesterday"}})
    assert exc.value.errors[0]["loc"] == ["body", "eventBody", "eventTime"]
    with pytest.raises(BodyError) as exc:
        parse_usage_event({**EVENTBRIDGE, "detail": "oops"})
    assert exc.value.errors[0]["loc"] == ["body", "detail"]
    no_duration = {k: v for k, v in GENESYS_BODY.items() if k != "interactingDurationMs"}
    with pytest.raises(BodyError) as exc:
        parse_usage_event({**NOTIFICATION, "eventBody": no_duration})
    assert exc.value.errors[0]["loc"] == ["body", "eventBody", "interactingDurationMs"]


def _estimate(book: RuleBook, body: dict) -> Decimal | None:
    ev = parse_usage_event(body)
    line = book.rate_line(
        USAGE_TYPE[ev.event_type], ev.platform, ev.carrier, ev.direction, ev.number_type, ev.event_time.date()
    )
    return None if line is None else line.cost(ev.duration_ms)


def test_rate_card_estimates(rules_template):
    book = RuleBook.load(rules_template)
    # seed template (no leg): the assumed leg of var guardrail_unspecified_leg (Genesys Cloud Voice
    # inbound toll-free, 0.0150/min); 125 s -> 126 s billed
    assert _estimate(book, seed_event("c-1", queue=SALES_Q, duration_ms=125_000)) == Decimal("0.031500")
    # a real Genesys voice event says provider "Edge": var carrier_aliases rates it as Genesys Cloud
    # Voice, as the warehouse rates its session (stg_genesys__sessions)
    assert _estimate(book, NOTIFICATION) == Decimal("0.031500")  # inbound, number type assumed toll-free
    known = {**NOTIFICATION, "eventBody": {**GENESYS_BODY, "provider": "genesys_cloud_voice"}}
    assert _estimate(book, known) == Decimal("0.031500")
    # a carrier without a rate line is unrated, as in the warehouse (int_usage_items_rated)
    other = {**NOTIFICATION, "eventBody": {**GENESYS_BODY, "provider": "some_trunk"}}
    assert _estimate(book, other) is None
    # CXone skill id: platform cxone, 12 s minimum, assumed inbound toll-free 0.0180
    short = seed_event("c-2", queue="4102", duration_ms=3_000)
    assert parse_usage_event(short).platform == "cxone"
    assert _estimate(book, short) == Decimal("0.003600")
    explicit = {
        **seed_event("c-3", duration_ms=34_000),
        "carrier": "genesys_cloud_voice",
        "direction": "outbound",
        "number_type": "local",
    }
    assert _estimate(book, explicit) == Decimal("0.007140")  # 36 s x 0.0119/min (the vendor's own example)
    transcription = seed_event("c-4", duration_ms=61_000, event_type="ai.transcription.completed")
    assert _estimate(book, transcription) == Decimal("0.017600")  # 66 s x 0.0160/min (the '*' line)


def test_genesys_event_through_the_receiver_is_attributed_by_queue(receiver):
    body = {
        **NOTIFICATION,
        "eventBody": {
            **GENESYS_BODY,
            "provider": "genesys_cloud_voice",
            "eventTime": int(datetime.now(UTC).timestamp() * 1000),
        },
    }
    r = receiver.post(body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["cost_center"] == "CC-SUPPORT" and out["estimated_cost"] == "0.031500"
    assert out["decision"] == "allow" and out["upper_bound"] == "1.150000"
    edge = receiver.post(
        {**NOTIFICATION, "eventBody": {**body["eventBody"], "provider": "Edge", "sessionId": "s-2"}}
    )
    assert edge.json()["estimated_cost"] == "0.031500"
    unrated = receiver.post(
        {**NOTIFICATION, "eventBody": {**body["eventBody"], "provider": "some_trunk", "sessionId": "s-3"}}
    )
    assert unrated.json()["estimated_cost"] == "0"
    assert any("unrated" in r for r in unrated.json()["reasons"])


def test_durations_are_json_integers():
    for bad in (False, True, "60000"):
        with pytest.raises(BodyError) as exc:
            parse_usage_event({**seed_event("b-1"), "duration_ms": bad})
        assert exc.value.errors[0]["loc"] == ["body", "duration_ms"]
    assert parse_usage_event({**seed_event("b-2"), "duration_ms": 60000.0}).duration_ms == 60_000
    with pytest.raises(BodyError):
        parse_usage_event({**GENESYS_BODY, "interactingDurationMs": False})


def test_a_warehouse_built_before_the_optional_exports_still_gives_a_rule_book(rules_template, tmp_path):
    """dim_guardrail_notification_routes / _carrier_aliases are optional: an older warehouse exports
    without them (no owner routes; "Edge" unrated, as its own staging rated it)."""
    import shutil

    import duckdb

    db = tmp_path / "old.duckdb"
    shutil.copy(rules_template.parent / "rules.duckdb", db)
    con = duckdb.connect(str(db))
    con.execute("drop table analytics.dim_guardrail_notification_routes")
    con.execute("drop table analytics.dim_guardrail_carrier_aliases")
    con.close()
    book = RuleBook.from_warehouse(db)
    assert book.routes == {} and book.carrier_aliases == {}
    assert _estimate(book, NOTIFICATION) is None
