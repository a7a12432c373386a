"""A small Superset REST client: log in, import the bundle (all-or-nothing), read charts' data."""

from __future__ import annotations

from typing import Any

import httpx


class SupersetError(RuntimeError):
    """Superset unreachable, credentials rejected, or an API call refused (message is one line)."""


class SupersetClient:
    """Logged-in session on one Superset (JWT bearer + CSRF token, as the REST API wants for writes)."""

    def __init__(self, url: str, username: str, password: str, *, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)
        try:
            login = self._http.post(
                "/api/v1/security/login",
                json={"username": username, "password": password, "provider": "db", "refresh": True},
            )
        except httpx.HTTPError as exc:
            self._http.close()
            raise SupersetError(f"Superset at {self.url} is unreachable: {exc}") from None
        if login.status_code in (400, 401, 403):
            self._http.close()
            raise SupersetError(f"Superset at {self.url} rejected the credentials of user {username!r}")
        self._check(login, "log in")
        self._http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = self._check(self._http.get("/api/v1/security/csrf_token/"), "get a CSRF token")
        self._http.headers.update({"X-CSRFToken": csrf.json()["result"], "Referer": self.url})

    def close(self) -> None:
        """Close the HTTP session."""
        self._http.close()

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.is_success:
            return response
        detail = " ".join(response.text.split())[:400]
        raise SupersetError(f"Superset at {self.url} refused to {what}: HTTP {response.status_code} {detail}")

    def import_bundle(self, bundle: bytes) -> None:
        """``POST /api/v1/assets/import/``: one transaction, so a refused bundle leaves nothing behind."""
        files = {"bundle": ("ccfinops_superset.zip", bundle, "application/zip")}
        self._check(self._http.post("/api/v1/assets/import/", files=files), "import the bundle")

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a REST resource as JSON."""
        return self._check(self._http.get(path, params=params), f"GET {path}").json()

    def dashboard(self, id_or_slug: int | str) -> dict[str, Any]:
        """The dashboard's REST record."""
        return self.get(f"/api/v1/dashboard/{id_or_slug}")["result"]

    def dashboard_charts(self, id_or_slug: int | str) -> list[dict[str, Any]]:
        """The charts on a dashboard (id, slice_name, form_data ...)."""
        return self.get(f"/api/v1/dashboard/{id_or_slug}/charts")["result"]

    def chart_data(self, chart_id: int) -> list[dict[str, Any]]:
        """Rows of a chart's saved query, run now (``force``: no cached result)."""
        body = self.get(f"/api/v1/chart/{chart_id}/data/", force="true")
        return body["result"][0]["data"]
