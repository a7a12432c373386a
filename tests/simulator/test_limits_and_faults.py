"""Quota (429 + headers + ErrorBody) and injected faults (5xx, connection resets)."""

from __future__ import annotations

import httpx
import pytest

from simulator.server import run_simulator
from tests.simulator.conftest import CLOCK, cxone_client, genesys_client, small_config

AVAIL = "/api/v2/analytics/conversations/details/jobs/availability"


def test_quota_answers_429_with_retry_after_and_error_body():
    with run_simulator(5, config=small_config(genesys_quota_per_min=5, cxone_quota_per_min=3)) as s:
        s.set_clock(CLOCK)
        c = genesys_client(s)
        codes = [c.get(AVAIL) for _ in range(6)]
        assert [r.status_code for r in codes[:5]] == [200] * 5
        last = codes[5]
        assert last.status_code == 429
        assert int(last.headers["Retry-After"]) >= 1
        body = last.json()
        assert body["status"] == 429 and body["code"] == "too.many.requests"
        assert body["limit"] == {
            "key": "client.credentials.token.rate.per.minute",
            "namespace": "platform.api",
            "value": 5,
        }
        assert last.headers["inin-ratelimit-allowed"] == "5"
        assert int(codes[4].headers["inin-ratelimit-count"]) == 5
        assert codes[0].headers["inin-correlation-id"] != codes[1].headers["inin-correlation-id"]
        cx = cxone_client(s)
        statuses = [cx.get("/incontactapi/services/v30.0/dispositions").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert s.state()["counters"]["status_429"] == 2


def test_429_storm_and_5xx_share(sim):
    c = genesys_client(sim)
    sim.set_faults(rate_429=1.0)
    r = c.get(AVAIL)
    assert r.status_code == 429 and "Retry-After" in r.headers and r.json()["code"] == "too.many.requests"
    sim.set_faults(rate_429=0.0, rate_5xx=1.0)
    codes = {c.get(AVAIL).status_code for _ in range(12)}
    assert codes <= {502, 503, 504} and len(codes) >= 2
    sim.set_faults(rate_5xx=0.3)
    codes = [c.get(AVAIL).status_code for _ in range(60)]
    assert 5 < sum(x >= 500 for x in codes) < 35
    sim.set_faults(rate_5xx=0.0)
    assert c.get(AVAIL).status_code == 200


def test_connection_reset(sim):
    c = genesys_client(sim)
    sim.set_faults(rate_reset=1.0)
    with pytest.raises(httpx.TransportError):
        c.get(AVAIL)
    sim.set_faults(rate_reset=0.0)
    assert genesys_client(sim).get(AVAIL).status_code == 200
    assert sim.state()["counters"]["resets"] == 1


def test_fault_knobs_validated_over_http(sim):
    c = httpx.Client(base_url=sim.base_url)
    assert c.post("/_sim/faults", json={"rate_429": 0.25}).json()["rate_429"] == 0.25
    bad = c.post("/_sim/faults", json={"rate_492": 0.1})
    assert bad.status_code == 400 and "rate_492" in bad.json()["message"]
    assert c.post("/_sim/faults", json={"rate_5xx": 2}).status_code == 400


def test_faults_are_deterministic_per_seed():
    runs = []
    for _ in range(2):
        with run_simulator(9, config=small_config()) as s:
            c = genesys_client(s)
            s.set_faults(rate_429=0.3, rate_5xx=0.1)
            runs.append([c.get(AVAIL).status_code for _ in range(40)])
    assert runs[0] == runs[1] and len(set(runs[0])) > 1


def test_usage_api_counts_429s(sim):
    c = genesys_client(sim)
    sim.set_faults(rate_429=1.0)
    assert c.get(AVAIL).status_code == 429
    sim.set_faults(rate_429=0.0)
    ex = c.post("/api/v2/usage/query", json={"interval": "2026-03-01T00:00:00Z/2026-03-11T00:00:00Z"})
    assert ex.status_code == 202
    res = c.get(ex.json()["resultsUri"]).json()
    assert res["queryStatus"] == "Complete"
    row = res["results"][0]
    assert row["status429"] == 1 and row["requests"] >= 3 and row["status200"] >= 2
