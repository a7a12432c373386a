"""Aggregates, billable licence usage and the Cloud Voice usage CSV against the ground truth."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from tests.simulator.conftest import genesys_client

AGG = "/api/v2/analytics/conversations/aggregates/query"


def test_aggregates_match_ground_truth(sim):
    c = genesys_client(sim)
    body = {
        "interval": "2026-03-02T00:00:00Z/2026-03-04T00:00:00Z",
        "granularity": "PT30M",
        "groupBy": ["queueId"],
        "metrics": ["nOffered", "nConnected", "tHandle", "tTalk", "tAcw"],
    }
    res = c.post(AGG, json=body).json()["results"]
    truth = sim.ground_truth("genesys", date(2026, 3, 2), date(2026, 3, 4))
    offered = {}
    for group in res:
        q = group["group"]["queueId"]
        for bucket in group["data"]:
            start, end = bucket["interval"].split("/")
            assert start.endswith(("00:00.000Z", "30:00.000Z"))
            for m in bucket["metrics"]:
                if m["metric"] == "nOffered":
                    offered[q] = offered.get(q, 0) + m["stats"]["count"]
                if m["metric"] == "tHandle":
                    assert m["stats"]["sum"] >= m["stats"]["max"] >= m["stats"]["min"] > 0
    assert offered == truth["per_queue_offered"]
    bad = c.post(AGG, json=body | {"granularity": "half-hour"})
    assert bad.status_code == 400


def test_billable_usage_in_progress_then_complete(sim):
    c = genesys_client(sim)
    params = {"startDate": "2026-03-01T00:00:00Z", "endDate": "2026-03-08T00:00:00Z"}
    first = c.get("/api/v2/billing/reports/billableusage", params=params).json()
    assert first["status"] == "InProgress"
    done = c.get("/api/v2/billing/reports/billableusage", params=params).json()
    assert done["status"] == "Complete"
    usage = {u["name"]: int(u["totalUsage"]) for u in done["usages"]}
    assert usage == sim.ground_truth("genesys", date(2026, 3, 1), date(2026, 3, 2))["licences"]
    assert usage["genesys_cloud_cx_3"] == 150


def test_voice_csv_rows_costs_and_sip_ids(sim):
    c = genesys_client(sim)
    r = c.get(
        "/api/v2/ccfinops-sim/voice-usage.csv", params={"startDate": "2026-03-02", "endDate": "2026-03-04"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    truth = sim.ground_truth("genesys", date(2026, 3, 2), date(2026, 3, 4))
    assert len(rows) == truth["voice_calls"]
    for row in rows:
        secs, adj = int(row["Duration (Seconds)"]), int(row["Adjusted Duration (seconds)"])
        assert adj % 6 == 0 and secs <= adj < secs + 6
        assert Decimal(row["Total cost"]) == Decimal(row["Usage Rate Per Minute"]) * Decimal(adj) / 60
    assert sum(int(x["Adjusted Duration (seconds)"]) for x in rows) == truth["voice_billable_seconds"]
    assert sum(Decimal(x["Total cost"]) for x in rows) == Decimal(truth["voice_cost"])
    assert {x["Usage Group"] for x in rows} == {"local", "toll_free"}
    # SIP call id == the customer session's protocolCallId
    from tests.simulator.conftest import pull_job

    convs = pull_job(c, "2026-03-02T00:00:00Z/2026-03-04T00:00:00Z")
    pcids = {
        s["protocolCallId"] for x in convs for s in x["participants"][0]["sessions"] if "protocolCallId" in s
    }
    assert pcids == {x["SIP Call Id"] for x in rows}
    assert (
        c.get("/api/v2/ccfinops-sim/voice-usage.csv", params={"startDate": "2026-03-02"}).status_code == 400
    )


def test_aggregate_filter_and_http_ground_truth(sim):
    import httpx

    c = genesys_client(sim)
    sales = "d41a4916-e89a-57c0-aa86-60d147f9421a"
    body = {
        "interval": "2026-03-02T00:00:00Z/2026-03-03T00:00:00Z",
        "granularity": "P1D",
        "groupBy": ["queueId", "mediaType"],
        "metrics": ["nOffered"],
        "filter": {
            "type": "and",
            "predicates": [{"type": "dimension", "dimension": "queueId", "value": sales}],
        },
    }
    res = c.post(AGG, json=body).json()["results"]
    assert {r["group"]["queueId"] for r in res} == {sales}
    total = sum(b["metrics"][0]["stats"]["count"] for r in res for b in r["data"])
    over_http = httpx.get(
        f"{sim.base_url}/_sim/ground-truth",
        params={"platform": "genesys", "start": "2026-03-02", "end": "2026-03-03"},
    ).json()
    assert total == over_http["per_queue_offered"][sales]
    assert over_http == sim.ground_truth("genesys", date(2026, 3, 2), date(2026, 3, 3), ids=False)
    assert (
        httpx.get(
            f"{sim.base_url}/_sim/ground-truth",
            params={"platform": "x", "start": "2026-03-02", "end": "2026-03-03"},
        ).status_code
        == 400
    )
