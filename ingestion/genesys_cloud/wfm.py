"""Auxiliary Genesys resources for the weekly WFM review: short-term forecasts, agent routing status,
queue membership, and whether each could be read.

Every resource is auxiliary: a 403/404 (no WFM licence, missing permission) logs one warning naming
the endpoint and the permission, records ``unavailable`` in ``wfm_source_status`` and yields nothing;
the run continues. Any other error propagates as for the core resources.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.http import ApiClient
from ingestion.http.errors import ApiError

log = logging.getLogger(__name__)

_TSA = pa.timestamp("us", tz="UTC")
FORECAST_SCHEMA = pa.schema(
    [
        ("forecast_id", pa.string()),
        ("business_unit_id", pa.string()),
        ("week_date", pa.date32()),
        ("planning_group_id", pa.string()),
        ("interval_start", _TSA),
        ("interval_end", _TSA),
        ("offered", pa.float64()),
        ("average_handle_time_seconds", pa.float64()),
    ]
)
USER_STATUS_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("interval_start", _TSA),
        ("interval_end", _TSA),
        ("routing_status", pa.string()),
        ("duration_ms", pa.int64()),
    ]
)

WFM_BU_PATH = "/api/v2/workforcemanagement/businessunits"
USERS_AGGREGATES_PATH = "/api/v2/analytics/users/aggregates/query"
QUEUES_PATH = "/api/v2/routing/queues"
STATUS_GRANULARITY = "PT30M"
STATUS_WINDOW_DAYS = 7
MEMBERS_PAGE_SIZE = 100

FORECAST_TABLE = "genesys_wfm_forecast_intervals"
PLANNING_GROUPS_TABLE = "genesys_wfm_planning_groups"
USER_STATUS_TABLE = "genesys_user_status_intervals"
QUEUE_MEMBERS_TABLE = "genesys_queue_members"
STATUS_TABLE = "wfm_source_status"

PERMISSIONS = {
    "forecast": f"wfm:shortTermForecast:view (GET {WFM_BU_PATH}/…/shorttermforecasts)",
    "agent_status": f"analytics:userAggregate:view (POST {USERS_AGGREGATES_PATH})",
    "queue_members": f"routing:queue:view (GET {QUEUES_PATH}/{{queueId}}/members)",
}
AUXILIARY_STATUSES = (403, 404)


def _tsh() -> dict[str, Any]:
    """A fresh timestamp hint (dlt writes the column name into the dict it is given)."""
    return {"data_type": "timestamp", "timezone": True}


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _status_row(resource: str, available: bool, reason: str | None) -> dict[str, Any]:
    return {
        "platform": "genesys",
        "resource": resource,
        "status": "available" if available else "unavailable",
        "reason": reason,
        "checked_at": datetime.now(UTC),
    }


def _status_resource(rows: list[dict[str, Any]]) -> Any:
    return dlt.mark.with_hints(
        rows,
        dlt.mark.make_hints(
            table_name=STATUS_TABLE,
            primary_key=["platform", "resource"],
            write_disposition="merge",
            columns={"checked_at": _tsh(), "reason": {"data_type": "text"}},
        ),
        create_table_variant=True,
    )


def _guard(resource: str, pull: Callable[[], Iterator[Any]]) -> Iterator[Any]:
    """Run ``pull``; a 403/404 becomes one warning and an ``unavailable`` status row."""
    try:
        yield from pull()
    except ApiError as exc:
        if exc.status not in AUXILIARY_STATUSES:
            raise
        log.warning(
            "genesys %s unavailable (HTTP %s at %s): needs %s; continuing without it",
            resource,
            exc.status,
            exc.url,
            PERMISSIONS[resource],
        )
        yield _status_resource([_status_row(resource, False, f"HTTP {exc.status}: {exc.vendor_message}")])
        return
    yield _status_resource([_status_row(resource, True, None)])


def mondays(start: datetime, end: datetime) -> list[date]:
    """Mondays of every week touched by [start, end)."""
    first = start.date() - timedelta(days=start.weekday())
    out = []
    while datetime(first.year, first.month, first.day, tzinfo=UTC) < end:
        out.append(first)
        first += timedelta(days=7)
    return out


def forecast_rows(api: ApiClient, start: datetime, end: datetime) -> Iterator[Any]:
    """Planning groups (→ queues) and 15-minute forecast intervals of every week touched."""
    units = api.get_json(WFM_BU_PATH).get("entities") or []
    for unit in units:
        bu = unit["id"]
        groups = api.get_json(f"{WFM_BU_PATH}/{bu}/planninggroups").get("entities") or []
        pg_rows = [
            {
                "business_unit_id": bu,
                "planning_group_id": g["id"],
                "name": g.get("name"),
                "queue_id": (path.get("queue") or {}).get("id"),
            }
            for g in groups
            for path in (g.get("routePaths") or [])
            if (path.get("queue") or {}).get("id")
        ]
        if pg_rows:
            yield dlt.mark.with_table_name(pg_rows, PLANNING_GROUPS_TABLE)
        for week in mondays(start, end + timedelta(days=7)):  # + the coming week (what shifts plan for)
            listing = (
                api.get_json(f"{WFM_BU_PATH}/{bu}/weeks/{week}/shorttermforecasts").get("entities") or []
            )
            usable = [f for f in listing if f.get("canUseForScheduling", True)] or listing
            if not usable:
                continue
            fid = usable[0]["id"]
            data = api.get_json(f"{WFM_BU_PATH}/{bu}/weeks/{week}/shorttermforecasts/{fid}/data")
            result = data.get("result")
            if result is None and data.get("downloadUrl"):
                result = api.get_json(data["downloadUrl"])
            if not result:
                continue
            ref = _ts(result["referenceStartDate"])
            rows = []
            for pg in result.get("planningGroups") or []:
                offered = pg.get("offeredPerInterval") or []
                aht = pg.get("averageHandleTimeSecondsPerInterval") or []
                for i, (o, a) in enumerate(zip(offered, aht, strict=False)):
                    at = ref + timedelta(minutes=15 * i)
                    rows.append(
                        {
                            "forecast_id": fid,
                            "business_unit_id": bu,
                            "week_date": week,
                            "planning_group_id": pg["planningGroupId"],
                            "interval_start": at,
                            "interval_end": at + timedelta(minutes=15),
                            "offered": float(o),
                            "average_handle_time_seconds": float(a),
                        }
                    )
            if rows:  # an Arrow table: dlt loads it ~30x faster than row dicts (stack notes)
                yield dlt.mark.with_table_name(
                    pa.Table.from_pylist(rows, schema=FORECAST_SCHEMA), FORECAST_TABLE
                )


def status_rows(api: ApiClient, start: datetime, end: datetime) -> Iterator[Any]:
    """INTERACTING / IDLE / … milliseconds per user and 30-minute interval (≤ 7-day queries).

    The pull is widened to whole 30-minute buckets (the trailing window may start mid-bucket).
    """
    at = start.replace(minute=start.minute - start.minute % 30, second=0, microsecond=0)
    end = (
        end
        if end == end.replace(minute=end.minute - end.minute % 30, second=0, microsecond=0)
        else (
            end.replace(minute=end.minute - end.minute % 30, second=0, microsecond=0) + timedelta(minutes=30)
        )
    )
    while at < end:
        stop = min(end, at + timedelta(days=STATUS_WINDOW_DAYS))
        body = {
            "interval": f"{at.strftime('%Y-%m-%dT%H:%M:%S.000Z')}/{stop.strftime('%Y-%m-%dT%H:%M:%S.000Z')}",
            "granularity": STATUS_GRANULARITY,
            "groupBy": ["userId"],
            "metrics": ["tAgentRoutingStatus"],
        }
        cols: dict[str, list[Any]] = {name: [] for name in USER_STATUS_SCHEMA.names}
        stamps: dict[str, datetime] = {}
        for result in (api.post_json(USERS_AGGREGATES_PATH, body) or {}).get("results") or []:
            user = (result.get("group") or {}).get("userId")
            group_status = (result.get("group") or {}).get("routingStatus")
            for data in result.get("data") or []:
                s, e = data["interval"].split("/", 1)
                for m in data.get("metrics") or []:
                    status = m.get("qualifier") or group_status
                    if m.get("metric") != "tAgentRoutingStatus" or not status or user is None:
                        continue
                    cols["user_id"].append(user)
                    cols["interval_start"].append(stamps.get(s) or stamps.setdefault(s, _ts(s)))
                    cols["interval_end"].append(stamps.get(e) or stamps.setdefault(e, _ts(e)))
                    cols["routing_status"].append(status.upper())
                    cols["duration_ms"].append(int((m.get("stats") or {}).get("sum") or 0))
        if cols["user_id"]:  # an Arrow table: ~100 k rows a week at 150 agents
            yield pa.Table.from_pydict(cols, schema=USER_STATUS_SCHEMA)
        at = stop


def member_rows(api: ApiClient, queue_ids: list[str]) -> Iterator[Any]:
    """User ids of each queue's members (``nextUri`` paging)."""
    now = datetime.now(UTC)
    for qid in queue_ids:
        page = 1
        while True:
            params = {"pageSize": MEMBERS_PAGE_SIZE, "pageNumber": page}
            body = api.get_json(f"{QUEUES_PATH}/{qid}/members", params=params) or {}
            rows = [
                {
                    "queue_id": qid,
                    "user_id": (m.get("user") or {}).get("id") or m.get("id"),
                    "joined": bool(m.get("joined", True)),
                    "loaded_at": now,
                }
                for m in body.get("entities") or []
                if m.get("memberBy", "user") == "user"
            ]
            if rows:
                yield rows
            if not body.get("nextUri"):
                break
            page += 1


def wfm_resources(
    api: ApiClient, start: datetime, end: datetime, queue_ids: Callable[[], list[str]]
) -> tuple[DltResource, ...]:
    """The auxiliary WFM resources of the ``genesys_cloud`` source.

    ``queue_ids`` lists the queues whose members to read (called inside the guarded resource).
    """

    @dlt.resource(name="wfm_forecasts", write_disposition="merge")
    def wfm_forecasts() -> Iterator[Any]:
        yield from _guard("forecast", lambda: _hinted_forecasts(api, start, end))

    @dlt.resource(name="wfm_agent_status", write_disposition="merge")
    def user_status() -> Iterator[Any]:
        pull = lambda: _hinted(USER_STATUS_TABLE, status_rows(api, start, end))  # noqa: E731
        yield from _guard("agent_status", pull)

    @dlt.resource(name="wfm_queue_members", write_disposition="merge")
    def queue_members() -> Iterator[Any]:
        yield from _guard(
            "queue_members", lambda: _hinted(QUEUE_MEMBERS_TABLE, member_rows(api, queue_ids()))
        )

    return wfm_forecasts, user_status, queue_members


HINTS: dict[str, tuple[list[str], dict[str, Any] | None]] = {
    PLANNING_GROUPS_TABLE: (["planning_group_id", "queue_id"], None),
    FORECAST_TABLE: (
        ["forecast_id", "planning_group_id", "interval_start"],
        {"interval_start": _tsh(), "interval_end": _tsh(), "week_date": {"data_type": "date"}},
    ),
    USER_STATUS_TABLE: (
        ["user_id", "interval_start", "routing_status"],
        {"interval_start": _tsh(), "interval_end": _tsh(), "duration_ms": {"data_type": "bigint"}},
    ),
    QUEUE_MEMBERS_TABLE: (["queue_id", "user_id"], {"loaded_at": _tsh()}),
}


def _hinted(table: str, items: Iterator[Any]) -> Iterator[Any]:
    pk, cols = HINTS[table]
    for rows in items:
        yield dlt.mark.with_hints(
            rows,
            dlt.mark.make_hints(table_name=table, primary_key=pk, write_disposition="merge", columns=cols),
            create_table_variant=True,
        )


def _hinted_forecasts(api: ApiClient, start: datetime, end: datetime) -> Iterator[Any]:
    for item in forecast_rows(api, start, end):
        yield from _hinted(item.meta.table_name, iter([item.data]))


def default_queue_ids(api: ApiClient) -> list[str]:
    """Every routing queue (``GET /api/v2/routing/queues``, page-number paging)."""
    ids: list[str] = []
    page = 1
    while True:
        body = api.get_json(QUEUES_PATH, params={"pageSize": MEMBERS_PAGE_SIZE, "pageNumber": page}) or {}
        ids.extend(q["id"] for q in body.get("entities") or [] if q.get("id") and q["id"] not in ids)
        if not body.get("nextUri"):
            return ids
        page += 1
