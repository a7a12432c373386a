"""Genesys WFM endpoints: business units, planning groups, short-term forecasts, user routing-status
aggregates and queue members (shapes from the vendor SDK models; see CONTRACTS.md, WFM sources).

Fault knobs: ``wfm_forbidden`` (WFM endpoints answer 403 ``missing.permissions``, as without a WFM
licence/permission) and ``agent_status_forbidden`` (the users aggregates query answers 403).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from simulator.genesys_api import parse_granularity, parse_interval
from simulator.genesys_gen import DAY_MS, iso_ms
from simulator.http import ApiError, Request, Response, json_response
from simulator.state import SimState
from simulator.wfm_gen import (
    BUCKET_MS,
    BUSINESS_UNIT_ID,
    BUSINESS_UNIT_NAME,
    StatusDay,
    WeekForecast,
    forecast_id,
    genesys_status_day,
    planning_group_id,
    queue_members,
    week_days,
    week_forecast,
)

WFM = "/api/v2/workforcemanagement/businessunits"
MEMBERS_MAX_PAGE = 100


def _forbidden(permission: str) -> ApiError:
    return ApiError(
        403,
        "missing.permissions",
        f"You are missing the following permission(s): [{permission}]",
    )


class WfmApi:
    """Handlers; generated status days and week forecasts are cached per date."""

    def __init__(self, state: SimState) -> None:
        self.s = state
        self._lock = threading.Lock()
        self._status: dict[date, StatusDay] = {}
        self._forecasts: dict[date, WeekForecast] = {}

    # ---- data (also used by the ground truth)
    def status_day(self, d: date) -> StatusDay:
        with self._lock:
            hit = self._status.get(d)
        if hit is None:
            hit = genesys_status_day(self.s.org.genesys, self.s.genesys_day(d), self.s.seed)
            with self._lock:
                self._status[d] = hit
        return hit

    def forecast(self, week: date) -> WeekForecast:
        with self._lock:
            hit = self._forecasts.get(week)
        if hit is None:
            days = [self.s.genesys_day(d) for d in week_days(week)]
            hit = week_forecast(self.s.org.genesys, self.s.seed, week, days)
            with self._lock:
                self._forecasts[week] = hit
        return hit

    def _check_wfm(self) -> None:
        if getattr(self.s.faults, "wfm_forbidden", False):
            raise _forbidden("wfm:shortTermForecast:view")

    def _bu(self, req: Request) -> None:
        if req.params.get("bu") != BUSINESS_UNIT_ID:
            raise ApiError(404, "not.found", f"Business unit {req.params.get('bu')} not found")

    @staticmethod
    def _week(value: str | None) -> date:
        try:
            week = date.fromisoformat(value or "")
        except ValueError as exc:
            raise ApiError(400, "invalid.date", f"weekDateId: {value!r} is not yyyy-MM-dd") from exc
        if week.weekday() != 0:
            raise ApiError(
                400, "bad.request", f"weekDateId {week} is not the business unit's start day (Monday)"
            )
        return week

    # ---- WFM
    def business_units(self, req: Request) -> Response:
        self._check_wfm()
        division = {"id": self.s.org.genesys.division_id}
        return json_response(
            {
                "entities": [
                    {
                        "id": BUSINESS_UNIT_ID,
                        "name": BUSINESS_UNIT_NAME,
                        "authorized": True,
                        "division": division,
                        "selfUri": f"{WFM}/{BUSINESS_UNIT_ID}",
                    }
                ]
            }
        )

    def planning_groups(self, req: Request) -> Response:
        self._check_wfm()
        self._bu(req)
        entities = [
            {
                "id": planning_group_id(q.id),
                "name": q.name,
                "routePaths": [{"queue": {"id": q.id}}],
                "selfUri": f"{WFM}/{BUSINESS_UNIT_ID}/planninggroups/{planning_group_id(q.id)}",
            }
            for q in self.s.org.genesys.queues
        ]
        return json_response({"entities": entities})

    def forecasts(self, req: Request) -> Response:
        self._check_wfm()
        self._bu(req)
        week = self._week(req.params.get("week"))
        fid = forecast_id(week)
        return json_response(
            {
                "entities": [
                    {
                        "id": fid,
                        "weekDate": week.isoformat(),
                        "weekCount": 1,
                        "creationMethod": "Generated",
                        "description": f"ccfinops simulator forecast {week}",
                        "canUseForScheduling": True,
                        "selfUri": f"{WFM}/{BUSINESS_UNIT_ID}/weeks/{week}/shorttermforecasts/{fid}",
                    }
                ]
            }
        )

    def forecast_data(self, req: Request) -> Response:
        self._check_wfm()
        self._bu(req)
        week = self._week(req.params.get("week"))
        if req.params.get("fid") != forecast_id(week):
            raise ApiError(404, "not.found", f"Forecast {req.params.get('fid')} not found for week {week}")
        fc = self.forecast(week)
        groups = [
            {
                "planningGroupId": planning_group_id(q.id),
                "offeredPerInterval": [round(float(v), 4) for v in fc.offered[q.id]],
                "averageHandleTimeSecondsPerInterval": [round(float(v), 4) for v in fc.aht_s[q.id]],
            }
            for q in self.s.org.genesys.queues
        ]
        start = datetime(week.year, week.month, week.day, tzinfo=UTC)
        return json_response(
            {
                "result": {
                    "referenceStartDate": iso_ms(int(start.timestamp() * 1000)),
                    "planningGroups": groups,
                    "weekNumber": 1,
                    "weekCount": 1,
                }
            }
        )

    # ---- queue members
    def members(self, req: Request) -> Response:
        org = self.s.org.genesys
        qid = req.params.get("id")
        members = queue_members(org)
        if qid not in members:
            raise ApiError(404, "not.found", f"Queue {qid} not found")
        try:
            size = int(req.query.get("pageSize", "25"))
            number = int(req.query.get("pageNumber", "1"))
        except ValueError as exc:
            raise ApiError(400, "invalid.value", "pageSize and pageNumber must be integers") from exc
        if not 1 <= size <= MEMBERS_MAX_PAGE or number < 1:
            raise ApiError(400, "invalid.value", f"pageSize must be 1..{MEMBERS_MAX_PAGE}, pageNumber >= 1")
        ids = members[qid]
        page = ids[(number - 1) * size : number * size]
        base = f"/api/v2/routing/queues/{qid}/members?pageSize={size}"
        body: dict[str, Any] = {
            "entities": [
                {
                    "id": org.agent_ids[a],
                    "name": f"Agent {a + 1:03d}",
                    "user": {"id": org.agent_ids[a], "name": f"Agent {a + 1:03d}"},
                    "ringNumber": 1,
                    "joined": True,
                    "memberBy": "user",
                }
                for a in page
            ],
            "pageNumber": number,
            "pageSize": size,
            "firstUri": f"{base}&pageNumber=1",
            "selfUri": f"{base}&pageNumber={number}",
        }
        if number * size < len(ids):
            body["nextUri"] = f"{base}&pageNumber={number + 1}"
        return json_response(body)

    def queues(self, req: Request) -> Response:
        """``GET /api/v2/routing/queues`` (QueueEntityListing, page-number paging)."""
        org = self.s.org.genesys
        try:
            size = int(req.query.get("pageSize", "25"))
            number = int(req.query.get("pageNumber", "1"))
        except ValueError as exc:
            raise ApiError(400, "invalid.value", "pageSize and pageNumber must be integers") from exc
        if not 1 <= size <= 500 or number < 1:
            raise ApiError(400, "invalid.value", "pageSize must be 1..500, pageNumber >= 1")
        queues = org.queues
        page = queues[(number - 1) * size : number * size]
        base = f"/api/v2/routing/queues?pageSize={size}"
        body: dict[str, Any] = {
            "entities": [{"id": q.id, "name": q.name, "division": {"id": org.division_id}} for q in page],
            "pageSize": size,
            "pageNumber": number,
            "total": len(queues),
            "pageCount": -(-len(queues) // size),
            "firstUri": f"{base}&pageNumber=1",
            "selfUri": f"{base}&pageNumber={number}",
        }
        if number * size < len(queues):
            body["nextUri"] = f"{base}&pageNumber={number + 1}"
        return json_response(body)

    # ---- users aggregates (routing status)
    def users_aggregates(self, req: Request) -> Response:
        if getattr(self.s.faults, "agent_status_forbidden", False):
            raise _forbidden("analytics:userAggregate:view")
        body = req.json()
        start, end = parse_interval(body.get("interval"))
        gran = parse_granularity(body["granularity"]) if body.get("granularity") else end - start
        if gran % BUCKET_MS or start % BUCKET_MS or end % BUCKET_MS:
            raise ApiError(400, "bad.request", "interval and granularity must align to 30 minutes here")
        metrics = body.get("metrics") or []
        if metrics != ["tAgentRoutingStatus"] and set(metrics) - {
            "tAgentRoutingStatus",
            "tOrganizationPresence",
        }:
            raise ApiError(
                400, "invalid.value", f"unsupported metrics {metrics}; supported: tAgentRoutingStatus"
            )
        org = self.s.org.genesys
        now = self.s.clock.now_ms()
        stop = min(end, now - now % BUCKET_MS)
        n_out = max(0, -(-(stop - start) // gran)) if stop > start else 0
        inter = np.zeros((org.agents, n_out), dtype=np.int64)
        idle = np.zeros((org.agents, n_out), dtype=np.int64)
        d = datetime.fromtimestamp(start / 1000, UTC).date()
        while n_out and (d_ms := int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)) < stop:
            sd = self.status_day(d)
            bstart = d_ms + np.arange(sd.interacting.shape[1]) * BUCKET_MS
            keep = (bstart >= start) & (bstart < stop)
            out_ix = ((bstart - start) // gran)[keep]
            for arr, src in ((inter, sd.interacting), (idle, sd.idle)):
                np.add.at(arr.T, out_ix, src[:, keep].T)
            d += timedelta(days=1)
        results = []
        for a, uid in enumerate(org.agent_ids):
            data = []
            for k in range(n_out):
                ms = []
                for qual, arr in (("INTERACTING", inter), ("IDLE", idle)):
                    if arr[a, k]:
                        ms.append(
                            {
                                "metric": "tAgentRoutingStatus",
                                "qualifier": qual,
                                "stats": {"sum": int(arr[a, k]), "count": 1},
                            }
                        )
                if ms:
                    s_ms = start + k * gran
                    data.append(
                        {"interval": f"{iso_ms(s_ms)}/{iso_ms(min(s_ms + gran, end))}", "metrics": ms}
                    )
            if data:
                results.append({"group": {"userId": uid}, "data": data})
        return json_response({"results": results} if results else {})

    # ---- ground truth (simulator control)
    def truth(self, start: date, end: date) -> dict[str, Any]:
        """Per queue: forecast offered / AHT (weeks touched), members' interacting and idle ms."""
        org = self.s.org.genesys
        members = queue_members(org)
        inter = np.zeros(org.agents, dtype=np.int64)
        idle = np.zeros(org.agents, dtype=np.int64)
        d = start
        while d < end:
            sd = self.status_day(d)
            inter += sd.interacting.sum(axis=1)
            idle += sd.idle.sum(axis=1)
            d += timedelta(days=1)
        week = start - timedelta(days=start.weekday())
        weeks: dict[str, Any] = {}
        while week < end:
            fc = self.forecast(week)
            weeks[week.isoformat()] = {
                q.id: {
                    "forecast_offered": float(fc.offered[q.id].sum()),
                    "forecast_aht_s": (
                        float((fc.offered[q.id] * fc.aht_s[q.id]).sum() / fc.offered[q.id].sum())
                        if fc.offered[q.id].sum()
                        else None
                    ),
                }
                for q in org.queues
            }
            week += timedelta(days=7)
        queues = {}
        for qid, agents in members.items():
            i, s = int(inter[agents].sum()), int(idle[agents].sum())
            queues[qid] = {
                "members": len(agents),
                "interacting_ms": i,
                "idle_ms": s,
                "occupancy": (i / (i + s)) if (i + s) else None,
            }
        return {
            "business_unit_id": BUSINESS_UNIT_ID,
            "queues": queues,
            "forecast_weeks": weeks,
            "day_ms": DAY_MS,
        }


def wfm_routes(api: WfmApi, gen: str, ctl: str) -> list[tuple[str, str, str, Any, bool]]:
    """Route-table rows for the server (method, path regex, platform, handler, needs auth)."""
    bu = r"(?P<bu>[0-9A-Za-z-]+)"
    week = r"(?P<week>[0-9-]+)"

    def ground_truth(req: Request) -> Response:
        try:
            start = date.fromisoformat(req.query["start"])
            end = date.fromisoformat(req.query["end"])
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "bad.request", "start and end (YYYY-MM-DD) are required") from exc
        return json_response(api.truth(start, end))

    return [
        ("GET", WFM, gen, api.business_units, True),
        ("GET", f"{WFM}/{bu}/planninggroups", gen, api.planning_groups, True),
        ("GET", f"{WFM}/{bu}/weeks/{week}/shorttermforecasts", gen, api.forecasts, True),
        (
            "GET",
            f"{WFM}/{bu}/weeks/{week}/shorttermforecasts/(?P<fid>[0-9A-Za-z-]+)/data",
            gen,
            api.forecast_data,
            True,
        ),
        ("GET", "/api/v2/routing/queues", gen, api.queues, True),
        ("GET", r"/api/v2/routing/queues/(?P<id>[^/]+)/members", gen, api.members, True),
        ("POST", "/api/v2/analytics/users/aggregates/query", gen, api.users_aggregates, True),
        ("GET", "/_sim/wfm-ground-truth", ctl, ground_truth, False),
    ]
