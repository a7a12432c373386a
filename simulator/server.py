"""The simulator's ASGI app (raw ASGI, minimal overhead), its uvicorn runner and the test handle."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from simulator.billing_contracts import BillingContractsApi, billing_contract_routes
from simulator.config import SimConfig
from simulator.cxone_api import CxoneApi
from simulator.genesys_api import GenesysApi, licence_holders
from simulator.ground_truth import ground_truth
from simulator.http import ApiError, Request, Reset, Response, json_response
from simulator.state import SimState
from simulator.wfm_api import WfmApi, wfm_routes
from simulator.wfm_cxone import CxoneStateApi, cxone_state_routes
from simulator.write_api import WriteApi

log = logging.getLogger("ccfinops.simulator")
Handler = Callable[[Request], Response]
GEN, CX, CTL = "genesys", "cxone", "control"


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    platform: str
    handler: Handler
    auth: bool = True


# What a minimal org (OAuth + analytics only) answers; tokens/discovery carry no auth so never reach here.
MINIMAL_ORG_PATHS = ("/api/v2/analytics/",)
_CXONE_CONTACTS = re.compile(r"/incontactapi/services/v\d+\.0/contacts/completed$")


class SimulatorApp:
    """Routes requests, applies auth, quota, faults and platform headers."""

    def __init__(self, state: SimState) -> None:
        self.s = state
        g, c, w = GenesysApi(state), CxoneApi(state), WriteApi(state)
        wfm, cx_states = WfmApi(state), CxoneStateApi(state)  # WFM / agent-status endpoints (issue 16)
        uuid_re = r"[0-9A-Za-z-]+"
        a = "/api/v2/analytics/conversations"
        table: list[tuple[str, str, str, Handler, bool]] = [
            ("POST", "/oauth/token", GEN, g.token, False),
            ("POST", f"{a}/details/jobs", GEN, g.create_job, True),
            ("GET", f"{a}/details/jobs/availability", GEN, g.availability, True),
            ("GET", f"{a}/details/jobs/(?P<job_id>{uuid_re})", GEN, g.job_status, True),
            ("DELETE", f"{a}/details/jobs/(?P<job_id>{uuid_re})", GEN, g.cancel_job, True),
            ("GET", f"{a}/details/jobs/(?P<job_id>{uuid_re})/results", GEN, g.job_results, True),
            ("POST", f"{a}/details/query", GEN, g.sync_query, True),
            ("POST", f"{a}/aggregates/query", GEN, g.aggregates, True),
            ("GET", "/api/v2/billing/reports/billableusage", GEN, g.billable_usage, True),
            *billing_contract_routes(BillingContractsApi(state, licence_holders), GEN),
            ("POST", "/api/v2/usage/query", GEN, g.usage_query, True),
            ("GET", f"/api/v2/usage/query/(?P<execution_id>{uuid_re})/results", GEN, g.usage_results, True),
            ("GET", "/api/v2/ccfinops-sim/voice-usage.csv", GEN, g.voice_csv, True),
            *wfm_routes(wfm, GEN, CTL),
            *cxone_state_routes(cx_states, CX, CTL),
            ("GET|PUT", "/api/v2/routing/skills/(?P<id>[^/]+)", GEN, w.skill, True),
            ("GET|PUT", "/api/v2/routing/queues/(?P<id>[^/]+)", GEN, w.queue, True),
            (
                "GET|PUT",
                "/api/v2/flows/datatables/(?P<dt>[^/]+)/rows/(?P<row>[^/]+)",
                GEN,
                w.datatable_row,
                True,
            ),
            (
                "GET|PATCH",
                "/api/v2/recording/mediaretentionpolicies/(?P<id>[^/]+)",
                GEN,
                w.retention_policy,
                True,
            ),
            ("GET|POST", "/api/v2/scheduling/groups/shifts", GEN, w.shifts, True),
            ("POST", "/auth/token", CX, c.token, False),
            ("GET", "/.well-known/cxone-configuration", CX, c.discovery, False),
            ("GET", r"/incontactapi/services/v(?P<version>\d+)\.0/contacts/completed", CX, c.completed, True),
            ("GET", r"/incontactapi/services/v(?P<version>\d+)\.0/dispositions", CX, c.dispositions, True),
            ("GET|PUT", r"/incontactapi/services/v30\.0/skills/(?P<id>[^/]+)", CX, w.cxone_skill, True),
            ("POST", "/data-extraction/v1/jobs", CX, c.dx_create, True),
            ("GET", "/data-extraction/v1/jobs", CX, c.dx_list, True),
            ("GET", f"/data-extraction/v1/jobs/(?P<job_id>{uuid_re})", CX, c.dx_status, True),
            ("GET", r"/data-extraction/v1/results/(?P<key>[A-Za-z0-9_-]+)\.csv", CX, c.dx_result, False),
            ("GET", "/_sim/health", CTL, self.health, False),
            ("GET|POST", "/_sim/faults", CTL, self.faults, False),
            ("GET|POST", "/_sim/clock", CTL, self.clock, False),
            ("GET", "/_sim/state", CTL, self.state_view, False),
            ("GET", "/_sim/ground-truth", CTL, self.ground_truth, False),
        ]
        self.routes = [Route(m, re.compile(p + "$"), pf, h, au) for m, p, pf, h, au in table]

    # ------------------------------------------------------------------ control endpoints
    def health(self, req: Request) -> Response:
        return json_response({"ok": True, "seed": self.s.seed})

    def faults(self, req: Request) -> Response:
        if req.method == "POST":
            try:
                with self.s.lock:
                    self.s.faults.update(**req.json())
            except ValueError as exc:
                raise ApiError(400, "invalid.value", str(exc)) from exc
        return json_response(self.s.faults.as_dict())

    def clock(self, req: Request) -> Response:
        if req.method == "POST":
            body = req.json()
            if "now" in body:
                try:
                    self.s.clock.set(datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00")))
                except ValueError as exc:
                    raise ApiError(400, "invalid.date", f"now: {exc}") from exc
            if "advance_seconds" in body:
                self.s.clock.advance(float(body["advance_seconds"]))
            if body.get("real"):
                self.s.clock.real()
        return json_response({"now": self.s.clock.now().isoformat().replace("+00:00", "Z")})

    def state_view(self, req: Request) -> Response:
        return json_response(self.s.snapshot())

    def ground_truth(self, req: Request) -> Response:
        q = req.query
        try:
            start, end = date.fromisoformat(q["start"]), date.fromisoformat(q["end"])
            return json_response(
                ground_truth(self.s, q.get("platform", ""), start, end, q.get("ids") == "true")
            )
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "bad.request", f"platform, start, end (YYYY-MM-DD) required: {exc}") from exc

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, req: Request) -> Response:
        route, allowed = None, False
        for r in self.routes:
            m = r.pattern.match(req.path)
            if m:
                allowed = True
                if req.method in r.method.split("|"):
                    route = r
                    req.params = m.groupdict()
                    break
        platform = (
            route.platform
            if route
            else (CX if req.path.startswith(("/incontactapi", "/data-extraction")) else GEN)
        )
        if route is None:
            err = ApiError(405 if allowed else 404, "not.found", f"No resource for {req.method} {req.path}")
            return self._error(platform, err, None)
        if platform == CTL:
            try:
                return route.handler(req)
            except ApiError as exc:
                return self._error(GEN, exc, None)
        bucket = None
        f = self.s.faults
        with self.s.lock:
            self.s.counters["requests"] += 1
        try:
            if route.auth or f.faults_on_auth:
                self._inject(before_auth=True)
            if route.auth:
                bucket = self._authorize(req, platform)
                if not bucket.take():
                    with self.s.lock:
                        self.s.counters["status_429"] += 1
                    raise self._too_many(platform, bucket.retry_after_s(), bucket.capacity)
                self._deny(req.path)
                self._inject(before_auth=False, platform=platform, cap=bucket.capacity)
            elif f.faults_on_auth:
                self._inject(before_auth=False, platform=platform, cap=self._quota(platform))
            resp = route.handler(req)
        except ApiError as exc:
            resp = self._error(platform, exc, bucket)
        self.s.count_status(platform, resp.status)
        if platform == GEN:
            resp.headers.extend(self._rate_headers(bucket))
        return resp

    def _deny(self, path: str) -> None:
        """Answer 403/404 the way an org without the permission/product does (faults knobs)."""
        f = self.s.faults
        for prefix in (p.strip() for p in f.forbidden_paths.split(",")):
            if prefix and path.startswith(prefix):
                raise ApiError(403, "missing.permissions", f"Missing permission for {path}")
        for prefix in (p.strip() for p in f.failing_paths.split(",")):
            if prefix and path.startswith(prefix):
                raise ApiError(503, "service.unavailable", f"{path} is temporarily unavailable (simulated)")
        missing = [p.strip() for p in f.missing_paths.split(",") if p.strip()]
        if any(path.startswith(p) for p in missing) or (
            f.minimal_org and not path.startswith(MINIMAL_ORG_PATHS) and not _CXONE_CONTACTS.match(path)
        ):
            raise ApiError(404, "not.found", f"No resource for {path} (product not enabled for this org)")

    def _inject(self, before_auth: bool, platform: str = GEN, cap: float = 0) -> None:
        f = self.s.faults
        if before_auth:
            if f.rate_reset and self.s.draw() < f.rate_reset:
                with self.s.lock:
                    self.s.counters["resets"] += 1
                raise Reset()
            return
        if f.rate_429 and self.s.draw() < f.rate_429:
            with self.s.lock:
                self.s.counters["status_429"] += 1
            raise self._too_many(platform, 1 + int(self.s.draw() * 3), cap)
        if f.rate_5xx and self.s.draw() < f.rate_5xx:
            code = (502, 503, 504)[int(self.s.draw() * 3) % 3]
            with self.s.lock:
                self.s.counters["status_5xx"] += 1
            name = {502: "bad.gateway", 503: "service.unavailable", 504: "request.timeout"}[code]
            raise ApiError(code, name, f"The service is temporarily unavailable ({code}, simulated)")

    def _quota(self, platform: str) -> float:
        cfg = self.s.config
        return float(cfg.genesys_quota_per_min if platform == GEN else cfg.cxone_quota_per_min)

    def _too_many(self, platform: str, retry_after: int, cap: float) -> ApiError:
        quota = int(cap)
        msg = f"Rate limit exceeded the maximum [{quota}] requests within [60] seconds"
        return ApiError(
            429,
            "too.many.requests",
            msg,
            [("Retry-After", str(retry_after))],
            {
                "limit": {
                    "key": "client.credentials.token.rate.per.minute",
                    "namespace": "platform.api",
                    "value": quota,
                }
            },
        )

    def _authorize(self, req: Request, platform: str):  # type: ignore[no-untyped-def]
        tok = req.bearer()
        if not tok:
            self._count401()
            raise ApiError(401, "authentication.required", "No authentication bearer token specified")
        entry = self.s.tokens.get(tok)
        if entry is None or entry.platform != platform:
            self._count401()
            raise ApiError(401, "bad.credentials", "Invalid login credentials")
        if time.time() >= entry.expires_at:
            self._count401()
            raise ApiError(401, "credentials.expired", "The access token has expired")
        return entry.bucket

    def _count401(self) -> None:
        with self.s.lock:
            self.s.counters["status_401"] += 1

    def _error(self, platform: str, exc: ApiError, bucket: Any) -> Response:
        if platform == CX:
            headers = [("icStatusDescription", exc.message), *exc.headers]
            if exc.status == 401:
                body = {"error": "invalid_token", "error_description": exc.message}
            elif exc.status == 429:
                body = {"error": "TooManyRequests", "message": exc.message}
            else:
                body = {"error": exc.code, "message": exc.message}
            return json_response(body, exc.status, headers)
        body = {
            "status": exc.status,
            "code": exc.code,
            "message": exc.message,
            "contextId": str(uuid.uuid4()),
            "details": [],
            "errors": [],
        } | exc.extra
        return json_response(body, exc.status, list(exc.headers))

    def _rate_headers(self, bucket: Any) -> list[tuple[str, str]]:
        cap = self.s.config.genesys_quota_per_min
        count, reset = (bucket.count(), bucket.reset_s()) if bucket is not None else (0, 0)
        return [
            ("inin-ratelimit-allowed", str(cap)),
            ("inin-ratelimit-count", str(count)),
            ("inin-ratelimit-reset", str(reset)),
            ("inin-correlation-id", str(uuid.uuid4())),
        ]

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        more = True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host") or f"{scope['server'][0]}:{scope['server'][1]}"
        req = Request(
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)),
            headers=headers,
            body=b"".join(chunks),
            base_url=f"http://{host}",
        )
        try:
            resp = self.dispatch(req)
        except Reset:
            cycle = getattr(send, "__self__", None)
            transport = getattr(cycle, "transport", None)
            if transport is not None:
                cycle.disconnected = True  # type: ignore[union-attr]
                transport.abort()
                return
            resp = Response(502, b"", None)
        except Exception as exc:  # noqa: BLE001 - surface as a platform 500, never hang the client
            log.exception("simulator handler failed")
            resp = json_response({"status": 500, "code": "internal.server.error", "message": str(exc)}, 500)
        hdrs = [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in resp.headers]
        if resp.content_type:
            hdrs.append((b"content-type", resp.content_type.encode()))
        if isinstance(resp.body, bytes):
            hdrs.append((b"content-length", str(len(resp.body)).encode()))
            await send({"type": "http.response.start", "status": resp.status, "headers": hdrs})
            await send({"type": "http.response.body", "body": resp.body})
            return
        await send({"type": "http.response.start", "status": resp.status, "headers": hdrs})
        it: Iterator[bytes] = iter(resp.body)  # type: ignore[arg-type]
        for chunk in it:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b""})


# ---------------------------------------------------------------------- running it
class _VendorEnv:
    """The ``GENESYS_*`` / ``CXONE_*`` env vars that point a client at a running simulator."""

    base_url: str
    _creds: Any
    _tenant_id: str

    def genesys_env(self) -> dict[str, str]:
        c = self._creds
        return {
            "GENESYS_CLIENT_ID": c.genesys_client_id,
            "GENESYS_CLIENT_SECRET": c.genesys_client_secret,
            "GENESYS_API_BASE": self.base_url,
            "GENESYS_LOGIN_BASE": self.base_url,
        }

    def cxone_env(self) -> dict[str, str]:
        c = self._creds
        return {
            "CXONE_ACCESS_KEY_ID": c.cxone_access_key_id,
            "CXONE_ACCESS_KEY_SECRET": c.cxone_access_key_secret,
            "CXONE_CLIENT_ID": c.cxone_client_id,
            "CXONE_CLIENT_SECRET": c.cxone_client_secret,
            "CXONE_AUTH_BASE": self.base_url,
            "CXONE_API_BASE": self.base_url,
            "CXONE_TENANT_ID": self._tenant_id,
        }


class SimulatorHandle(_VendorEnv):
    """What tests and the CLI hold while the simulator runs."""

    def __init__(self, state: SimState, base_url: str) -> None:
        self.state_obj = state
        self.base_url = base_url
        self.seed = state.seed
        self._creds = state.creds
        self._tenant_id = state.org.cxone.tenant_id

    def set_faults(self, **kw: Any) -> dict[str, Any]:
        with self.state_obj.lock:
            self.state_obj.faults.update(**kw)
        return self.state_obj.faults.as_dict()

    def set_clock(self, dt: datetime) -> None:
        self.state_obj.clock.set(dt)

    def advance_clock(self, seconds: float) -> None:
        self.state_obj.clock.advance(seconds)

    def state(self) -> dict[str, Any]:
        return self.state_obj.snapshot()

    def ground_truth(self, platform: str, start: date, end: date, ids: bool = True) -> dict[str, Any]:
        return ground_truth(self.state_obj, platform, start, end, ids)


def build_server(state: SimState, host: str = "127.0.0.1", port: int = 0) -> uvicorn.Server:
    cfg = uvicorn.Config(
        SimulatorApp(state),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        http="h11",
        lifespan="off",
        timeout_keep_alive=30,
    )
    return uvicorn.Server(cfg)


@contextlib.contextmanager
def run_simulator(
    seed: int = 7, *, port: int = 0, config: SimConfig | None = None, process: bool = False
) -> Iterator[SimulatorHandle]:
    """Start the simulator on 127.0.0.1 in a background thread; yield its handle; stop it on exit.

    ``process=True`` runs it in a child process instead (its own GIL: what benchmarks and the demo
    want); the handle then speaks to it over ``/_sim/*`` (same methods, no ``state_obj``).
    """
    if process:
        with run_simulator_process(seed, port=port, config=config) as handle:
            yield handle  # type: ignore[misc]
        return
    state = SimState(seed, config)
    server = build_server(state, port=port)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, name=f"ccfinops-sim-{seed}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("simulator failed to start")
        time.sleep(0.01)
    sock = server.servers[0].sockets[0]
    bound = sock.getsockname()[1]
    try:
        yield SimulatorHandle(state, f"http://127.0.0.1:{bound}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


run_in_thread = run_simulator


class ProcessSimulatorHandle(_VendorEnv):
    """The ``SimulatorHandle`` API for a simulator in a child process, spoken over ``/_sim/*``."""

    def __init__(self, seed: int, base_url: str) -> None:
        from simulator.config import Credentials
        from simulator.org import load_org

        self.base_url = base_url
        self.seed = seed
        self._creds = Credentials.for_seed(seed)
        self._tenant_id = load_org().cxone.tenant_id

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        import httpx

        resp = httpx.request(method, self.base_url + path, timeout=300, **kw)
        if resp.status_code != 200:
            raise RuntimeError(f"simulator {method} {path}: HTTP {resp.status_code}: {resp.text[:300]}")
        return resp.json()

    def set_faults(self, **kw: Any) -> dict[str, Any]:
        try:
            return self._call("POST", "/_sim/faults", json=kw)
        except RuntimeError as exc:
            raise ValueError(str(exc)) from exc

    def set_clock(self, dt: datetime) -> None:
        self._call("POST", "/_sim/clock", json={"now": dt.isoformat()})

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "/_sim/clock", json={"advance_seconds": seconds})

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/_sim/state")

    def ground_truth(self, platform: str, start: date, end: date, ids: bool = True) -> dict[str, Any]:
        params = {
            "platform": platform,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "ids": "true" if ids else "false",
        }
        return self._call("GET", "/_sim/ground-truth", params=params)


def _serve_child() -> None:
    """Child-process entry: read (seed, port, config) pickled on stdin, bind, print the port, serve."""
    import pickle
    import sys

    seed, port, config = pickle.loads(sys.stdin.buffer.read())
    state = SimState(seed, config)
    server = build_server(state, port=port)

    async def main() -> None:
        task = asyncio.ensure_future(server.serve())
        while not server.started:
            if task.done():
                task.result()
                raise SystemExit("simulator failed to start")
            await asyncio.sleep(0.01)
        sys.stdout.write(f"{server.servers[0].sockets[0].getsockname()[1]}\n")
        sys.stdout.flush()
        await task

    asyncio.run(main())


@contextlib.contextmanager
def run_simulator_process(
    seed: int = 7, *, port: int = 0, config: SimConfig | None = None
) -> Iterator[ProcessSimulatorHandle]:
    """Start the simulator in a child process (``python -m simulator.server``) so it never
    shares the caller's GIL; yield a handle that talks to it over ``/_sim/*``; terminate it on exit."""
    import pickle
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator.server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(pickle.dumps((seed, port, config)))
        proc.stdin.close()
        line = proc.stdout.readline().strip()  # blocks until bound (or the child exits)
        if not line.isdigit():
            proc.wait(timeout=10)
            raise RuntimeError(f"simulator process failed to start (exit code {proc.returncode})")
        yield ProcessSimulatorHandle(seed, f"http://127.0.0.1:{int(line)}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()


def serve_forever(seed: int, port: int, config: SimConfig | None = None, host: str = "127.0.0.1") -> None:
    """Blocking run for ``ccfinops simulate``."""
    state = SimState(seed, config)
    server = build_server(state, host=host, port=port)
    server.run()


__all__ = [
    "run_simulator",
    "run_in_thread",
    "run_simulator_process",
    "SimulatorHandle",
    "ProcessSimulatorHandle",
    "SimulatorApp",
    "serve_forever",
]


if __name__ == "__main__":
    _serve_child()
