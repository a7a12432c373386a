"""Fixtures: a small simulator (≈300 conversations/day) on a random loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from simulator.config import SimConfig
from simulator.server import SimulatorHandle, run_simulator

CLOCK = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SMALL_MONTH = 9_131  # ≈ 300 conversations per day


def small_config(**kw: object) -> SimConfig:
    base: dict[str, object] = dict(
        conversations_per_month=SMALL_MONTH,
        cxone_contacts_per_month=3_000,
        job_queued_s=0.0,
        job_ready_s=0.0,
        dx_min_spacing_s=0.0,
        dx_job_s=0.0,
    )
    base.update(kw)
    return SimConfig(**base)  # type: ignore[arg-type]


@pytest.fixture()
def sim() -> Iterator[SimulatorHandle]:
    with run_simulator(7, config=small_config()) as handle:
        handle.set_clock(CLOCK)
        yield handle


def genesys_client(sim: SimulatorHandle) -> httpx.Client:
    """An httpx client holding a valid Genesys bearer token."""
    env = sim.genesys_env()
    client = httpx.Client(base_url=sim.base_url, timeout=30)
    resp = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"]),
    )
    resp.raise_for_status()
    client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return client


def cxone_client(sim: SimulatorHandle) -> httpx.Client:
    """An httpx client holding a valid CXone bearer token."""
    env = sim.cxone_env()
    client = httpx.Client(base_url=sim.base_url, timeout=30)
    resp = client.post(
        "/auth/token",
        data={
            "grant_type": "password",
            "username": env["CXONE_ACCESS_KEY_ID"],
            "password": env["CXONE_ACCESS_KEY_SECRET"],
        },
        auth=(env["CXONE_CLIENT_ID"], env["CXONE_CLIENT_SECRET"]),
    )
    resp.raise_for_status()
    client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return client


def pull_job(client: httpx.Client, interval: str, page_size: int = 100) -> list[dict]:
    """Run one async detail job to the end and return every conversation."""
    job_id = client.post("/api/v2/analytics/conversations/details/jobs", json={"interval": interval}).json()[
        "jobId"
    ]
    for _ in range(200):
        if (
            client.get(f"/api/v2/analytics/conversations/details/jobs/{job_id}").json()["state"]
            == "FULFILLED"
        ):
            break
    out: list[dict] = []
    cursor = None
    while True:
        params: dict[str, object] = {"pageSize": page_size}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"/api/v2/analytics/conversations/details/jobs/{job_id}/results", params=params)
        page.raise_for_status()
        body = page.json()
        out.extend(body["conversations"])
        cursor = body.get("cursor")
        if not cursor:
            return out
