"""Genesys Cloud CX endpoints: OAuth, detail jobs, sync query, aggregates, billing, voice CSV."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from simulator.genesys_gen import DAY_MS, MEDIA, GenesysDay, iso_ms
from simulator.genesys_render import ConversationRenderer
from simulator.http import ApiError, Request, Response, json_response
from simulator.org import is_toll_free
from simulator.state import DetailJob, SimState

MAX_INTERVAL_DAYS = 31
INTERVAL_MSG = "You must specify a search interval as part of your query that does not exceed 31 days."


def parse_ts(value: str, field: str) -> int:
    """ISO-8601 timestamp (Z or offset; date-only allowed) → epoch ms; 400 ``invalid.date`` otherwise."""
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise ApiError(400, "invalid.date", f"{field}: cannot parse {value!r} as an ISO-8601 date") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def parse_interval(value: object) -> tuple[int, int]:
    """``"start/end"`` → (start_ms, end_ms) with the 31-day cap."""
    if not isinstance(value, str) or "/" not in value:
        raise ApiError(400, "bad.request", f"interval is required as 'start/end', got {value!r}")
    a, b = value.split("/", 1)
    s, e = parse_ts(a, "interval start"), parse_ts(b, "interval end")
    if e <= s:
        raise ApiError(400, "bad.request", "interval end must be after its start")
    if e - s > MAX_INTERVAL_DAYS * DAY_MS:
        raise ApiError(400, "bad.request", INTERVAL_MSG)
    return s, e


_DUR = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_granularity(value: str) -> int:
    m = _DUR.match(value or "")
    if not m or not any(m.groups()):
        raise ApiError(400, "invalid.value", f"granularity {value!r} is not an ISO-8601 duration like PT30M")
    d, h, mi, s = (int(x or 0) for x in m.groups())
    ms = ((d * 24 + h) * 60 + mi) * 60_000 + s * 1000
    if ms < 60_000:
        raise ApiError(400, "invalid.value", "granularity must be at least one minute")
    return ms


class GenesysApi:
    """Handlers bound to one ``SimState``."""

    def __init__(self, state: SimState) -> None:
        self.s = state
        self.renderer = ConversationRenderer(state.org.genesys)

    # ------------------------------------------------------------------ OAuth
    def token(self, req: Request) -> Response:
        form = req.form()
        if form.get("grant_type") != "client_credentials":
            return json_response(
                {
                    "error": "unsupported_grant_type" if form.get("grant_type") else "invalid_request",
                    "description": "grant_type must be client_credentials",
                },
                400,
            )
        basic = req.basic_auth()
        cid, secret = basic if basic else (form.get("client_id"), form.get("client_secret"))
        if not cid or not secret:
            return json_response(
                {"error": "invalid_request", "description": "client credentials are missing"}, 400
            )
        c = self.s.creds
        if cid != c.genesys_client_id or secret != c.genesys_client_secret:
            return json_response(
                {"error": "invalid_client", "description": "client authentication failed"}, 401
            )
        tok, ttl = self.s.issue_token("genesys")
        return json_response({"access_token": tok, "token_type": "bearer", "expires_in": int(ttl)})

    # ------------------------------------------------------------------ jobs
    def create_job(self, req: Request) -> Response:
        body = req.json()
        start, end = parse_interval(body.get("interval"))
        f = self.s.faults
        job = DetailJob(
            id=str(uuid.UUID(bytes=secrets.token_bytes(16))),
            start_ms=start,
            end_ms=end,
            submitted_real=time.monotonic(),
            submitted_iso=iso_ms(self.s.clock.now_ms()),
            avail_ms=self.s.availability_ms(),
            now_ms=self.s.clock.now_ms(),
            late_share=f.late_share,
            late_delay_ms=int(f.late_delay_s * 1000),
        )
        with self.s.lock:
            if f.fail_jobs > 0:
                f.fail_jobs -= 1
                job.forced = "FAILED"
            elif f.expire_jobs > 0:
                f.expire_jobs -= 1
                job.forced = "EXPIRED"
                job.expire_after_pages = max(0, f.expire_after_pages)
                job.expired = job.expire_after_pages == 0
            self.s.jobs[job.id] = job
            self.s.counters["jobs"] += 1
        return json_response({"jobId": job.id}, 202)

    def _job(self, job_id: str) -> DetailJob:
        job = self.s.jobs.get(job_id)
        if job is None:
            raise ApiError(404, "not.found", f"Job {job_id} was not found")
        return job

    def _state(self, job: DetailJob) -> str:
        if job.forced == "CANCELLED":
            return "CANCELLED"
        elapsed = time.monotonic() - job.submitted_real
        if elapsed < self.s.config.job_queued_s:
            return "QUEUED"
        if elapsed < self.s.config.job_ready_s:
            return "PENDING"
        if job.forced == "FAILED":
            return "FAILED"
        if job.expired:
            return "EXPIRED"
        return "FULFILLED"

    def job_status(self, req: Request) -> Response:
        job = self._job(req.params["job_id"])
        state = self._state(job)
        out: dict[str, object] = {"state": state, "submissionDate": job.submitted_iso}
        if state in ("FULFILLED", "FAILED", "EXPIRED"):
            done = job.submitted_real + self.s.config.job_ready_s - time.monotonic()
            out["completionDate"] = iso_ms(self.s.clock.now_ms() + int(done * 1000))
            out["expirationDate"] = iso_ms(self.s.clock.now_ms() + int((done + 86400) * 1000))
        if state == "FAILED":
            out["errorMessage"] = "Job failed: the analytics query backend returned an error (simulated)"
        return json_response(out)

    def cancel_job(self, req: Request) -> Response:
        job = self._job(req.params["job_id"])
        job.forced = "CANCELLED"
        return Response(204, b"", None)

    def availability(self, req: Request) -> Response:
        return json_response({"dataAvailabilityDate": iso_ms(self.s.availability_ms())})

    def _job_rows(self, job: DetailJob, day_i: int, d: date) -> tuple[GenesysDay, np.ndarray]:
        day = self.s.genesys_day(d)
        rows = job.rows.get(day_i)
        if rows is None:
            a_s = day.base_ms + day.start
            a_e = day.base_ms + day.end
            m = (a_s < job.end_ms) & (a_e > job.start_ms) & (a_e <= job.avail_ms)
            m &= ~self.s.late_mask(day, job.now_ms, job.late_share, job.late_delay_ms)
            rows = np.nonzero(m)[0]
            job.rows[day_i] = rows
        return day, rows

    def job_results(self, req: Request) -> Response:
        job = self._job(req.params["job_id"])
        state = self._state(job)
        if state == "EXPIRED":
            raise ApiError(404, "not.found", f"Job {job.id} has expired")
        if state != "FULFILLED":
            raise ApiError(
                400, "bad.request", f"Job {job.id} is {state}; results are available once FULFILLED"
            )
        try:
            size = int(req.query.get("pageSize", self.s.config.job_max_page_size))
        except ValueError as exc:
            raise ApiError(400, "invalid.value", "pageSize must be an integer") from exc
        if not 1 <= size <= self.s.config.job_max_page_size:
            raise ApiError(400, "invalid.value", f"pageSize must be 1..{self.s.config.job_max_page_size}")
        cursor = req.query.get("cursor")
        day_i, offset = 0, 0
        if cursor:
            with self.s.lock:
                entry = self.s.cursors.get(cursor)
                f = self.s.faults
                if entry is not None and f.expire_cursors > 0 and entry[3] >= 0:
                    f.expire_cursors -= 1
                    self.s.cursors[cursor] = (entry[0], entry[1], entry[2], -1.0)
                    entry = self.s.cursors[cursor]
            if (
                entry is None
                or entry[0] != job.id
                or entry[3] < 0
                or time.monotonic() - entry[3] > self.s.config.cursor_ttl_s
            ):
                raise ApiError(400, "invalid.cursor", "The cursor is invalid or has expired")
            day_i, offset = entry[1], entry[2]
        days = self.s.days_between(job.start_ms, job.end_ms)
        chunks: list[str] = []
        remaining = size
        while day_i < len(days) and remaining > 0:
            day, rows = self._job_rows(job, day_i, days[day_i])
            take = rows[offset : offset + remaining]
            if len(take):
                chunks.extend(self.renderer.render(day, take, with_attributes=True))
                remaining -= len(take)
                offset += len(take)
            if offset >= len(rows):
                day_i, offset = day_i + 1, 0
        # skip empty trailing days so the last page carries no cursor
        while day_i < len(days) and offset == 0 and len(self._job_rows(job, day_i, days[day_i])[1]) == 0:
            day_i += 1
        for stale in [k for k in job.rows if k < day_i]:
            del job.rows[stale]  # recomputed (deterministically) if an older cursor is retried
        parts = [b'{"conversations":[', ",".join(chunks).encode(), b"]"]
        if day_i < len(days):
            nxt = secrets.token_urlsafe(18)
            with self.s.lock:
                self.s.cursors[nxt] = (job.id, day_i, offset, time.monotonic())
            parts.append(b',"cursor":"' + nxt.encode() + b'"')
        parts.append(b',"dataAvailabilityDate":"' + iso_ms(job.avail_ms).encode() + b'"}')
        with self.s.lock:
            job.pages_served += 1
            self.s.counters["result_pages"] += 1
            self.s.counters["conversations_served"] += len(chunks)
            if job.forced == "EXPIRED" and job.pages_served >= job.expire_after_pages:
                job.expired = True
        return Response(200, b"".join(parts))

    # ------------------------------------------------------------------ sync query
    def sync_query(self, req: Request) -> Response:
        body = req.json()
        start, end = parse_interval(body.get("interval"))
        paging = body.get("paging") or {}
        try:
            size = int(paging.get("pageSize", 25))
            page = int(paging.get("pageNumber", 1))
        except (TypeError, ValueError) as exc:
            raise ApiError(
                400, "invalid.value", "paging.pageSize and paging.pageNumber must be integers"
            ) from exc
        mx = self.s.config.sync_max_page_size
        if not 1 <= size <= mx:
            raise ApiError(400, "invalid.value", f"paging.pageSize must be between 1 and {mx}")
        if page < 1:
            raise ApiError(400, "invalid.value", "paging.pageNumber must be >= 1")
        now = self.s.clock.now_ms()
        f = self.s.faults
        per_day: list[tuple[GenesysDay, np.ndarray]] = []
        for d in self.s.days_between(start, end):
            day = self.s.genesys_day(d)
            a_s = day.base_ms + day.start
            m = (a_s >= start) & (a_s < end) & (day.base_ms + day.end <= now)
            m &= ~self.s.late_mask(day, now, f.late_share, int(f.late_delay_s * 1000))
            per_day.append((day, np.nonzero(m)[0]))
        total = sum(len(r) for _, r in per_day)
        shift = f.sync_drift_per_page * (page - 1) if f.sync_drift else 0
        lo = max(0, (page - 1) * size - shift)
        hi = (page - 1) * size - shift + size
        out: list[str] = []
        pos = 0
        for day, rows in per_day:
            a, b = max(lo - pos, 0), min(hi - pos, len(rows))
            if a < b:
                out.extend(self.renderer.render(day, rows[a:b], with_attributes=False))
            pos += len(rows)
        hits = total + shift
        if not out:
            return json_response({"totalHits": hits})
        with self.s.lock:
            self.s.counters["conversations_served"] += len(out)
        return Response(
            200,
            b'{"conversations":[' + ",".join(out).encode() + b'],"totalHits":' + str(hits).encode() + b"}",
        )

    # ------------------------------------------------------------------ aggregates
    def aggregates(self, req: Request) -> Response:
        body = req.json()
        start, end = parse_interval(body.get("interval"))
        gran = parse_granularity(body["granularity"]) if body.get("granularity") else end - start
        group_by = [g for g in (body.get("groupBy") or []) if g in ("queueId", "mediaType")]
        metrics = body.get("metrics") or []
        if not isinstance(metrics, list) or not metrics:
            raise ApiError(400, "bad.request", "metrics is required")
        known = {
            "nOffered",
            "nConnected",
            "nAnswered",
            "tAnswered",
            "tAbandon",
            "tHandle",
            "tTalk",
            "tHeld",
            "tAcw",
        }
        bad = [m for m in metrics if m not in known]
        if bad:
            raise ApiError(400, "invalid.value", f"unsupported metrics {bad}; supported: {sorted(known)}")
        q_filter, m_filter = self._agg_filters(body.get("filter"))
        now = self.s.clock.now_ms()
        cols: dict[str, list[np.ndarray]] = {
            k: [] for k in ("q", "m", "b", "ans", "aband", "wait", "talk", "hold", "acw")
        }
        for d in self.s.days_between(start, end):
            day = self.s.genesys_day(d)
            counts = np.diff(day.hop_ptr)
            conv = np.repeat(np.arange(day.n), counts)
            hs = day.base_ms + day.hop_start
            keep = (hs >= start) & (hs < end) & (day.base_ms + day.end[conv] <= now)
            media = day.media[conv]
            if q_filter is not None:
                keep &= np.isin(day.hop_queue, q_filter)
            if m_filter is not None:
                keep &= np.isin(media, m_filter)
            last = np.zeros(len(conv), dtype=bool)
            if len(conv):
                last[day.hop_ptr[1:] - 1] = True
            cols["q"].append(day.hop_queue[keep])
            cols["m"].append(media[keep])
            cols["b"].append((hs[keep] - start) // gran)
            ans = day.hop_answered[keep]
            cols["ans"].append(ans)
            cols["aband"].append(~ans & last[keep])
            cols["wait"].append((day.hop_acd_end - day.hop_start)[keep])
            cols["talk"].append((day.hop_talk_end - day.hop_alert_end)[keep])
            cols["hold"].append((day.hop_hold_end - day.hop_talk_end)[keep])
            cols["acw"].append((day.hop_wrap_end - day.hop_hold_end)[keep])
        c = {k: (np.concatenate(v) if v else np.zeros(0, np.int64)) for k, v in cols.items()}
        qk = c["q"] if "queueId" in group_by else np.zeros_like(c["q"])
        mk = c["m"] if "mediaType" in group_by else np.zeros_like(c["m"])
        key = (qk * 4 + mk) * 1_000_000 + c["b"]
        uniq, inv = np.unique(key, return_inverse=True)
        g = len(uniq)
        ans = c["ans"].astype(bool)
        specs = {
            "nOffered": (np.ones(len(key), bool), None),
            "nConnected": (ans, None),
            "nAnswered": (ans, None),
            "tAnswered": (ans, c["wait"]),
            "tAbandon": (c["aband"].astype(bool), c["wait"]),
            "tTalk": (ans, c["talk"]),
            "tHeld": (ans & (c["hold"] > 0), c["hold"]),
            "tAcw": (ans, c["acw"]),
            "tHandle": (ans, c["talk"] + c["hold"] + c["acw"]),
        }
        stats: dict[str, tuple] = {}
        for name in metrics:
            mask, val = specs[name]
            cnt = np.bincount(inv[mask], minlength=g)
            if val is None:
                stats[name] = (cnt,)
            else:
                v = val[mask].astype(np.int64)
                sm = np.bincount(inv[mask], weights=v, minlength=g)
                mn = np.full(g, np.iinfo(np.int64).max)
                mxa = np.full(g, -1)
                np.minimum.at(mn, inv[mask], v)
                np.maximum.at(mxa, inv[mask], v)
                stats[name] = (cnt, sm, mn, mxa)
        groups: dict[tuple[int, int], list[dict]] = {}
        qids = [q.id for q in self.s.org.genesys.queues]
        for gi, k in enumerate(uniq.tolist()):
            bucket = k % 1_000_000
            qm = k // 1_000_000
            b0 = start + bucket * gran
            b1 = min(b0 + gran, end)
            mets = []
            for name in metrics:
                st = stats[name]
                if st[0][gi] == 0 and name != "nOffered":
                    continue
                if len(st) == 1:
                    mets.append({"metric": name, "stats": {"count": int(st[0][gi])}})
                else:
                    mets.append(
                        {
                            "metric": name,
                            "stats": {
                                "max": int(st[3][gi]),
                                "min": int(st[2][gi]),
                                "count": int(st[0][gi]),
                                "sum": int(st[1][gi]),
                            },
                        }
                    )
            groups.setdefault((qm // 4, qm % 4), []).append(
                {"interval": f"{iso_ms(b0)}/{iso_ms(b1)}", "metrics": mets}
            )
        results = []
        for (q, m), data in groups.items():
            group: dict[str, str] = {}
            if "queueId" in group_by:
                group["queueId"] = qids[q]
            if "mediaType" in group_by:
                group["mediaType"] = MEDIA[m]
            results.append({"group": group, "data": data})
        return json_response({"results": results})

    def _agg_filters(self, flt: object) -> tuple[list[int] | None, list[int] | None]:
        if not isinstance(flt, dict):
            return None, None
        qids = {q.id: i for i, q in enumerate(self.s.org.genesys.queues)}
        qs: list[int] = []
        ms: list[int] = []
        stack = [flt]
        while stack:
            node = stack.pop()
            stack.extend(node.get("clauses") or [])
            for p in node.get("predicates") or []:
                dim, val = p.get("dimension"), p.get("value")
                if dim == "queueId":
                    qs.append(qids.get(val, -1))
                elif dim == "mediaType" and val in MEDIA:
                    ms.append(MEDIA.index(val))
        return (qs or None), (ms or None)

    # ------------------------------------------------------------------ billing
    def billable_usage(self, req: Request) -> Response:
        sd, ed = req.query.get("startDate"), req.query.get("endDate")
        if not sd or not ed:
            raise ApiError(400, "bad.request", "startDate and endDate are required")
        s, e = parse_ts(sd, "startDate"), parse_ts(ed, "endDate")
        if e <= s:
            raise ApiError(400, "bad.request", "endDate must be after startDate")
        key = (iso_ms(s), iso_ms(e))
        with self.s.lock:
            polls = self.s.billing_polls.get(key, 0)
            self.s.billing_polls[key] = polls + 1
        base = {
            "id": f"billableusage-{s // 1000}-{e // 1000}",
            "name": "Billable usage report",
            "startDate": key[0],
            "endDate": key[1],
            "selfUri": "/api/v2/billing/reports/billableusage",
        }
        if polls < self.s.config.billing_in_progress_polls:
            return json_response(base | {"status": "InProgress"})
        usages = []
        for charge, agents in licence_holders(self.s).items():
            resources = [
                {
                    "name": f"agent{a + 1:03d}@acme.example",
                    "date": iso_ms(s + min(e - s - 1, (a * 3_600_000 * 7) % max(1, min(e - s, 7 * DAY_MS)))),
                }
                for a in agents
            ]
            usages.append({"name": charge, "totalUsage": str(len(resources)), "resources": resources})
        return json_response(base | {"status": "Complete", "usages": usages})

    # ------------------------------------------------------------------ usage API (API calls, not telephony)
    def usage_query(self, req: Request) -> Response:
        body = req.json()
        if not body.get("interval"):
            raise ApiError(400, "bad.request", "interval is required")
        execution = str(uuid.uuid4())
        with self.s.lock:
            self.s.usage_queries[execution] = time.monotonic()
        return json_response(
            {"executionId": execution, "resultsUri": f"/api/v2/usage/query/{execution}/results"}, 202
        )

    def usage_results(self, req: Request) -> Response:
        started = self.s.usage_queries.get(req.params["execution_id"])
        if started is None:
            raise ApiError(404, "not.found", "Usage query execution was not found")
        if time.monotonic() - started < self.s.config.job_queued_s:
            return json_response({"queryStatus": "Running"})
        with self.s.lock:
            counts = dict(self.s.status_counts.get("genesys", {}))
        row = {
            "clientId": self.s.creds.genesys_client_id,
            "clientName": "ccfinops simulator client",
            "organizationId": "",
            "userId": "",
            "templateUri": "",
            "httpMethod": "",
        }
        row |= {
            k: counts.get(k, 0) for k in ("status200", "status300", "status400", "status500", "status429")
        }
        row["requests"] = counts.get("requests", 0)
        return json_response({"results": [row], "queryStatus": "Complete"})

    # ------------------------------------------------------------------ voice usage CSV
    def voice_csv(self, req: Request) -> Response:
        sd, ed = req.query.get("startDate"), req.query.get("endDate")
        try:
            d0, d1 = date.fromisoformat(sd or ""), date.fromisoformat(ed or "")
        except ValueError as exc:
            raise ApiError(400, "invalid.date", "startDate and endDate are required as YYYY-MM-DD") from exc
        if d1 <= d0 or (d1 - d0).days > MAX_INTERVAL_DAYS:
            raise ApiError(400, "bad.request", "endDate must be after startDate and within 31 days")
        return Response(200, voice_csv_chunks(self.s, d0, d1), "text/csv; charset=utf-8")


CSV_HEADER = (
    "SIP Call Id,Origin,Destination,Usage Group,Usage Group Display,Call Type,Direction,Start time,End Time,"
    "Duration (Seconds),Adjusted Duration (seconds),Adjusted Duration (minutes),Usage Rate Per Minute,"
    "Total cost,Currency,Rate sheet,Postal code\n"
)


def licence_holders(state: SimState) -> dict[str, list[int]]:
    """Agent indices holding each licence charge (all CX3; WEM for 45 agents; STA for the next 25)."""
    n = state.org.genesys.agents
    out: dict[str, list[int]] = {}
    for lic in state.org.genesys.licences:
        name = lic["charge_name"]
        if "wem" in name:
            out[name] = list(range(0, min(45, n)))
        elif "speech" in name:
            out[name] = list(range(min(45, n), min(70, n)))
        else:
            out[name] = list(range(n))
    return out


def voice_rows(state: SimState, day: GenesysDay) -> np.ndarray:
    """Voice conversations of ``day`` that ended before the clock (all appear in the CSV)."""
    return np.nonzero((day.media == 0) & (day.base_ms + day.end <= state.clock.now_ms()))[0]


def voice_csv_chunks(state: SimState, d0: date, d1: date) -> Iterator[bytes]:
    """CSV text, one chunk per day."""
    org = state.org.genesys
    numbers = org.numbers_local + org.numbers_toll_free
    yield CSV_HEADER.encode()
    d = d0
    while d < d1:
        day = state.genesys_day(d)
        rows = voice_rows(state, day)
        starts = np.datetime_as_string(
            (day.base_ms + day.start[rows]).astype("datetime64[ms]"), unit="ms"
        ).tolist()
        ends = np.datetime_as_string(
            (day.base_ms + day.cust_end[rows]).astype("datetime64[ms]"), unit="ms"
        ).tolist()
        secs = day.voice_seconds[rows].tolist()
        lines = []
        for j, r in enumerate(rows.tolist()):
            b = day.hex_ids[r]
            ob = bool(day.outbound[r])
            org_no = numbers[int(day.org_number[r])]
            cust = f"+1{int(day.customer_number[r])}"
            group = "toll_free" if (not ob and is_toll_free(org_no)) else "local"
            carrier = org.carriers[int(day.carrier[r])]
            direction = "outbound" if ob else "inbound"
            rate = org.voice_rates[carrier][direction][group]
            sec = secs[j]
            adj = -(-sec // 6) * 6
            minutes = Decimal(adj // 6) / 10
            cost = rate * minutes
            origin, dest = (org_no, cust) if ob else (cust, org_no)
            display = "Toll-Free" if group == "toll_free" else "Local"
            call_type = "Genesys Cloud Voice" if carrier == "genesys_cloud_voice" else "BYOC Cloud"
            lines.append(
                f"{b[:12]}-{b[12:28]}@sip.sim.ccfinops,{origin},{dest},{group},{display},{call_type},"
                f"{direction},{starts[j]}Z,{ends[j]}Z,{sec},{adj},{minutes},{rate},{format(cost, 'f')},"
                f"{org.currency},{carrier},\n"
            )
        if lines:
            yield "".join(lines).encode()
        d += timedelta(days=1)
