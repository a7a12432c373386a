"""OAuth contracts for both platforms and bearer enforcement."""

from __future__ import annotations

import base64
import time

import httpx
import orjson

from tests.simulator.conftest import cxone_client, genesys_client

JOBS = "/api/v2/analytics/conversations/details/jobs"


def test_genesys_token_basic_and_form_and_errors(sim):
    env = sim.genesys_env()
    c = httpx.Client(base_url=sim.base_url)
    ok = c.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["GENESYS_CLIENT_ID"],
            "client_secret": env["GENESYS_CLIENT_SECRET"],
        },
    )
    assert ok.status_code == 200
    assert ok.json()["token_type"] == "bearer" and ok.json()["expires_in"] == 86400
    bad = c.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(env["GENESYS_CLIENT_ID"], "nope")
    )
    assert bad.status_code == 401
    assert set(bad.json()) == {"error", "description"}
    missing = c.post("/oauth/token", data={"client_id": "x"})
    assert missing.status_code == 400 and missing.json()["error"]
    assert "inin-ratelimit-allowed" in bad.headers


def test_genesys_api_requires_bearer(sim):
    c = httpx.Client(base_url=sim.base_url)
    r = c.get(f"{JOBS}/availability")
    assert r.status_code == 401
    assert r.json()["code"] == "authentication.required" and r.json()["status"] == 401
    r = c.get(f"{JOBS}/availability", headers={"Authorization": "Bearer forged"})
    assert r.json()["code"] == "bad.credentials"


def test_token_expiry_then_reauth(sim):
    sim.set_faults(token_ttl_s=0.3)
    client = genesys_client(sim)
    assert client.get(f"{JOBS}/availability").status_code == 200
    time.sleep(0.4)
    expired = client.get(f"{JOBS}/availability")
    assert expired.status_code == 401 and expired.json()["code"] == "credentials.expired"
    sim.set_faults(token_ttl_s=None)
    assert genesys_client(sim).get(f"{JOBS}/availability").status_code == 200


def test_cxone_token_id_token_and_discovery(sim):
    env = sim.cxone_env()
    c = httpx.Client(base_url=sim.base_url)
    r = c.post(
        "/auth/token",
        data={
            "grant_type": "password",
            "username": env["CXONE_ACCESS_KEY_ID"],
            "password": env["CXONE_ACCESS_KEY_SECRET"],
            "client_id": env["CXONE_CLIENT_ID"],
            "client_secret": env["CXONE_CLIENT_SECRET"],
        },
    )
    assert r.status_code == 200 and r.json()["expires_in"] == 3600
    payload = r.json()["id_token"].split(".")[1]
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["tenantId"] == env["CXONE_TENANT_ID"]
    conf = c.get("/.well-known/cxone-configuration", params={"tenantId": claims["tenantId"]}).json()
    assert conf["api_endpoint"] == sim.base_url
    assert c.get("/.well-known/cxone-configuration", params={"tenantId": "other"}).status_code == 404
    wrong = c.post(
        "/auth/token",
        data={"grant_type": "password", "username": "x", "password": "y"},
        auth=(env["CXONE_CLIENT_ID"], env["CXONE_CLIENT_SECRET"]),
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_tokens_are_platform_scoped(sim):
    cx = cxone_client(sim)
    r = cx.get(f"{JOBS}/availability")
    assert r.status_code == 401
