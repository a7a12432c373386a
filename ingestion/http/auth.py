"""OAuth token providers: Genesys client credentials and CXone password grant (access key)."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from ingestion.http.errors import AuthError

# send(method, url, **httpx_kwargs) -> httpx.Response, with retries on 429/5xx/connection errors.
Sender = Callable[..., httpx.Response]


class TokenProvider:
    """Caches a bearer token and fetches a new one shortly before it expires (or on demand)."""

    vendor = "api"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0

    def token(self, send: Sender) -> str:
        """A valid access token, refreshed when less than 10 % (max 60 s) of its life is left."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch(send)
            assert self._token is not None
            return self._token

    def invalidate(self, stale: str | None = None) -> None:
        """Forget the token (after a 401) so the next call fetches a fresh one."""
        with self._lock:
            if stale is None or stale == self._token:
                self._token = None

    def _fetch(self, send: Sender) -> None:
        resp = self._request(send)
        if resp.status_code != 200:
            raise AuthError(self.vendor, resp.status_code, _oauth_error_text(resp), str(resp.url))
        body = orjson.loads(resp.content)
        token = body.get("access_token")
        if not token:
            raise AuthError(
                self.vendor, resp.status_code, "token response has no access_token", str(resp.url)
            )
        lifetime = float(body.get("expires_in") or 3600)
        skew = min(60.0, lifetime * 0.1)
        self._token = str(token)
        self._expires_at = self._clock() + max(0.0, lifetime - skew)
        self.fetches += 1
        self._on_token(body)

    def _request(self, send: Sender) -> httpx.Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_token(self, body: dict[str, Any]) -> None:
        """Hook for providers that read more from the token response."""


class GenesysClientCredentials(TokenProvider):
    """Genesys Cloud ``POST {login}/oauth/token`` with ``grant_type=client_credentials`` (Basic auth)."""

    vendor = "genesys"

    def __init__(self, login_base: str, client_id: str, client_secret: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.url = login_base.rstrip("/") + "/oauth/token"
        self._basic = _basic(client_id, client_secret)

    def _request(self, send: Sender) -> httpx.Response:
        return send(
            "POST",
            self.url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic},
        )


class CxonePasswordGrant(TokenProvider):
    """NICE CXone ``POST {auth}/auth/token``: password grant with the access key, Basic client auth."""

    vendor = "cxone"

    def __init__(
        self,
        auth_base: str,
        access_key_id: str,
        access_key_secret: str,
        client_id: str,
        client_secret: str,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.auth_base = auth_base.rstrip("/")
        self.url = self.auth_base + "/auth/token"
        self._form = {"grant_type": "password", "username": access_key_id, "password": access_key_secret}
        self._basic = _basic(client_id, client_secret)
        self.tenant_id: str | None = None

    def _request(self, send: Sender) -> httpx.Response:
        return send("POST", self.url, data=self._form, headers={"Authorization": self._basic})

    def _on_token(self, body: dict[str, Any]) -> None:
        claim = _jwt_claim(body.get("id_token"), "tenantId")
        self.tenant_id = body.get("tenantId") or claim or self.tenant_id


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _oauth_error_text(resp: httpx.Response) -> str:
    """The vendor's words from an OAuth error: ``error``/``description`` (or ErrorBody ``message``)."""
    try:
        body = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return resp.text.strip()[:500] or resp.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:500]
    parts = [str(body[k]) for k in ("error", "error_description", "description", "message") if body.get(k)]
    return ": ".join(parts) if parts else resp.text[:500]


def _jwt_claim(token: str | None, claim: str) -> str | None:
    """Read one claim from a JWT payload without verifying it (used for the tenant id only)."""
    if not token or token.count(".") < 2:
        return None
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    try:
        value = orjson.loads(base64.urlsafe_b64decode(payload)).get(claim)
    except (ValueError, orjson.JSONDecodeError, AttributeError):
        return None
    return str(value) if value is not None else None
