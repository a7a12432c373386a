"""Usage-event bodies the receiver accepts, normalised to one :class:`UsageEvent`.

Three shapes are accepted on ``POST /api/v1/evaluate-usage``:

* the seed template ``{event_id, event_type, queue_id, duration_ms, cost_center, timestamp}``;
* a Genesys Cloud detail-event notification (``{topicName, version, eventBody, metadata}``) or the
  bare ``eventBody`` a Process Automation workflow posts (UPPERCASE enums, epoch-ms ``eventTime``);
* the Amazon EventBridge wrapper around the notification (``{"detail-type", "detail": {...}}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

EVENT_TYPES = ("telephony.call.completed", "ai.transcription.completed")
MAX_DURATION_MS = 86_400_000  # one day: anything longer is a bad clock or a bad field


def _whole_number(value: Any) -> Any:
    """JSON integers only: a boolean or a string is refused (``false`` is not 0 ms); 60000.0 is 60000."""
    if isinstance(value, (bool, str)):
        raise ValueError("must be a JSON integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


StrictInt = Annotated[int, BeforeValidator(_whole_number)]
Duration = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=MAX_DURATION_MS)]


class BodyError(ValueError):
    """A request body that cannot be used; ``errors`` name the failing field (FastAPI style)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors


def _errors(exc: ValidationError, prefix: tuple[str | int, ...]) -> BodyError:
    return BodyError(
        [{"loc": ["body", *prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    )


def _field_error(loc: tuple[str | int, ...], msg: str) -> BodyError:
    return BodyError([{"loc": ["body", *loc], "msg": msg, "type": "value_error"}])


class SeedUsageEvent(BaseModel):
    """The seed's webhook template (lower-case, ISO timestamp)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")
    event_type: Literal["telephony.call.completed", "ai.transcription.completed"]
    queue_id: str = Field(min_length=1, max_length=100)
    originating_queue_id: str | None = Field(default=None, min_length=1, max_length=100)
    duration_ms: StrictInt = Field(ge=0, le=MAX_DURATION_MS)
    cost_center: str | None = Field(default=None, min_length=1, max_length=100)
    timestamp: datetime = Field(json_schema_extra={"pattern": r"^(20[0-9]{2}|2100)-"})
    platform: Literal["genesys", "cxone"] | None = None
    campaign: str | None = Field(default=None, max_length=100)
    carrier: str | None = Field(default=None, max_length=100)
    direction: Literal["inbound", "outbound"] | None = None
    number_type: Literal["local", "toll_free"] | None = None

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamp needs a UTC offset (e.g. 2026-11-27T10:00:00Z)")
        if not 2000 <= value.year <= 2100:
            raise ValueError("timestamp out of range")
        return value.astimezone(UTC)


class GenesysEventBody(BaseModel):
    """The detail-event ``eventBody`` (customer.end / user.end / acd.end / transcription)."""

    model_config = ConfigDict(extra="ignore")

    eventTime: StrictInt = Field(ge=946_684_800_000, le=4_102_444_800_000)  # 2000..2100 in epoch ms
    conversationId: str = Field(min_length=1, max_length=100)
    participantId: str | None = Field(default=None, max_length=100)
    sessionId: str | None = Field(default=None, max_length=100)
    mediaType: str = Field(default="VOICE", max_length=40)
    direction: str | None = Field(default=None, max_length=40)
    provider: str | None = Field(default=None, max_length=100)
    queueId: str | None = Field(default=None, max_length=100)
    interactingDurationMs: Duration | None = None
    connectedDurationMs: Duration | None = None
    transcriptionDurationMs: Duration | None = None
    attributes: dict[str, Any] | None = None


class GenesysNotification(BaseModel):
    """The notification-service envelope ``{topicName, version, eventBody, metadata}``."""

    model_config = ConfigDict(extra="ignore")

    topicName: str = Field(min_length=1, max_length=300)
    version: str | None = None
    eventBody: dict[str, Any]
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One normalised usage event (what is costed, evaluated and spooled)."""

    event_id: str
    event_type: str
    platform: str
    queue_id: str | None
    cost_center: str | None
    duration_ms: int
    event_time: datetime
    campaign: str | None = None
    carrier: str | None = None
    direction: str | None = None
    number_type: str | None = None
    source_shape: str = "seed"
    originating_queue_id: str | None = None


def _platform_for(queue_id: str) -> str:
    """CXone skill ids are integers; Genesys queue ids are UUIDs."""
    return "cxone" if queue_id.isdigit() else "genesys"


def _from_seed(body: dict[str, Any]) -> UsageEvent:
    try:
        seed = SeedUsageEvent.model_validate(body)
    except ValidationError as exc:
        raise _errors(exc, ()) from None
    return UsageEvent(
        event_id=seed.event_id,
        event_type=seed.event_type,
        platform=seed.platform or _platform_for(seed.queue_id),
        queue_id=seed.queue_id,
        cost_center=seed.cost_center,
        duration_ms=seed.duration_ms,
        event_time=seed.timestamp,
        campaign=seed.campaign,
        carrier=seed.carrier,
        direction=seed.direction,
        number_type=seed.number_type,
        originating_queue_id=seed.originating_queue_id,
    )


def _from_genesys(event_body: Any, topic: str | None, loc: tuple[str, ...], shape: str) -> UsageEvent:
    if not isinstance(event_body, dict):
        raise _field_error(loc, "must be a JSON object")
    try:
        body = GenesysEventBody.model_validate(event_body)
    except ValidationError as exc:
        raise _errors(exc, loc) from None
    suffix = "end"
    if topic:
        parts = topic.split(".")
        # v2.detail.events.conversation.<id>.customer.end -> "customer.end"
        suffix = ".".join(parts[5:]) if len(parts) > 5 else parts[-1]
    is_transcription = "transcri" in (topic or "").lower() or body.transcriptionDurationMs is not None
    if is_transcription:
        event_type = "ai.transcription.completed"
        duration = body.transcriptionDurationMs
        duration_field = "transcriptionDurationMs"
    else:
        if body.mediaType.upper() != "VOICE":
            raise _field_error((*loc, "mediaType"), "only VOICE conversations carry telephony usage cost")
        event_type = "telephony.call.completed"
        duration = body.interactingDurationMs if body.interactingDurationMs is not None else None
        if duration is None:
            duration = body.connectedDurationMs
        duration_field = "interactingDurationMs"
    if duration is None:
        raise _field_error((*loc, duration_field), "field required for a billable usage event")
    leg = body.sessionId or body.participantId or "conversation"
    attributes = body.attributes or {}
    cost_center = attributes.get("ccfinops_cost_center")
    direction = (body.direction or "").lower() or None
    return UsageEvent(
        event_id=f"genesys:{body.conversationId}:{leg}:{suffix}"[:200],
        event_type=event_type,
        platform="genesys",
        queue_id=body.queueId,
        cost_center=str(cost_center) if cost_center else None,
        duration_ms=duration,
        event_time=datetime.fromtimestamp(body.eventTime / 1000, tz=UTC),
        carrier=(body.provider or "").lower() or None,
        direction=direction if direction in ("inbound", "outbound") else None,
        source_shape=shape,
    )


def _from_notification(body: dict[str, Any], loc: tuple[str, ...], shape: str) -> UsageEvent:
    try:
        note = GenesysNotification.model_validate(body)
    except ValidationError as exc:
        raise _errors(exc, loc) from None
    return _from_genesys(note.eventBody, note.topicName, (*loc, "eventBody"), shape)


def parse_usage_event(body: Any) -> UsageEvent:
    """Detect the body's shape and normalise it; raise :class:`BodyError` naming the bad field."""
    if not isinstance(body, dict):
        raise _field_error((), "the body must be a JSON object")
    if "detail" in body and ("detail-type" in body or "source" in body):
        detail = body["detail"]
        if not isinstance(detail, dict):
            raise _field_error(("detail",), "must be a JSON object")
        if "eventBody" in detail:
            return _from_notification(detail, ("detail",), "eventbridge")
        return _from_genesys(detail, str(body.get("detail-type") or ""), ("detail",), "eventbridge")
    if "topicName" in body or "eventBody" in body:
        return _from_notification(body, (), "genesys_notification")
    if "eventTime" in body and "conversationId" in body:
        return _from_genesys(body, None, (), "genesys_event_body")
    return _from_seed(body)
