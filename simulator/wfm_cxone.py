"""CXone agent state history (Reporting API ``/agents/state-history``) derived from the contacts.

Per agent and day: the union of the agent's contact spans (routing start → after-call work end) are
``InboundContact`` / ``OutboundContact`` states carrying the skill of the span's first contact;
each is preceded by an ``Available`` state of ``busy x (1 / occ - 1)`` seconds (at most the gap since
the agent's previous span), with one occupancy target ``occ`` per agent and day drawn in
[0.70, 0.90] from the seed - the same model as the Genesys routing status (simulator/wfm_gen.py).
State ids / names are (constructed): 1 Available, 3 InboundContact, 4 OutboundContact.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np

from simulator.cxone_gen import CxoneDay
from simulator.genesys_api import parse_ts
from simulator.genesys_gen import DAY_MS, iso_ms
from simulator.http import ApiError, Request, Response, json_response
from simulator.state import SimState
from simulator.wfm_gen import OCCUPANCY_HIGH, OCCUPANCY_LOW

AVAILABLE, INBOUND, OUTBOUND = (1, "Available"), (3, "InboundContact"), (4, "OutboundContact")


@dataclass
class StateRows:
    """One day's state rows (column arrays, ordered by start)."""

    agent: np.ndarray  # CXone agent id
    start_ms: np.ndarray  # epoch ms
    duration_s: np.ndarray
    state: np.ndarray  # 1 | 3 | 4
    skill_pos: np.ndarray  # index into org skills, -1 none


def cxone_states(day: CxoneDay, seed: int) -> StateRows:
    """The day's agent states from its contacts."""
    handled = day.agent > 0
    busy_start = day.start + (day.pre_q + day.in_q) * 1000
    busy_end = busy_start + (day.agent_s + day.hold_s + day.acw_s) * 1000
    idx = np.nonzero(handled)[0]
    order = idx[np.lexsort((busy_start[idx], day.agent[idx]))]
    rng = np.random.default_rng([seed, day.day.toordinal(), 94])
    targets: dict[int, float] = {}
    rows: list[tuple[int, int, int, int, int]] = []
    cur: list[int] | None = None  # agent, start, end, state, skill
    prev_end: dict[int, int] = {}

    def flush(c: list[int]) -> None:
        a, s, e, st, sk = c
        occ = targets.setdefault(a, float(rng.uniform(OCCUPANCY_LOW, OCCUPANCY_HIGH)))
        busy_s = (e - s) // 1000
        idle_s = min(int(round(busy_s * (1 / occ - 1))), (s - prev_end.get(a, 0)) // 1000)
        if idle_s > 0:
            rows.append((a, s - idle_s * 1000, idle_s, AVAILABLE[0], -1))
        rows.append((a, s, busy_s, st, sk))
        prev_end[a] = s + busy_s * 1000

    for r in order.tolist():
        a, s, e = int(day.agent[r]), int(busy_start[r]), int(busy_end[r])
        state = OUTBOUND[0] if bool(day.outbound[r]) else INBOUND[0]
        if cur is not None and cur[0] == a and s <= cur[2]:
            cur[2] = max(cur[2], e)
            continue
        if cur is not None:
            flush(cur)
        cur = [a, s, e, state, int(day.skill[r])]
    if cur is not None:
        flush(cur)
    rows.sort(key=lambda x: (x[1], x[0]))
    arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return StateRows(arr[:, 0], day.base_ms + arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4])


def _iso_duration(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + f"{s}S"


class CxoneStateApi:
    """``GET /incontactapi/services/v{N}.0/agents/state-history`` (skip/top, ``_links.next``, 204)."""

    def __init__(self, state: SimState) -> None:
        self.s = state
        self._lock = threading.Lock()
        self._days: dict[date, StateRows] = {}

    def day_states(self, d: date) -> StateRows:
        with self._lock:
            hit = self._days.get(d)
        if hit is None:
            hit = cxone_states(self.s.cxone_day(d), self.s.seed)
            with self._lock:
                self._days[d] = hit
        return hit

    def _selected(self, start: int, end: int) -> list[tuple[StateRows, np.ndarray]]:
        now = self.s.clock.now_ms()
        out = []
        for d in self.s.days_between(start, end):
            st = self.day_states(d)
            keep = (st.start_ms >= start) & (st.start_ms < end) & (st.start_ms + st.duration_s * 1000 <= now)
            out.append((st, np.nonzero(keep)[0]))
        return out

    def state_history(self, req: Request) -> Response:
        if getattr(self.s.faults, "agent_status_forbidden", False):
            raise ApiError(
                403, "Forbidden", "The user does not have the Reporting > Agent State History permission"
            )
        q = req.query
        if "startDate" not in q or "endDate" not in q:
            raise ApiError(400, "InvalidParameter", "startDate and endDate are required")
        start, end = parse_ts(q["startDate"], "startDate"), parse_ts(q["endDate"], "endDate")
        if end <= start or end - start > 31 * DAY_MS:
            raise ApiError(400, "InvalidDateRange", "endDate must be after startDate and within 31 days")
        try:
            skip, top = int(q.get("skip", 0)), int(q.get("top", 1000))
        except ValueError as exc:
            raise ApiError(400, "InvalidParameter", "skip and top must be integers") from exc
        if skip < 0 or not 1 <= top <= 10000:
            raise ApiError(400, "InvalidParameter", "skip must be >= 0 and top within 1..10000")
        sel = self._selected(start, end)
        total = sum(len(ix) for _, ix in sel)
        if total == 0 or skip >= total:
            return Response(204, b"", None)
        skills = self.s.org.cxone.skills
        out: list[dict[str, Any]] = []
        pos = 0
        for st, ix in sel:
            a, b = max(skip - pos, 0), min(skip + top - pos, len(ix))
            for k, i in enumerate(ix[a:b].tolist()):
                state = int(st.state[i])
                name = {1: AVAILABLE[1], 3: INBOUND[1], 4: OUTBOUND[1]}[state]
                sk = int(st.skill_pos[i])
                out.append(
                    {
                        "stateIndex": pos + a + k,
                        "startDate": iso_ms(int(st.start_ms[i])),
                        "agentId": int(st.agent[i]),
                        "agentStateId": state,
                        "agentStateName": name,
                        "skillId": int(skills[sk]["id"]) if sk >= 0 else 0,
                        "skillName": skills[sk]["name"] if sk >= 0 else "",
                        "duration": _iso_duration(int(st.duration_s[i])),
                        "isOutbound": state == OUTBOUND[0],
                    }
                )
            pos += len(ix)
        base = f"{req.base_url}{req.path}"

        def link(sk: int) -> str:
            return f"{base}?{urlencode({**q, 'skip': sk, 'top': top})}"

        return json_response(
            {
                "totalRecords": total,
                "businessUnitId": self.s.org.cxone.business_unit_id,
                "lastPollTime": iso_ms(self.s.clock.now_ms()),
                "_links": {
                    "self": link(skip),
                    "next": link(skip + top) if skip + top < total else None,
                    "previous": link(max(0, skip - top)) if skip > 0 else None,
                },
                "agentStateHistory": out,
            }
        )

    def truth(self, start: date, end: date) -> dict[str, Any]:
        """Per skill: contact-state seconds and Available seconds attributed pro rata (as dbt does)."""
        s_ms = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
        e_ms = int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp() * 1000)
        skills = self.s.org.cxone.skills
        busy: dict[str, float] = {}
        idle: dict[str, float] = {}
        for st, ix in self._selected(s_ms, e_ms):
            per_agent: dict[int, dict[int, int]] = {}
            avail: dict[int, int] = {}
            day_of = (st.start_ms // DAY_MS)[ix]
            for i, dd in zip(ix.tolist(), day_of.tolist(), strict=True):
                a = int(st.agent[i])
                key = a * 100_000 + int(dd)
                if int(st.state[i]) == AVAILABLE[0]:
                    avail[key] = avail.get(key, 0) + int(st.duration_s[i])
                else:
                    by = per_agent.setdefault(key, {})
                    by[int(st.skill_pos[i])] = by.get(int(st.skill_pos[i]), 0) + int(st.duration_s[i])
            for key, by in per_agent.items():
                tot = sum(by.values())
                for sk, sec in by.items():
                    sid = str(skills[sk]["id"])
                    busy[sid] = busy.get(sid, 0) + sec
                    idle[sid] = idle.get(sid, 0) + avail.get(key, 0) * sec / tot
        return {
            sid: {
                "interacting_s": busy[sid],
                "available_s": idle[sid],
                "occupancy": busy[sid] / (busy[sid] + idle[sid]),
            }
            for sid in busy
        }


def cxone_state_routes(api: CxoneStateApi, cx: str, ctl: str) -> list[tuple[str, str, str, Any, bool]]:
    """Route-table rows for the server."""

    def ground_truth(req: Request) -> Response:
        try:
            start = date.fromisoformat(req.query["start"])
            end = date.fromisoformat(req.query["end"])
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "bad.request", "start and end (YYYY-MM-DD) are required") from exc
        return json_response(api.truth(start, end))

    return [
        (
            "GET",
            r"/incontactapi/services/v(?P<version>\d+)\.0/agents/state-history",
            cx,
            api.state_history,
            True,
        ),
        ("GET", "/_sim/cxone-state-ground-truth", ctl, ground_truth, False),
    ]
