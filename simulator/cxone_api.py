"""NICE CXone endpoints: auth, discovery, completed contacts, dispositions, Data Extraction."""

from __future__ import annotations

import base64
import csv
import io
import secrets
import time
import uuid
from datetime import date, timedelta
from urllib.parse import urlencode

import numpy as np
import orjson

from simulator.cxone_gen import CxoneDay, render_contacts
from simulator.genesys_api import parse_ts
from simulator.genesys_gen import DAY_MS, iso_ms
from simulator.http import ApiError, Request, Response, json_response
from simulator.state import DxJob, SimState

DX_ENTITIES = {"contacts-completed", "recording-interaction-metadata"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class CxoneApi:
    def __init__(self, state: SimState) -> None:
        self.s = state

    # ------------------------------------------------------------------ auth
    def token(self, req: Request) -> Response:
        form = req.form()
        if form.get("grant_type") != "password":
            return json_response(
                {"error": "unsupported_grant_type", "error_description": "grant_type must be password"}, 400
            )
        basic = req.basic_auth()
        cid, csec = basic if basic else (form.get("client_id"), form.get("client_secret"))
        c = self.s.creds
        if cid != c.cxone_client_id or csec != c.cxone_client_secret:
            return json_response(
                {"error": "invalid_client", "error_description": "Client authentication failed"}, 401
            )
        if form.get("username") != c.cxone_access_key_id or form.get("password") != c.cxone_access_key_secret:
            return json_response(
                {"error": "invalid_grant", "error_description": "Invalid access key id or secret"}, 400
            )
        tok, ttl = self.s.issue_token("cxone")
        org = self.s.org.cxone
        now = int(time.time())
        claims = {
            "iss": req.base_url,
            "sub": f"user:{c.cxone_access_key_id}",
            "aud": c.cxone_client_id,
            "tenantId": org.tenant_id,
            "icBUId": org.business_unit_id,
            "icClusterId": "SIM1",
            "area": "na1",
            "iat": now,
            "exp": now + int(ttl),
        }
        id_token = ".".join([_b64(b'{"alg":"none","typ":"JWT"}'), _b64(orjson.dumps(claims)), _b64(b"sim")])
        return json_response(
            {
                "access_token": tok,
                "token_type": "Bearer",
                "refresh_token": secrets.token_urlsafe(16),
                "expires_in": int(ttl),
                "id_token": id_token,
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            }
        )

    def discovery(self, req: Request) -> Response:
        org = self.s.org.cxone
        if req.query.get("tenantId") != org.tenant_id:
            raise ApiError(404, "NotFound", f"tenant {req.query.get('tenantId')!r} is unknown")
        b = req.base_url
        return json_response(
            {
                "private": False,
                "ui_endpoint": b,
                "auth_endpoint": b,
                "api_endpoint": b,
                "area": "na1",
                "cluster": "SIM1",
                "domain": "sim.ccfinops",
                "acdDomain": "sim.ccfinops",
                "uhDomain": "sim.ccfinops",
                "tenantId": org.tenant_id,
            }
        )

    # ------------------------------------------------------------------ completed contacts
    def _rows(self, day: CxoneDay, start: int, end: int) -> np.ndarray:
        a_s = day.base_ms + day.start
        m = (a_s >= start) & (a_s < end) & (day.base_ms + day.end <= self.s.clock.now_ms())
        return np.nonzero(m)[0]

    def completed(self, req: Request) -> Response:
        version = int(req.params["version"])
        if not 17 <= version <= 33:
            raise ApiError(404, "NotFound", f"API version v{version}.0 is not supported")
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
        per_day = [
            (d, self._rows(d, start, end))
            for d in (self.s.cxone_day(x) for x in self.s.days_between(start, end))
        ]
        total = sum(len(r) for _, r in per_day)
        if total == 0 or skip >= total:
            return Response(204, b"", None)
        out: list[dict] = []
        pos = 0
        for day, rows in per_day:
            a, b = max(skip - pos, 0), min(skip + top - pos, len(rows))
            if a < b:
                out.extend(render_contacts(self.s.org.cxone, day, rows[a:b], version))
            pos += len(rows)
        base = f"{req.base_url}{req.path}"

        def link(sk: int) -> str:
            return f"{base}?{urlencode({**q, 'skip': sk, 'top': top})}"

        with self.s.lock:
            self.s.counters["contacts_served"] += len(out)
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
                "completedContacts": out,
            }
        )

    def dispositions(self, req: Request) -> Response:
        ids = self.s.org.cxone.disposition_ids
        return json_response(
            {"dispositions": [{"dispositionId": v, "dispositionName": k} for k, v in ids.items()]}
        )

    # ------------------------------------------------------------------ data extraction
    def _dx_status(self, job: DxJob) -> str:
        if time.monotonic() - job.submitted_real < self.s.config.dx_job_s:
            return "RUNNING"
        return "FAILED" if job.fail else "SUCCEEDED"

    def dx_create(self, req: Request) -> Response:
        body = req.json()
        entity = body.get("entityName")
        if entity not in DX_ENTITIES:
            raise ApiError(400, "InvalidParameter", f"entityName must be one of {sorted(DX_ENTITIES)}")
        try:
            d0, d1 = (
                date.fromisoformat(str(body.get("startDate"))),
                date.fromisoformat(str(body.get("endDate"))),
            )
        except ValueError as exc:
            raise ApiError(400, "InvalidParameter", "startDate and endDate must be YYYY-MM-DD") from exc
        if d1 <= d0 or (d1 - d0).days > 14:
            raise ApiError(400, "InvalidParameter", "endDate must be after startDate and within 14 days")
        now = time.monotonic()
        with self.s.lock:
            running = any(self._dx_status(j) == "RUNNING" for j in self.s.dx_jobs.values())
            too_soon = (
                self.s.dx_last_post is not None and now - self.s.dx_last_post < self.s.config.dx_min_spacing_s
            )
            if running or too_soon:
                raise ApiError(403, "Forbidden", "Please wait and try again later")
            self.s.dx_last_post = now
            job = DxJob(id=str(uuid.uuid4()), start=d0, end=d1, entity=entity, submitted_real=now)
            self.s.dx_jobs[job.id] = job
        return Response(202, orjson.dumps(job.id))

    def dx_list(self, req: Request) -> Response:
        return json_response(
            {"jobs": [{"id": j.id, "status": self._dx_status(j)} for j in self.s.dx_jobs.values()]}
        )

    def dx_status(self, req: Request) -> Response:
        job = self.s.dx_jobs.get(req.params["job_id"])
        if job is None:
            raise ApiError(404, "NotFound", "job not found")
        status = self._dx_status(job)
        result: dict[str, object] = {"url": None, "errorMessage": None}
        if status == "SUCCEEDED":
            key = secrets.token_urlsafe(18)
            with self.s.lock:
                self.s.dx_urls[key] = (job.id, time.monotonic())
            result["url"] = f"{req.base_url}/data-extraction/v1/results/{key}.csv"
        elif status == "FAILED":
            result["errorMessage"] = "extraction failed (simulated)"
        return json_response({"jobStatus": {"id": job.id, "status": status, "result": result}})

    def dx_result(self, req: Request) -> Response:
        entry = self.s.dx_urls.get(req.params["key"])
        if entry is None or time.monotonic() - entry[1] > self.s.config.dx_url_ttl_s:
            return Response(
                403,
                b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                "application/xml",
            )
        job = self.s.dx_jobs[entry[0]]
        buf = io.StringIO()
        writer = None
        d = job.start
        now = self.s.clock.now_ms()
        while d < job.end:
            day = self.s.cxone_day(d)
            rows = np.nonzero(day.base_ms + day.end <= now)[0]
            for rec in render_contacts(self.s.org.cxone, day, rows, 30):
                if writer is None:
                    writer = csv.DictWriter(buf, fieldnames=list(rec))
                    writer.writeheader()
                writer.writerow(rec)
            d += timedelta(days=1)
        return Response(200, buf.getvalue().encode(), "text/csv; charset=utf-8")
