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

from guardrails.auth import SECRET_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureVerifier, secret_ok
from guardrails.events import BodyError, GenesysNotification, SeedUsageEvent, parse_usage_event
from guardrails.platform import PlatformWriter
from guardrails.registry import MappingNotFound
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


class CostMappingResponse(BaseModel):
    """The cost center to stamp on a call."""

    cost_center: str
    weight: str
    mapping_version: str
    key_type: str
    key: str
    resolved_via: str | None = None


_SHARED_SCHEMAS: dict[str, Any] = {}


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
    return {"oneOf": variants}


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
        description="Near-real-time contact-center cost guardrails (rolling baseline ± band).",
        lifespan=lifespan,
    )
    app.state.service = service

    def reject(reason: str, status: int, body: Any = None) -> Response:
        metrics.rejections.labels(reason).inc()
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)

    @app.post(
        "/api/v1/evaluate-usage",
        response_model=EvaluationResponse,
        responses={
            401: {"description": "bad or missing credentials"},
            413: {"description": "body too large"},
            422: {"description": "invalid body; detail names the field"},
        },
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": _request_schema()}}},
            "security": [{"PlatformSecret": []}],
        },
    )
    async def evaluate_usage(request: Request) -> Response:
        """Evaluate one usage event against its cost center's guardrail; durable before the answer."""
        started = time.perf_counter()
        headers = request.headers
        if not secret_ok(headers.get(SECRET_HEADER), secret):
            return reject("bad_secret", 401)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return reject("too_large", 413, {"detail": f"body larger than {cap} bytes"})
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                return reject("too_large", 413, {"detail": f"body larger than {cap} bytes"})
            chunks.append(chunk)
        raw = b"".join(chunks)
        if verifier is not None:
            why = verifier.verify(headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), raw)
            if why is not None:
                return reject(why, 401)
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return reject(
                "malformed",
                422,
                {"detail": [{"loc": ["body"], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]},
            )
        try:
            event = parse_usage_event(body)
        except BodyError as exc:
            return reject("invalid", 422, {"detail": exc.errors})
        try:
            answer = await service.submit(event, raw.decode("utf-8"))
        except OSError:
            return reject("spool_unavailable", 503, {"detail": "event not stored; retry"})
        metrics.latency.labels("evaluate-usage").observe(time.perf_counter() - started)
        return Response(orjson.dumps(answer), media_type="application/json")

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
        registry = service.registry.value
        assert registry is not None
        try:
            found = registry.lookup(queue_id=queue_id, campaign=campaign, platform=platform)
        except MappingNotFound as exc:
            return JSONResponse({"detail": exc.reason}, status_code=404)
        body = {
            "cost_center": found.cost_center,
            "weight": format(found.weight, "f"),
            "mapping_version": found.mapping_version,
            "key_type": found.key_type,
            "key": found.key,
            "resolved_via": found.resolved_via,
        }
        metrics.latency.labels("cost-mapping").observe(time.perf_counter() - started)
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
            "registry_version": service.registry.value.version if service.registry.value else None,
            "rate_card_version": service.rates.value.version if service.rates.value else None,
            "policy_version": service.policies.value.version if service.policies.value else None,
            "baseline_source": service.baselines.value.source if service.baselines.value else None,
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
