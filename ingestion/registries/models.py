"""Strict pydantic row models for the config registries.

Cells arrive as strings (CSV) or JSON scalars (HTTP source); blank cells mean "not given".
Money and rates are ``Decimal`` with at most 6 decimal places (they land in ``DECIMAL(18,6)``),
never floats. Dates are ISO ``YYYY-MM-DD`` only.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_DECIMAL_RE = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_RE = re.compile(r"^-?\d+$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _text(value: Any) -> Any:
    """Return a JSON scalar or CSV cell as stripped text (floats are refused: money must be exact)."""
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError("expected a number or text, got a boolean")
    if isinstance(value, float):
        raise ValueError("floats are not accepted; write the value as a decimal string")
    return str(value).strip()


def _parse_decimal(value: Any) -> Any:
    if value is None:
        return value
    text = format(value, "f") if isinstance(value, Decimal) else _text(value)
    if not _DECIMAL_RE.match(text):
        raise ValueError(
            f"{text!r} is not a decimal (digits, optional '.', at most 12 integer and 6 decimal places)"
        )
    return Decimal(text)


def _parse_date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    text = _text(value)
    if not _DATE_RE.match(text):
        raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid calendar date ({exc})") from None


def _parse_int(value: Any) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    text = _text(value)
    if not _INT_RE.match(text):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def _parse_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


Dec = Annotated[Decimal, BeforeValidator(_parse_decimal)]
Day = Annotated[dt.date, BeforeValidator(_parse_date)]
Int = Annotated[int, BeforeValidator(_parse_int)]
Bool = Annotated[bool, BeforeValidator(_parse_bool)]
Text = Annotated[str, BeforeValidator(_text), Field(min_length=1)]
Currency = Annotated[str, BeforeValidator(_text), Field(pattern=r"^[A-Z]{3}$")]


class _Row(BaseModel):
    """Common behaviour: unknown fields are errors, blank cells become ``None``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data


class CostCenter(_Row):
    """One cost center: who owns it and its guardrail band (``None`` → the default 15 %)."""

    cost_center: Text = Field(pattern=r"^CC-[A-Z0-9-]+$")
    name: Text
    owner: Text
    guardrail_band_pct: Dec | None = Field(default=None, gt=0, le=100)
    is_active: Bool = True


class CostCenterMapping(_Row):
    """Queue/skill/campaign → cost center for a half-open date range [effective_from, effective_to)."""

    platform: Literal["genesys", "cxone"]
    key_type: Literal["queue", "campaign"]
    key: Text
    key_name: Text
    cost_center: Text | None = None
    #: split attribution is not modelled: an item goes to one cost center, so the weight must be 1
    weight: Dec = Field(default=Decimal(1), gt=0, le=1)
    parent_queue_id: Text | None = None
    effective_from: Day
    effective_to: Day | None = None
    mapping_version: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> CostCenterMapping:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise _field_error("effective_to", "must be after effective_from (the range is [from, to))")
        if self.weight != 1:
            raise _field_error(
                "weight",
                "must be 1: an item is charged to one cost center (split attribution is not modelled)",
            )
        if self.cost_center is None and self.parent_queue_id is None:
            raise _field_error("cost_center", "required unless parent_queue_id names the parent queue")
        if self.cost_center is not None and self.parent_queue_id is not None:
            raise _field_error("parent_queue_id", "give either cost_center or parent_queue_id, not both")
        if self.parent_queue_id is not None and self.key_type != "queue":
            raise _field_error("parent_queue_id", "only queues can inherit from a parent queue")
        if self.parent_queue_id == self.key:
            raise _field_error("parent_queue_id", "a queue cannot be its own parent")
        return self


class RateCard(_Row):
    """A per-minute (voice, transcription) or per-evaluation (WEM) rate for a date range."""

    usage_type: Literal["voice", "transcription", "wem_evaluation"]
    carrier: Text
    direction: Literal["inbound", "outbound", "*"]
    number_type: Literal["local", "toll_free", "*"]
    rate: Dec = Field(ge=0)
    unit: Literal["minute", "evaluation"]
    increment_seconds: Int = Field(default=6, ge=0, le=3600)
    minimum_seconds: Int = Field(default=0, ge=0, le=3600)
    currency: Currency
    effective_from: Day
    effective_to: Day | None = None
    rate_card_version: Text

    @model_validator(mode="after")
    def _check(self) -> RateCard:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise _field_error("effective_to", "must be after effective_from (the range is [from, to))")
        wanted_unit = "evaluation" if self.usage_type == "wem_evaluation" else "minute"
        if self.unit != wanted_unit:
            raise _field_error("unit", f"{self.usage_type} rates are per {wanted_unit}")
        if self.usage_type == "voice":
            for name in ("carrier", "direction", "number_type"):
                if getattr(self, name) == "*":
                    raise _field_error(name, "voice rates need an explicit value, not '*'")
        else:
            for name in ("carrier", "direction", "number_type"):
                if getattr(self, name) != "*":
                    raise _field_error(name, f"{self.usage_type} rates use '*' here")
        if self.unit == "minute" and self.increment_seconds < 1:
            raise _field_error("increment_seconds", "per-minute rates need an increment of at least 1 s")
        return self


class CostPool(_Row):
    """A licence, platform fee or shared cost for one calendar month [period_start, period_end)."""

    pool_name: Text = Field(pattern=r"^[a-z0-9_]+$")
    pool_type: Literal["licence", "shared", "platform_fee"]
    platform: Literal["genesys", "cxone", "all"]
    monthly_amount: Dec = Field(ge=0)
    cap: Dec | None = Field(default=None, ge=0)
    currency: Currency
    period_start: Day
    period_end: Day
    allocation_basis: Literal["queue_minutes"] = "queue_minutes"
    charge_name: Text | None = None
    rule_version: Text
    owner_cost_center: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> CostPool:
        if self.cap is not None and self.owner_cost_center is None:
            raise _field_error(
                "owner_cost_center", "a pool with a cap needs the cost center charged the amount above it"
            )
        if self.period_start.day != 1:
            raise _field_error("period_start", "must be the first day of a month")
        nxt = _next_month(self.period_start)
        if self.period_end != nxt:
            raise _field_error("period_end", f"must be {nxt.isoformat()} (periods are one calendar month)")
        if self.pool_type == "licence" and self.charge_name is None:
            raise _field_error("charge_name", "licence pools need the billable-usage charge name")
        if self.pool_type != "licence" and self.charge_name is not None:
            raise _field_error("charge_name", "only licence pools have a charge name")
        return self


class Budget(_Row):
    """A monthly budget of one cost center for the months in [effective_from, effective_to).

    ``alert_thresholds_pct`` lists percents of the budget (``80;100``) at which the owner is told;
    ``alert_on`` says what is compared with them: the forecast's 80 % lower bound or the actual cost.
    """

    cost_center: Text
    amount: Dec = Field(ge=0)
    currency: Currency
    effective_from: Day
    effective_to: Day | None = None
    owner: Text | None = None
    alert_thresholds_pct: Text = "80;100"
    alert_on: Literal["forecast", "actual"] = "forecast"
    budget_version: Text

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """A blank threshold / alert_on cell means the default (80;100, forecast)."""
        if isinstance(data, dict):
            defaults = {"alert_thresholds_pct": "80;100", "alert_on": "forecast"}
            blank = {k: v for k, v in defaults.items() if k in data and not str(data[k] or "").strip()}
            return {**data, **blank}
        return data

    @model_validator(mode="after")
    def _check(self) -> Budget:
        if self.effective_from.day != 1:
            raise _field_error("effective_from", "must be the first day of a month (budgets are monthly)")
        if self.effective_to is not None:
            if self.effective_to.day != 1:
                raise _field_error("effective_to", "must be the first day of a month (budgets are monthly)")
            if self.effective_to <= self.effective_from:
                raise _field_error("effective_to", "must be after effective_from (the range is [from, to))")
        self.thresholds()  # raises naming the field
        return self

    def thresholds(self) -> tuple[Decimal, ...]:
        """The alert thresholds as percents, ascending."""
        values = []
        for part in self.alert_thresholds_pct.split(";"):
            text = part.strip()
            if not _DECIMAL_RE.match(text) or not Decimal(0) < Decimal(text) <= Decimal(1000):
                raise _field_error(
                    "alert_thresholds_pct", f"{text!r} is not a percent in (0, 1000]; write e.g. 80;100"
                )
            values.append(Decimal(text))
        if len(set(values)) != len(values):
            raise _field_error("alert_thresholds_pct", "a threshold is listed twice")
        return tuple(sorted(values))


class NotificationRoute(_Row):
    """Where one recipient is notified: an apprise URL held in an environment variable.

    ``recipient`` is a cost center owner (as in ``cost_centers.csv``) or, with ``scope = finance``, a
    name for a finance channel that receives every cost center. The URL (it carries credentials) is
    never in the file: ``target_env`` names the variable that holds it.
    """

    recipient: Text
    scope: Literal["owner", "finance"] = "owner"
    target_env: Text

    @model_validator(mode="after")
    def _check(self) -> NotificationRoute:
        if "://" in self.target_env or "@" in self.target_env:
            raise _field_error(
                "target_env", "looks like a URL or address: put it in an environment variable, name that here"
            )
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", self.target_env):
            raise _field_error("target_env", f"{self.target_env!r} is not an environment variable name")
        return self


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


class FieldError(ValueError):
    """A cross-field rule broken by one named field (raised inside ``model_validator``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _field_error(field: str, message: str) -> FieldError:
    return FieldError(field, message)
