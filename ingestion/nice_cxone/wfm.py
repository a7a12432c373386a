"""Auxiliary CXone resource for the weekly WFM review: agent state history (Reporting API).

``GET /incontactapi/services/{version}/agents/state-history`` per day (skip/top, ``_links.next``,
204 = nothing). Auxiliary: a 403/404 (missing Reporting permission) logs one warning naming the
endpoint and the permission, records ``unavailable`` in ``wfm_source_status`` and yields nothing.
CXone exposes no public WFM forecast endpoint (see CONTRACTS.md), so there is no forecast resource.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import orjson
from dlt.sources import DltResource

from ingestion.http import ApiClient
from ingestion.http.errors import ApiError
from ingestion.windows import chunk, iso_z

log = logging.getLogger(__name__)

STATE_HISTORY_PATH = "/incontactapi/services/{version}/agents/state-history"
STATE_TABLE = "cxone_agent_state_history"
STATUS_TABLE = "wfm_source_status"
PERMISSION = "Reporting > Agent State History (GET /incontactapi/services/{version}/agents/state-history)"
AUXILIARY_STATUSES = (403, 404)
PAGE_TOP = 1000

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def duration_seconds(value: Any) -> float:
    """Seconds from an ISO-8601 duration (``PT1M30S``), a ``HH:MM:SS`` string or a number."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    m = _DURATION.match(text)
    if m:
        d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
        return d * 86400 + h * 3600 + mi * 60 + s
    if ":" in text:
        parts = [float(p) for p in text.split(":")]
        return sum(p * 60**i for i, p in enumerate(reversed(parts)))
    return float(text)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def state_pages(
    api: ApiClient, version: str, start: datetime, end: datetime
) -> Iterator[list[dict[str, Any]]]:
    """Flattened state rows of [start, end), one day per request window."""
    for window in chunk(start, end, timedelta(days=1)):
        url: str | None = STATE_HISTORY_PATH.format(version=version)
        params: dict[str, Any] | None = {
            "startDate": iso_z(window.start),
            "endDate": iso_z(window.end),
            "skip": 0,
            "top": PAGE_TOP,
        }
        while url:
            resp = api.request("GET", url, params=params)
            if resp.status_code == 204 or not resp.content:
                break
            body = orjson.loads(resp.content)
            states = body.get("agentStateHistory") or []
            if not states:
                break
            yield [
                {
                    "agent_id": str(r.get("agentId")),
                    "start_date": _ts(r["startDate"]),
                    "agent_state_id": r.get("agentStateId"),
                    "agent_state_name": r.get("agentStateName"),
                    "skill_id": str(r["skillId"]) if r.get("skillId") else None,
                    "duration_seconds": duration_seconds(r.get("duration")),
                    "is_outbound": bool(r.get("isOutbound", False)),
                }
                for r in states
                if r.get("startDate") and r.get("agentId") is not None
            ]
            nxt = (body.get("_links") or {}).get("next")
            url, params = (nxt, None) if nxt else (None, None)


def _hinted(rows: list[dict[str, Any]], table: str, pk: list[str], columns: dict[str, Any]) -> Any:
    hints = dlt.mark.make_hints(table_name=table, primary_key=pk, write_disposition="merge", columns=columns)
    return dlt.mark.with_hints(rows, hints, create_table_variant=True)


def _status(available: bool, reason: str | None) -> Any:
    row = {
        "platform": "cxone",
        "resource": "agent_status",
        "status": "available" if available else "unavailable",
        "reason": reason,
        "checked_at": datetime.now(UTC),
    }
    cols = {"checked_at": {"data_type": "timestamp", "timezone": True}, "reason": {"data_type": "text"}}
    return _hinted([row], STATUS_TABLE, ["platform", "resource"], cols)


def wfm_resources(api: ApiClient, version: str, start: datetime, end: datetime) -> tuple[DltResource, ...]:
    """The auxiliary WFM resources of the ``nice_cxone`` source."""

    @dlt.resource(name="wfm_agent_states", write_disposition="merge")
    def agent_states() -> Iterator[Any]:
        cols = {
            "start_date": {"data_type": "timestamp", "timezone": True},
            "duration_seconds": {"data_type": "double"},
            "agent_state_id": {"data_type": "bigint"},
            "skill_id": {"data_type": "text"},
        }
        try:
            for rows in state_pages(api, version, start, end):
                if rows:
                    yield _hinted(rows, STATE_TABLE, ["agent_id", "start_date"], cols)
        except ApiError as exc:
            if exc.status not in AUXILIARY_STATUSES:
                raise
            log.warning(
                "cxone agent_status unavailable (HTTP %s at %s): needs %s; continuing without it",
                exc.status,
                exc.url,
                PERMISSION.format(version=version),
            )
            yield _status(False, f"HTTP {exc.status}: {exc.vendor_message}")
            return
        yield _status(True, None)

    return (agent_states,)
