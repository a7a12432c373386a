"""The shared HTTP layer against the simulator (auth, 401 refresh, retries) and the limiter's arithmetic."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ingestion.genesys_cloud import GenesysOptions
from ingestion.genesys_cloud import make_client as genesys_client
from ingestion.genesys_cloud import settings as gs
from ingestion.http import (
    ApiClient,
    AuthError,
    GenesysClientCredentials,
    RetriesExhausted,
    RetryPolicy,
    TokenBucket,
)
from ingestion.nice_cxone import CxoneOptions
from ingestion.nice_cxone import make_client as cxone_client
from tests.ingestion.conftest import FAST_RETRY


def _genesys(sim: Any, secret: str | None = None, retry: RetryPolicy = FAST_RETRY) -> ApiClient:
    env = sim.genesys_env()
    options = GenesysOptions(rate_per_min=60_000, retry=retry)
    return genesys_client(
        env["GENESYS_API_BASE"],
        env["GENESYS_LOGIN_BASE"],
        env["GENESYS_CLIENT_ID"],
        secret or env["GENESYS_CLIENT_SECRET"],
        options,
    )


def test_bad_genesys_credentials_raise_with_the_vendor_text(sim: Any) -> None:
    with _genesys(sim, secret="wrong") as api, pytest.raises(AuthError) as err:
        api.authenticate()
    assert err.value.status == 401
    assert "invalid_client" in str(err.value) and "client authentication failed" in str(err.value)


def test_bad_cxone_access_key_raises_with_the_vendor_text(sim: Any) -> None:
    env = sim.cxone_env()
    with pytest.raises(AuthError) as err:
        cxone_client(
            env["CXONE_AUTH_BASE"],
            env["CXONE_API_BASE"],
            env["CXONE_ACCESS_KEY_ID"],
            "wrong",
            env["CXONE_CLIENT_ID"],
            env["CXONE_CLIENT_SECRET"],
            CxoneOptions(),
        ).authenticate()
    assert err.value.status in (400, 401)
    assert err.value.vendor == "cxone" and err.value.vendor_message


def test_a_401_on_an_expired_token_refreshes_once(sim: Any) -> None:
    sim.set_faults(token_ttl_s=0.3)
    env = sim.genesys_env()
    frozen = GenesysClientCredentials(
        env["GENESYS_LOGIN_BASE"], env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"], clock=lambda: 0.0
    )  # no early refresh
    with ApiClient("genesys", env["GENESYS_API_BASE"], frozen, TokenBucket(60_000), FAST_RETRY) as api:
        assert api.get_json(gs.AVAILABILITY_PATH)["dataAvailabilityDate"]
        time.sleep(0.5)  # the server now answers 401 credentials.expired for the cached token
        assert api.get_json(gs.AVAILABILITY_PATH)["dataAvailabilityDate"]
    assert frozen.fetches == 2


def test_persistent_5xx_gives_up_loudly_after_the_bounded_attempts(sim: Any) -> None:
    sim.set_faults(rate_5xx=1.0)
    with _genesys(sim, retry=RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.01)) as api:
        api.authenticate()  # token endpoint is exempt from injected faults
        with pytest.raises(RetriesExhausted) as err:
            api.get_json(gs.AVAILABILITY_PATH)
        assert api.counters.requests == 1 + 4 and api.counters.retries == 3  # token + 4 tries
    assert err.value.status in (502, 503, 504) and "gave up after 4 attempts" in str(err.value)


def test_429s_and_connection_resets_are_retried_and_counted(sim: Any) -> None:
    sim.set_faults(rate_429=0.3, rate_reset=0.1)
    with _genesys(sim) as api:
        for _ in range(30):
            assert api.get_json(gs.AVAILABILITY_PATH)["dataAvailabilityDate"]
        c = api.counters.snapshot()
    assert c["status_429"] > 0
    assert c["retries"] > c["status_429"]  # resets are retried too
    assert c["requests"] == 1 + 30 + c["retries"]  # the token request, 30 calls, every retry


class FakeTime:
    """A manual clock for the limiter's arithmetic."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_paces_to_the_configured_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(600, burst=10, clock=t.clock, sleep=t.sleep)  # 10/s, 10 tokens of headroom
    for _ in range(110):
        bucket.acquire()
    assert t.now == pytest.approx(10.0, abs=0.01)  # 10 immediately, 100 more at 10 per second


def test_token_bucket_adapts_to_the_ratelimit_headers() -> None:
    t = FakeTime()
    bucket = TokenBucket(600, burst=10, clock=t.clock, sleep=t.sleep)
    bucket.observe(_headers(allowed=300, count=12, reset=3))
    assert bucket.rate_per_min == 300  # the server's lower quota wins
    bucket.observe(_headers(allowed=300, count=300, reset=7))
    waited = bucket.acquire()
    assert waited == pytest.approx(7.0, abs=0.01)  # quota used up: wait for the reset
    bucket.pause(5)  # a 429's Retry-After
    assert bucket.acquire() == pytest.approx(5.0, abs=0.01)
    for _ in range(9 + 50):
        bucket.acquire()
    assert t.now == pytest.approx(12.0 + 10.0, abs=0.01)  # 9 tokens left, then 50 at the adapted 5/s


def _headers(**values: int) -> dict[str, str]:
    return {f"inin-ratelimit-{k}": str(v) for k, v in values.items()}
