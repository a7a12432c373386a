"""The ASGI app: ``POST /api/v1/evaluate-usage``, ``GET /api/v1/cost-mapping``, ``/metrics``, ``/healthz``."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Any, Literal

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Route

from guardrails.auth import SignatureVerifier, secret_ok
from guardrails.events import (
    BodyError,
    GenesysEventBody,
    GenesysNotification,
    SeedUsageEvent,
    parse_usage_event,
)
from guardrails.platform import PlatformWriter
from guardrails.registry import MappingNotFound, lookup
from guardrails.service import GuardrailService
from guardrails.settings import Settings

log = logging.getLogger(__name__)


class EventBridgeEnvelope(BaseModel):
    """Amazon EventBridge delivery of a Genesys notification."""

    model_config = ConfigDict(populate_by_name=True)

    version: str | None = None
    id: str | None = None
    detail_type: str = Field(alias="detail-type")
    source: str
    time: str | None = None
    detail: GenesysNotification


class EvaluationResponse(BaseModel):
    """Decision for one usage event (money as decimal strings)."""

    event_id: str
    decision: Literal["allow", "warn", "mitigate"]
    cost_center: str
    consumption_today: str
    upper_bound: str | None
    policy_version: str
    reasons: list[str]
    estimated_cost: str
    baseline: str | None
    band_pct: str | None
    history_days: int
    actions: list[str]
    duplicate: bool
    expected_so_far: str | None = None
    projected_day: str | None = None


class CostMappingResponse(BaseModel):
    """The cost center to stamp on a call."""

    cost_center: str
    weight: str
    mapping_version: str
    key_type: str
    key: str
    resolved_via: str | None = None


_SHARED_SCHEMAS: dict[str, Any] = {}
_WANTED_HEADERS = frozenset(
    {b"x-platform-secret", b"content-length", b"x-platform-timestamp", b"x-platform-signature"}
)


def _json_bounds(node: Any) -> Any:
    """pydantic leaves ``ge``/``le`` of validated integers inside unions as-is: JSON Schema says min/max."""
    if isinstance(node, dict):
        renamed = {"ge": "minimum", "le": "maximum"}
        return {renamed.get(k, k): _json_bounds(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_json_bounds(v) for v in node]
    return node


def _request_schema() -> dict[str, Any]:
    """``oneOf`` the three accepted bodies; nested models go to ``components.schemas``."""
    schemas = [
        SeedUsageEvent.model_json_schema(ref_template="#/components/schemas/{model}"),
        GenesysNotification.model_json_schema(ref_template="#/components/schemas/{model}"),
        EventBridgeEnvelope.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True),
    ]
    variants = []
    for schema in schemas:
        _SHARED_SCHEMAS.update(schema.pop("$defs", {}))
        variants.append(schema)
    # the notification's eventBody is validated as GenesysEventBody (eventTime, conversationId
    # required; strict integers): document exactly that, so schema and handler agree
    body_schema = GenesysEventBody.model_json_schema(ref_template="#/components/schemas/{model}")
    # a billable event carries one of the durations; only voice conversations carry telephony cost
    body_schema["anyOf"] = [
        {"required": [name], "properties": {name: {"type": "integer"}}}
        for name in ("interactingDurationMs", "connectedDurationMs", "transcriptionDurationMs")
    ]
    body_schema["properties"]["mediaType"]["pattern"] = "^[Vv][Oo][Ii][Cc][Ee]$"
    _SHARED_SCHEMAS["GenesysEventBody"] = body_schema
    ref = {"$ref": "#/components/schemas/GenesysEventBody"}
    variants[1]["properties"]["eventBody"] = ref
    _SHARED_SCHEMAS["GenesysNotification"] = {
        **_SHARED_SCHEMAS.get("GenesysNotification", variants[1]),
        "properties": {**variants[1]["properties"]},
    }
    for name, shared in list(_SHARED_SCHEMAS.items()):
        _SHARED_SCHEMAS[name] = _json_bounds(shared)
    return {"oneOf": _json_bounds(variants)}


def _bare_401() -> Response:
    return Response(status_code=401)


def create_app(settings: Settings, *, writer: PlatformWriter | None = None) -> FastAPI:
    """Build the receiver app for one spool/settings."""
    service = GuardrailService(settings, writer=writer)
    verifier = (
        SignatureVerifier(settings.hmac_secret, settings.replay_window_s) if settings.hmac_secret else None
    )
    metrics = service.metrics
    cap = settings.max_body_bytes
    eval_latency = metrics.latency.labels("evaluate-usage")
    mapping_latency = metrics.latency.labels("cost-mapping")
    secret = settings.webhook_secret

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="ccfinops guardrails",
        version="1.0.0",
        description="Near-real-time contact-center cost guardrails (the warehouse's expected cost).",
        lifespan=lifespan,
    )
    app.state.service = service

    def reject(reason: str, status: int, body: Any = None) -> Response:
        metrics.rejections.labels(reason).inc()
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)

    class EvaluateUsage:
        """``POST /api/v1/evaluate-usage`` as a lean ASGI handler (the hot path; documented below)."""

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            started = time.perf_counter()
            headers: dict[bytes, bytes] = {k: v for k, v in scope["headers"] if k in _WANTED_HEADERS}
            given = headers.get(b"x-platform-secret")
            if not secret_ok(given.decode("latin-1") if given is not None else None, secret):
                return await self._reply(send, "bad_secret", 401)
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > cap):
                return await self._reply(send, "too_large", 413, {"detail": f"body larger than {cap} bytes"})
            chunks: list[bytes] = []
            size, more = 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > cap:
                    return await self._reply(
                        send, "too_large", 413, {"detail": f"body larger than {cap} bytes"}
                    )
                chunks.append(chunk)
                more = message.get("more_body", False)
            raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if verifier is not None:
                ts, sig = headers.get(b"x-platform-timestamp"), headers.get(b"x-platform-signature")
                why = verifier.verify(
                    ts.decode("latin-1") if ts is not None else None,
                    sig.decode("latin-1") if sig is not None else None,
                    raw,
                )
                if why is not None:
                    return await self._reply(send, why, 401)
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                detail = [{"loc": ["body"], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]
                return await self._reply(send, "malformed", 422, {"detail": detail})
            try:
                event = parse_usage_event(body)
                payload = raw.decode("utf-8")
            except BodyError as exc:
                return await self._reply(send, "invalid", 422, {"detail": exc.errors})
            except UnicodeDecodeError:
                detail = [{"loc": ["body"], "msg": "body is not UTF-8", "type": "encoding"}]
                return await self._reply(send, "malformed", 422, {"detail": detail})
            try:
                answer = await service.submit(event, payload)
            except OSError:
                return await self._reply(
                    send, "spool_unavailable", 503, {"detail": "event not stored; retry"}
                )
            await self._send(send, 200, orjson.dumps(answer))
            eval_latency.observe(time.perf_counter() - started)
            return None

        async def _reply(self, send: Any, reason: str, status: int, body: Any = None) -> None:
            metrics.rejections.labels(reason).inc()
            await self._send(send, status, b"" if body is None else orjson.dumps(body))

        @staticmethod
        async def _send(send: Any, status: int, content: bytes) -> None:
            headers = [(b"content-length", str(len(content)).encode())]
            if content:
                headers.append((b"content-type", b"application/json"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})

    # The served handler is the ASGI route inserted first; this FastAPI route only documents it.
    app.router.routes.insert(0, Route("/api/v1/evaluate-usage", EvaluateUsage(), methods=["POST"]))

    @app.post(
        "/api/v1/evaluate-usage",
        response_model=EvaluationResponse,
        responses={
            401: {"description": "bad or missing credentials (no body)"},
            413: {"description": "body too large"},
            422: {"description": "invalid body; detail names the field"},
            503: {"description": "the event could not be stored; retry"},
        },
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": _request_schema()}}},
            "security": [{"PlatformSecret": []}],
        },
    )
    async def evaluate_usage() -> None:  # pragma: no cover - shadowed by the ASGI route above
        """Evaluate one usage event against its cost center's guardrail; durable (fsynced) before the 2xx.

        Accepts the seed template, a Genesys detail-event notification (or its bare ``eventBody``) and
        the EventBridge wrapper. A repeated ``event_id`` returns the stored decision (``duplicate``).
        """
        raise RuntimeError("served by the EvaluateUsage ASGI route")

    @app.get(
        "/api/v1/cost-mapping",
        response_model=CostMappingResponse,
        responses={
            401: {"description": "bad or missing bearer token"},
            404: {"description": "no mapping in force; detail says why"},
        },
        openapi_extra={"security": [{"CostApiToken": []}]},
    )
    async def cost_mapping(
        request: Request,
        queue_id: str | None = Query(
            default=None, max_length=100, examples=["d41a4916-e89a-57c0-aa86-60d147f9421a"]
        ),
        campaign: str | None = Query(default=None, max_length=100, examples=["spring-promo"]),
        platform: Literal["genesys", "cxone"] | None = Query(default=None),
    ) -> Response:
        """The cost center to stamp on a call, from the registry in force now (served from memory)."""
        started = time.perf_counter()
        token = settings.cost_api_token
        auth = request.headers.get("authorization", "")
        if not token or not auth.startswith("Bearer ") or not secret_ok(auth[7:], token):
            return reject("bad_token", 401)
        book = service.rules.value
        assert book is not None
        try:
            found = lookup(book, queue_id=queue_id, campaign=campaign, platform=platform)
        except MappingNotFound as exc:
            return JSONResponse({"detail": exc.reason}, status_code=404)
        body = {
            "cost_center": found.cost_center,
            "weight": format(found.weight.normalize(), "f"),
            "mapping_version": found.mapping_version,
            "key_type": found.key_type,
            "key": found.key,
            "resolved_via": found.resolved_via,
        }
        mapping_latency.observe(time.perf_counter() - started)
        return Response(orjson.dumps(body), media_type="application/json")

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness plus the versions in force."""
        return {
            "status": "ok",
            "spool_depth": service.spool.depth,
            "events_indexed": len(service.index),
            "rules_version": service.rules.value.version if service.rules.value else None,
            "rules_exported_at": service.rules.value.exported_at if service.rules.value else None,
            "rules_error": service.rules.last_error,
            "policy_version": service.policies.value.version if service.policies.value else None,
            "policy_error": service.policies.last_error,
            "policy_mode": service.rules.value.policy_mode if service.rules.value else None,
            "mitigation_mode": settings.mitigation_mode,
        }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        comps = schema.setdefault("components", {})
        comps.setdefault("schemas", {}).update(_SHARED_SCHEMAS)
        comps.setdefault("securitySchemes", {}).update(
            {
                "PlatformSecret": {"type": "apiKey", "in": "header", "name": "X-Platform-Secret"},
                "CostApiToken": {"type": "http", "scheme": "bearer"},
            }
        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn guardrails.app:app_from_env --factory``."""
    return create_app(Settings.from_env())
