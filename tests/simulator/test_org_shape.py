"""Org shape: a minimal org (OAuth + analytics only) and per-path 403/404/503 answers."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from tests.simulator.conftest import cxone_client, genesys_client
from tests.simulator.test_cli import _free_port

INTERVAL = "2026-03-02T00:00:00Z/2026-03-03T00:00:00Z"


def test_a_minimal_org_answers_analytics_and_contacts_but_404_elsewhere(sim):
    sim.set_faults(minimal_org=True)
    g = genesys_client(sim)
    assert g.get("/api/v2/analytics/conversations/details/jobs/availability").status_code == 200
    assert (
        g.post("/api/v2/analytics/conversations/details/jobs", json={"interval": INTERVAL}).status_code == 202
    )
    billing = g.get(
        "/api/v2/billing/reports/billableusage",
        params={"startDate": "2026-03-01T00:00:00Z", "endDate": "2026-04-01T00:00:00Z"},
    )
    assert billing.status_code == 404
    assert g.get("/api/v2/ccfinops-sim/voice-usage.csv").status_code == 404
    c = cxone_client(sim)
    params = {"startDate": "2026-03-02T00:00:00Z", "endDate": "2026-03-03T00:00:00Z"}
    assert c.get("/incontactapi/services/v30.0/contacts/completed", params=params).status_code == 200
    assert c.get("/incontactapi/services/v30.0/dispositions").status_code == 404
    sim.set_faults(minimal_org=False)
    assert c.get("/incontactapi/services/v30.0/dispositions").status_code == 200


def test_path_prefixes_answer_403_404_or_503(sim):
    sim.set_faults(
        forbidden_paths="/api/v2/billing/", missing_paths="/api/v2/usage/", failing_paths="/api/v2/routing/"
    )
    g = genesys_client(sim)
    assert g.get("/api/v2/billing/reports/billableusage").status_code == 403
    assert g.post("/api/v2/usage/query", json={}).status_code == 404
    assert g.get("/api/v2/routing/queues/q1").status_code == 503


def test_simulate_minimal_org_option():
    port = _free_port()
    cmd = [sys.executable, "-m", "flows.cli", "simulate", "--port", str(port), "--minimal-org"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            try:
                faults = httpx.get(f"http://127.0.0.1:{port}/_sim/faults", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert faults["minimal_org"] is True
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
