"""Authentication, size cap and validation: rejected requests get no detail and write nothing."""

from __future__ import annotations

import time
from dataclasses import replace

import orjson

from guardrails.auth import sign
from tests.guardrails.conftest import HMAC_KEY, SECRET, seed_event, spool_bytes, spool_ids


def _rejections(receiver) -> dict[str, float]:
    text = receiver.client.get("/metrics").text
    out = {}
    for line in text.splitlines():
        if line.startswith("ccfinops_guardrail_rejections_total{"):
            reason = line.split('reason="')[1].split('"')[0]
            out[reason] = float(line.rsplit(" ", 1)[1])
    return out


def test_bad_or_missing_secret_is_401_without_detail_and_writes_nothing(receiver):
    r1 = receiver.post(seed_event("a-1"), secret="wrong")
    r2 = receiver.client.post("/api/v1/evaluate-usage", json=seed_event("a-2"))
    r3 = receiver.post(seed_event("a-3"), secret=SECRET + "x")
    assert [r.status_code for r in (r1, r2, r3)] == [401, 401, 401]
    assert r1.content == b"" and r2.content == b""
    assert spool_bytes(receiver.settings.spool_dir) == 0
    assert receiver.service.index == {}
    assert _rejections(receiver)["bad_secret"] == 3


def test_oversized_body_is_413_and_writes_nothing(receiver):
    body = seed_event("big-1")
    body["padding"] = "x" * (64 * 1024)
    r = receiver.post(body)
    assert r.status_code == 413
    # chunked upload without Content-Length is capped while streaming
    chunks = iter([b'{"event_id": "big-2", "pad": "', b"y" * 70_000, b'"}'])
    r2 = receiver.client.post("/api/v1/evaluate-usage", content=chunks, headers={"X-Platform-Secret": SECRET})
    assert r2.status_code == 413
    assert spool_bytes(receiver.settings.spool_dir) == 0


def test_malformed_and_invalid_bodies_are_422_naming_the_field(receiver):
    r = receiver.client.post(
        "/api/v1/evaluate-usage", content=b"{not json", headers={"X-Platform-Secret": SECRET}
    )
    assert r.status_code == 422
    assert "invalid JSON" in r.json()["detail"][0]["msg"]

    bad_type = seed_event("v-1")
    bad_type["event_type"] = "telephony.call.started"
    r = receiver.post(bad_type)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "event_type"]

    negative = seed_event("v-2", duration_ms=-5)
    assert receiver.post(negative).json()["detail"][0]["loc"] == ["body", "duration_ms"]

    naive = seed_event("v-3")
    naive["timestamp"] = "2026-11-27T10:00:00"
    assert receiver.post(naive).json()["detail"][0]["loc"] == ["body", "timestamp"]

    genesys_chat = {
        "topicName": "v2.detail.events.conversation.c9.customer.end",
        "eventBody": {
            "eventTime": 1_764_226_800_000,
            "conversationId": "c9",
            "mediaType": "CHAT",
            "interactingDurationMs": 5000,
        },
    }
    r = receiver.post(genesys_chat)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "eventBody", "mediaType"]

    assert receiver.post([1, 2]).status_code == 422
    assert spool_bytes(receiver.settings.spool_dir) == 0
    assert _rejections(receiver) == {"malformed": 1, "invalid": 5}


def test_hmac_signature_bad_stale_and_replayed(make_receiver, settings):
    rec = make_receiver(replace(settings, hmac_secret=HMAC_KEY))
    body = orjson.dumps(seed_event("h-1"))
    ts = str(int(time.time()))
    good = {
        "X-Platform-Secret": SECRET,
        "X-Platform-Timestamp": ts,
        "X-Platform-Signature": sign(HMAC_KEY, ts, body),
    }

    def post(headers):
        return rec.client.post("/api/v1/evaluate-usage", content=body, headers=headers)

    assert post({"X-Platform-Secret": SECRET}).status_code == 401  # unsigned
    assert post({**good, "X-Platform-Signature": sign("other-key", ts, body)}).status_code == 401
    old = str(int(time.time()) - 3600)
    assert (
        post(
            {**good, "X-Platform-Timestamp": old, "X-Platform-Signature": sign(HMAC_KEY, old, body)}
        ).status_code
        == 401
    )
    assert spool_bytes(rec.settings.spool_dir) == 0

    first = post(good)
    assert first.status_code == 200 and first.json()["event_id"] == "h-1"
    replay = post(good)
    assert replay.status_code == 401 and replay.content == b""
    assert spool_ids(rec.settings.spool_dir) == ["h-1"]
    assert _rejections(rec) == {
        "missing_signature": 1,
        "bad_signature": 1,
        "stale_timestamp": 1,
        "replayed_signature": 1,
    }


def test_metrics_and_health_are_served(receiver):
    assert receiver.post(seed_event("m-1")).status_code == 200
    text = receiver.client.get("/metrics").text
    assert (
        'ccfinops_guardrail_events_total{event_type="telephony.call.completed",platform="genesys"} 1.0'
        in text
    )
    assert "ccfinops_guardrail_spool_depth 0.0" in text
    assert "ccfinops_guardrail_request_seconds_bucket" in text
    health = receiver.client.get("/healthz").json()
    assert health["policy_version"] == "test-1" and health["policy_mode"] == "expected"
    assert len(health["rules_version"]) == 12 and health["rules_error"] is None
