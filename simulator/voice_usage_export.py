"""Stand-in for a user exporting the Cloud Voice usage CSV from the Genesys admin UI.

The product never requests this report (it has no public API); the demo and the tests download it
from the simulator here and load it through ``ccfinops ingest voice-usage`` / ``load_voice_usage_file``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx

CSV_PATH = "/api/v2/ccfinops-sim/voice-usage.csv"
MAX_DAYS = 31


def export_voice_usage(
    base_url: str, client_id: str, client_secret: str, start: date, end: date, dest: Path
) -> Path:
    """Write the CSV for [start, end) to ``dest`` (one header; ≤31-day requests stitched together)."""
    with httpx.Client(base_url=base_url, timeout=60.0) as http:
        token = http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret)
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("wb") as out:
            first = True
            cur = start
            while cur < end:
                nxt = min(end, cur + timedelta(days=MAX_DAYS))
                resp = http.get(
                    CSV_PATH,
                    params={"startDate": cur.isoformat(), "endDate": nxt.isoformat()},
                    headers=headers,
                )
                resp.raise_for_status()
                body = resp.content
                if not first:
                    body = body.split(b"\n", 1)[1] if b"\n" in body else b""
                out.write(body)
                first = False
                cur = nxt
    return dest


def export_from_handle(handle: object, start: date, end: date, dest: Path) -> Path:
    """``export_voice_usage`` with the credentials of a running simulator handle."""
    env = handle.genesys_env()  # type: ignore[attr-defined]
    return export_voice_usage(
        env["GENESYS_API_BASE"], env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"], start, end, dest
    )
