"""CXone completed contacts (paging, 204, per-version names) and Data Extraction jobs."""

from __future__ import annotations

import csv
import io
import time
from datetime import date

from simulator.server import run_simulator
from tests.simulator.conftest import CLOCK, cxone_client, small_config

COMPLETED = "/incontactapi/services/v{v}.0/contacts/completed"
DAY = {"startDate": "2026-03-02T00:00:00Z", "endDate": "2026-03-04T00:00:00Z"}


def pull(c, version: int, top: int) -> list[dict]:
    out: list[dict] = []
    r = c.get(COMPLETED.format(v=version), params=DAY | {"top": top, "skip": 0})
    while True:
        assert r.status_code == 200
        body = r.json()
        out += body["completedContacts"]
        nxt = body["_links"]["next"]
        if not nxt:
            return out
        r = c.get(nxt)


def test_completed_contacts_paging_matches_truth(sim):
    c = cxone_client(sim)
    contacts = pull(c, 30, 40)
    truth = sim.ground_truth("cxone", date(2026, 3, 2), date(2026, 3, 4))
    ids = [x["contactId"] for x in contacts]
    assert len(ids) == len(set(ids)) == truth["contact_count"]
    assert set(ids) == set(truth["contact_ids"])
    masters: dict[int, int] = {}
    for x in contacts:
        masters[x["masterContactId"]] = masters.get(x["masterContactId"], 0) + 1
    assert len(masters) == truth["master_contact_count"] < len(ids)  # transfers share masterContactId
    assert max(masters.values()) >= 2


def test_version_field_names(sim):
    c = cxone_client(sim)
    v21 = c.get(COMPLETED.format(v=21), params=DAY | {"top": 5}).json()["completedContacts"][0]
    v30 = c.get(COMPLETED.format(v=30), params=DAY | {"top": 5}).json()["completedContacts"][0]
    assert {"contactStart", "fromAddr", "toAddr", "ACWSeconds", "confSeconds", "mediaType"} <= set(v21)
    assert {
        "contactStartDate",
        "fromAddress",
        "toAddress",
        "acwSeconds",
        "conferenceSeconds",
        "mediaTypeId",
    } <= set(v30)
    assert "contactStartDate" not in v21 and "contactStart" not in v30
    assert v21["contactId"] == v30["contactId"]


def test_204_and_status_description_header(sim):
    c = cxone_client(sim)
    empty = c.get(
        COMPLETED.format(v=30),
        params={"startDate": "2026-04-01T00:00:00Z", "endDate": "2026-04-02T00:00:00Z"},
    )
    assert empty.status_code == 204 and empty.content == b""
    past_end = c.get(COMPLETED.format(v=30), params=DAY | {"skip": 100000})
    assert past_end.status_code == 204
    bad = c.get(COMPLETED.format(v=30), params={"startDate": "yesterday", "endDate": "2026-03-03T00:00:00Z"})
    assert bad.status_code == 400 and bad.headers["icStatusDescription"]


def test_data_extraction_job_rules():
    cfg = small_config(dx_min_spacing_s=0.5, dx_job_s=0.2, dx_url_ttl_s=0.3)
    with run_simulator(4, config=cfg) as s:
        s.set_clock(CLOCK)
        c = cxone_client(s)
        body = {
            "entityName": "contacts-completed",
            "version": "1",
            "startDate": "2026-03-02",
            "endDate": "2026-03-03",
        }
        r = c.post("/data-extraction/v1/jobs", json=body)
        assert r.status_code == 202 and r.text.startswith('"') and r.text.endswith('"')
        job = r.json()
        again = c.post("/data-extraction/v1/jobs", json=body)
        assert again.status_code == 403 and "try again later" in again.json()["message"]
        status = c.get(f"/data-extraction/v1/jobs/{job}").json()["jobStatus"]
        while status["status"] == "RUNNING":
            time.sleep(0.05)
            status = c.get(f"/data-extraction/v1/jobs/{job}").json()["jobStatus"]
        assert status["status"] == "SUCCEEDED"
        csv_resp = c.get(status["result"]["url"])
        rows = list(csv.DictReader(io.StringIO(csv_resp.text)))
        assert len(rows) == s.ground_truth("cxone", date(2026, 3, 2), date(2026, 3, 3))["contact_count"]
        time.sleep(0.4)
        assert c.get(status["result"]["url"]).status_code == 403  # short-lived URL
        time.sleep(0.2)
        assert c.post("/data-extraction/v1/jobs", json=body).status_code == 202
