"""Cost-center mappings from a registry service over HTTP (the seed's ``/api/v1/cost-mapping``).

``GET {url}`` must answer JSON: ``{"mappings": [ {platform, key_type, key, ...}, ... ]}`` (a bare
list is accepted too). Numbers are parsed as ``Decimal`` so weights stay exact. Transport errors
and 5xx are retried a bounded number of times, then reported as a ``RegistryIssue``.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from ingestion.registries.errors import RegistryIssue

ATTEMPTS = 3
TIMEOUT_S = 10.0
BACKOFF_S = 0.5


def fetch_mapping_records(url: str) -> tuple[list[Any], bytes, list[RegistryIssue]]:
    """Return ``(records, raw body, issues)``; issues are non-empty when nothing usable came back."""
    import httpx

    last_error = ""
    body = b""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = httpx.get(url, timeout=TIMEOUT_S, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            last_error = f"request failed: {type(exc).__name__}: {exc}"
        else:
            if response.status_code < 500:
                if response.status_code != 200:
                    return [], b"", [_issue(url, f"HTTP {response.status_code}: {response.text[:200]}")]
                body = response.content
                break
            last_error = f"HTTP {response.status_code} after {attempt} attempt(s)"
        if attempt < ATTEMPTS:
            time.sleep(BACKOFF_S * attempt)
    else:
        return [], b"", [_issue(url, last_error)]
    try:
        payload = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        return [], body, [_issue(url, f"response is not JSON: {exc}")]
    records = payload.get("mappings") if isinstance(payload, dict) else payload
    if not isinstance(records, list):
        return [], body, [_issue(url, 'expected {"mappings": [...]} or a JSON list of mapping objects')]
    return records, body, []


def _issue(url: str, message: str) -> RegistryIssue:
    return RegistryIssue(url, 0, "*", message, unit="response")
