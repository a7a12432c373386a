"""Platform write access for mitigations, over the shared HTTP layer (``ingestion.http``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from guardrails.policy import MitigationSpec


class PlatformWriter(Protocol):
    """What the executor needs: read a resource, write it back."""

    def read(self, platform: str, path: str) -> dict[str, Any]:
        """GET the resource's current state."""

    def write(self, platform: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT/PATCH the resource; return the answer body."""


def endpoint(spec: MitigationSpec) -> tuple[str, str, str]:
    """(platform, method, path) of the resource a mitigation changes."""
    kind, target = spec.kind, spec.target
    if kind == "genesys_skill":
        return "genesys", "PUT", f"/api/v2/routing/skills/{target}"
    if kind == "genesys_queue":
        return "genesys", "PUT", f"/api/v2/routing/queues/{target}"
    if kind == "genesys_datatable_row":
        datatable, row = target.split("/", 1)
        return "genesys", "PUT", f"/api/v2/flows/datatables/{datatable}/rows/{row}"
    if kind == "genesys_wem_policy":
        return "genesys", "PATCH", f"/api/v2/recording/mediaretentionpolicies/{target}"
    if kind == "cxone_skill":
        return "cxone", "PUT", f"/incontactapi/services/v30.0/skills/{target}"
    raise ValueError(f"unknown mitigation kind {kind!r}")


class ApiPlatformWriter:
    """Both vendors through ``ingestion.http.ApiClient`` (token cache, limiter, bounded retries)."""

    def __init__(self, env: Mapping[str, str] | None = None, *, max_attempts: int = 4) -> None:
        from ingestion.http import (
            ApiClient,
            CxonePasswordGrant,
            GenesysClientCredentials,
            RetryPolicy,
            TokenBucket,
        )

        env = dict(env if env is not None else os.environ)
        retry = RetryPolicy(max_attempts=max_attempts, backoff_max=5.0, timeout=15.0)
        self._clients: dict[str, Any] = {}
        if env.get("GENESYS_API_BASE") and env.get("GENESYS_CLIENT_ID"):
            auth = GenesysClientCredentials(
                env.get("GENESYS_LOGIN_BASE") or env["GENESYS_API_BASE"],
                env["GENESYS_CLIENT_ID"],
                env.get("GENESYS_CLIENT_SECRET", ""),
            )
            self._clients["genesys"] = ApiClient(
                "genesys", env["GENESYS_API_BASE"], auth, TokenBucket(120), retry
            )
        if env.get("CXONE_API_BASE") and env.get("CXONE_ACCESS_KEY_ID"):
            auth = CxonePasswordGrant(
                env.get("CXONE_AUTH_BASE") or env["CXONE_API_BASE"],
                env["CXONE_ACCESS_KEY_ID"],
                env.get("CXONE_ACCESS_KEY_SECRET", ""),
                env.get("CXONE_CLIENT_ID", ""),
                env.get("CXONE_CLIENT_SECRET", ""),
            )
            self._clients["cxone"] = ApiClient("cxone", env["CXONE_API_BASE"], auth, TokenBucket(120), retry)

    def _client(self, platform: str) -> Any:
        try:
            return self._clients[platform]
        except KeyError:
            prefix = platform.upper()
            raise RuntimeError(
                f"no {platform} API configured: set {prefix}_API_BASE and its credentials"
            ) from None

    def read(self, platform: str, path: str) -> dict[str, Any]:
        """GET one resource."""
        return self._client(platform).get_json(path) or {}

    def write(self, platform: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT/PATCH one resource with a JSON body."""
        resp = self._client(platform).request(method, path, json=body)
        return resp.json() if resp.content else {}

    def close(self) -> None:
        """Close the HTTP pools."""
        for client in self._clients.values():
            client.close()
