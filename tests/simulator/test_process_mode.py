"""``run_simulator(process=True)``: the simulator in a child process behind the same handle API."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from simulator.server import run_simulator
from tests.simulator.conftest import CLOCK, small_config


def test_process_handle_matches_thread_handle() -> None:
    config = small_config()
    with run_simulator(7, config=config) as threaded:
        threaded.set_clock(CLOCK)
        want = threaded.ground_truth("genesys", date(2026, 3, 2), date(2026, 3, 3))
        env = threaded.genesys_env() | threaded.cxone_env()
    with run_simulator(7, config=config, process=True) as sim:
        sim.set_clock(CLOCK)
        assert sim.state()["clock"].startswith("2026-03-10T12:00")
        got = sim.ground_truth("genesys", date(2026, 3, 2), date(2026, 3, 3))
        assert got["conversation_count"] == want["conversation_count"] > 0
        assert sorted(got["conversation_ids"]) == sorted(want["conversation_ids"])
        penv = sim.genesys_env() | sim.cxone_env()
        assert {k: v for k, v in penv.items() if "BASE" not in k} == {
            k: v for k, v in env.items() if "BASE" not in k
        }
        assert sim.set_faults(rate_429=1.0)["rate_429"] == 1.0
        token = httpx.post(
            f"{sim.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(penv["GENESYS_CLIENT_ID"], penv["GENESYS_CLIENT_SECRET"]),
        ).json()
        r = httpx.get(
            f"{sim.base_url}/api/v2/analytics/conversations/details/jobs/availability",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert r.status_code == 429
        with pytest.raises(ValueError, match="unknown fault knob"):
            sim.set_faults(no_such_knob=1)
        base = sim.base_url
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/_sim/health", timeout=2)
