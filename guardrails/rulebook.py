"""The warehouse's rules as the receiver uses them: a versioned artifact exported after every build.

``export_rulebook(db, out)`` reads the dbt export models (``select *``) and writes one JSON file
(atomic rename) with a content fingerprint; the receiver hot-reloads it (:class:`RuleBook`). Nothing
here decides a rule: rate lines, cost-center lookups, the attribution precedence, baselines, bands
and hour-of-day profiles are dbt rows; this module indexes them and applies them as data.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import orjson

from ingestion import warehouse as _warehouse

FORMAT = 1
MICRO = Decimal("0.000001")
HISTORY_DAYS = 400  # baselines exported: a little over a year before the newest day
#: artifact table -> dbt model (all in the marts schema)
TABLES = {
    "rate_cards": "dim_guardrail_rate_cards_daily",
    "cost_center_lookup": "dim_guardrail_cost_center_lookup",
    "attribution_rules": "dim_guardrail_attribution_rules",
    "settings": "dim_guardrail_receiver_settings",
    "baselines": "fct_guardrail_baselines",
    "hourly_profiles": "dim_guardrail_hourly_profiles",
    "intraday_bands": "dim_guardrail_intraday_bands",
    "notification_routes": "dim_guardrail_notification_routes",
    "carrier_aliases": "dim_guardrail_carrier_aliases",
}
#: tables a rule book exported before they existed may lack (the receiver then uses its fallback)
OPTIONAL_TABLES = frozenset({"intraday_bands", "notification_routes", "carrier_aliases"})
USAGE_TYPE = {"telephony.call.completed": "voice", "ai.transcription.completed": "transcription"}


def _day_type(at: datetime) -> str:
    """The profile day type of ``at`` (UTC), as macro ``guardrail_day_type`` assigns it in dbt."""
    return "weekend" if at.weekday() >= 5 else "weekday"


class RuleBookError(ValueError):
    """An artifact the receiver cannot use (names the file, table and field)."""


# ----------------------------------------------------------------------------- export
def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def read_tables(db_path: Path, schema: str = "analytics") -> dict[str, dict[str, Any]]:
    """Every export model as ``{table: {columns, rows}}`` (opens the warehouse read-only, then closes)."""

    if not schema.replace("_", "").isalnum():
        raise ValueError(f"invalid schema name {schema!r}")
    con = _warehouse.connect(str(db_path), read_only=True)
    try:
        out: dict[str, dict[str, Any]] = {}
        built = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        }
        for name, model in TABLES.items():
            if name in OPTIONAL_TABLES and model not in built:
                continue  # a warehouse built before the model existed: the receiver's fallback applies
            sql = f"select * from {schema}.{model}"
            params: list[Any] = []
            if name == "baselines":
                newest = con.execute(f"select max(cost_date) from {schema}.{model}").fetchone()[0]
                if newest is not None:
                    sql += " where cost_date >= ?"
                    params = [newest - timedelta(days=HISTORY_DAYS)]
            cur = con.execute(sql, params)
            columns = [d[0] for d in cur.description]
            out[name] = {"columns": columns, "rows": [[_plain(v) for v in r] for r in cur.fetchall()]}
        return out
    finally:
        con.close()


def artifact_bytes(tables: dict[str, dict[str, Any]], source: str) -> bytes:
    """The artifact document: format, fingerprint (sha256 of the tables), export time, tables."""
    body = orjson.dumps(tables, option=orjson.OPT_SORT_KEYS)
    doc = {
        "format": FORMAT,
        "fingerprint": hashlib.sha256(body).hexdigest(),
        "exported_at": datetime.now(UTC).isoformat(),
        "source": source,
        "tables": tables,
    }
    return orjson.dumps(doc)


def export_rulebook(db_path: Path, out: Path, schema: str = "analytics") -> RuleBook:
    """Export the rules of a built warehouse to ``out`` (atomic rename); return what was written."""
    raw = artifact_bytes(read_tables(db_path, schema), f"duckdb:{Path(db_path).name}")
    book = RuleBook.parse(raw, str(out))  # never publish an artifact the receiver would refuse
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, out)
    return book


def default_rulebook_path(db_path: str | os.PathLike[str]) -> Path:
    """``$CCFINOPS_GUARDRAIL_RULES``, else ``<warehouse>.guardrail-rules.json`` beside the warehouse."""
    env = os.environ.get("CCFINOPS_GUARDRAIL_RULES")
    return Path(env) if env else Path(str(db_path) + ".guardrail-rules.json")


# ----------------------------------------------------------------------------- rows
@dataclass(frozen=True, slots=True)
class RateLine:
    """One ``dim_guardrail_rate_cards_daily`` row."""

    rate: Decimal
    unit: str
    increment_seconds: int
    minimum_seconds: int
    currency: str
    rate_card_version: str

    def cost(self, duration_ms: int, *, provisional: bool = False) -> Decimal:
        """Cost under this line, as ``macros/rating.sql`` (``billable_seconds``, per-minute, half up)."""
        if self.unit == "evaluation":
            return self.rate
        if duration_ms <= 0:
            return Decimal(0)
        if self.increment_seconds <= 0:
            billed = math.ceil(duration_ms / 1000)
        else:
            step = self.increment_seconds
            billed = -(-duration_ms // (step * 1000)) * step
        billed = max(billed, 0 if provisional else self.minimum_seconds)
        return (self.rate * billed / 60).quantize(MICRO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A cost center found by one attribution rule."""

    cost_center: str
    rule: str
    lookup_kind: str
    key: str
    mapping_version: str
    resolved_via: str | None
    weight: Decimal | None


@dataclass(frozen=True, slots=True)
class Baseline:
    """The ``fct_guardrail_baselines`` row of one cost center and day (the policy's numbers)."""

    daily_cost: Decimal
    policy_mode: str
    guardrail_band_pct: Decimal
    expected_daily_cost: Decimal | None
    effective_band_pct: Decimal | None
    floor_amount: Decimal
    expected_upper_bound: Decimal | None
    expected_status: str
    weekday_history_weeks: int
    baseline_30d: Decimal | None
    seed_upper_bound: Decimal | None
    seed_status: str
    history_days: int
    status: str


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


# ----------------------------------------------------------------------------- the book
class RuleBook:
    """An immutable, indexed copy of one artifact."""

    def __init__(self, doc: dict[str, Any], where: str) -> None:
        self.where = where
        if doc.get("format") != FORMAT:
            raise RuleBookError(f"{where}: format {doc.get('format')!r} is not {FORMAT}")
        self.fingerprint = str(doc.get("fingerprint") or "")
        self.version = self.fingerprint[:12]
        self.exported_at = str(doc.get("exported_at") or "")
        tables = doc.get("tables") or {}
        missing = [t for t in TABLES if t not in tables and t not in OPTIONAL_TABLES]
        if missing:
            raise RuleBookError(f"{where}: table {missing[0]!r} missing (export model {TABLES[missing[0]]})")
        self._tables = tables
        self.rates = self._index_rates()
        self.lookups = self._index_lookups()
        self.rules = [
            (r["rule_name"], r["lookup_kind"], r["input_field"])
            for r in sorted(self._rows("attribution_rules"), key=lambda r: int(r["rule_order"]))
        ]
        if not self.rules:
            raise RuleBookError(f"{where}: attribution_rules is empty")
        settings = self._rows("settings")
        if not settings:
            raise RuleBookError(f"{where}: settings is empty")
        self.policy_mode = str(settings[0]["policy_mode"])
        self.unattributed = str(settings[0]["unattributed_cost_center"])
        self.window_hours = int(settings[0]["window_hours"] or 0)
        self.window_band_factor = Decimal(str(settings[0]["window_band_factor"]))
        self.band_exponent = Decimal(str(settings[0]["intraday_band_exponent"]))
        # materiality on the projected day (with a minimum already spent) or on the excess so far
        basis = settings[0].get("materiality_basis") or "so_far"
        self.floor_min = _d(settings[0].get("floor_min_amount")) if basis == "projected" else None
        # the pace test (last hours vs the day's own earlier rate); absent in older rule books: off
        self.pace_min_share = _d(settings[0].get("pace_min_share"))
        self.assumed_leg = {
            s["platform"]: (s["assumed_carrier"], s["assumed_direction"], s["assumed_number_type"])
            for s in settings
        }
        self.registered = frozenset(
            r["lookup_key"] for r in self._rows("cost_center_lookup") if r["lookup_kind"] == "cost_center"
        )
        self.baselines = self._index_baselines()
        self.profiles = self._index_profiles()
        self.intraday_bands = self._index_intraday_bands()
        #: (platform, provider name in lower case) -> the rate-card carrier it stands for
        self.carrier_aliases = {
            (r["platform"], r["provider_name"]): r["carrier"]
            for r in (self._rows("carrier_aliases") if "carrier_aliases" in self._tables else [])
        }
        #: cost center -> the (recipient, scope, target env var) told about it in real time
        self.routes: dict[str, list[tuple[str, str, str]]] = {}
        for r in self._rows("notification_routes") if "notification_routes" in self._tables else []:
            self.routes.setdefault(r["cost_center"], []).append(
                (r["recipient"], r["route_scope"], r["target_env"])
            )

    @classmethod
    def parse(cls, raw: bytes, where: str) -> RuleBook:
        """Parse artifact bytes; :class:`RuleBookError` names what is wrong."""
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise RuleBookError(f"{where}: not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise RuleBookError(f"{where}: expected a JSON object")
        try:
            return cls(doc, where)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            if isinstance(exc, RuleBookError):
                raise
            raise RuleBookError(f"{where}: invalid row: {type(exc).__name__}: {exc}") from None

    @classmethod
    def load(cls, path: Path) -> RuleBook:
        """Read an exported artifact."""
        return cls.parse(Path(path).read_bytes(), str(path))

    @classmethod
    def from_warehouse(cls, db_path: Path, schema: str = "analytics") -> RuleBook:
        """The same rules read straight from a built warehouse (read-only, closed afterwards)."""
        raw = artifact_bytes(read_tables(db_path, schema), f"duckdb:{Path(db_path).name}")
        return cls.parse(raw, f"duckdb:{Path(db_path).name}")

    def _rows(self, table: str) -> list[dict[str, Any]]:
        t = self._tables[table]
        cols = t["columns"]
        return [dict(zip(cols, row, strict=True)) for row in t["rows"]]

    def _index_rates(self) -> dict[tuple[str, str, str, str, date], RateLine]:
        out = {}
        for r in self._rows("rate_cards"):
            out[(r["usage_type"], r["carrier"], r["direction"], r["number_type"], _day(r["date_day"]))] = (
                RateLine(
                    rate=Decimal(str(r["rate"])),
                    unit=r["unit"] or "minute",
                    increment_seconds=int(r["increment_seconds"] or 0),
                    minimum_seconds=int(r["minimum_seconds"] or 0),
                    currency=r["currency"],
                    rate_card_version=r["rate_card_version"],
                )
            )
        return out

    def _index_lookups(self) -> dict[tuple[str, str | None, str, date | None], dict[str, Any]]:
        return {
            (r["lookup_kind"], r["platform"], r["lookup_key"], _day(r["date_day"])): r
            for r in self._rows("cost_center_lookup")
        }

    def _index_baselines(self) -> dict[tuple[str, date], Baseline]:
        out = {}
        for r in self._rows("baselines"):
            out[(r["cost_center"], _day(r["cost_date"]))] = Baseline(
                daily_cost=Decimal(str(r["daily_cost"])),
                policy_mode=r["policy_mode"],
                guardrail_band_pct=Decimal(str(r["guardrail_band_pct"])),
                expected_daily_cost=_d(r["expected_daily_cost"]),
                effective_band_pct=_d(r["effective_band_pct"]),
                floor_amount=Decimal(str(r["floor_amount"])),
                expected_upper_bound=_d(r["expected_upper_bound"]),
                expected_status=r["expected_status"],
                weekday_history_weeks=int(r["weekday_history_weeks"] or 0),
                baseline_30d=_d(r["baseline_30d"]),
                seed_upper_bound=_d(r["seed_upper_bound"]),
                seed_status=r["seed_status"],
                history_days=int(r["history_days"] or 0),
                status=r["status"],
            )
        return out

    def _index_profiles(self) -> dict[tuple[str, str], list[Decimal]]:
        out: dict[tuple[str, str], list[Decimal]] = {}
        for r in self._rows("hourly_profiles"):
            out.setdefault((r["cost_center"], r["day_type"]), [Decimal(0)] * 24)[int(r["hour_of_day"])] = (
                Decimal(str(r["cumulative_share"]))
            )
        return out

    def _index_intraday_bands(self) -> dict[tuple[str, str], list[tuple[Decimal | None, Decimal | None]]]:
        out: dict[tuple[str, str], list[tuple[Decimal | None, Decimal | None]]] = {}
        self.pace_bands: dict[tuple[str, str], list[Decimal | None]] = {}
        for r in self._rows("intraday_bands") if "intraday_bands" in self._tables else []:
            bands = out.setdefault((r["cost_center"], r["day_type"]), [(None, None)] * 24)
            bands[int(r["hour_of_day"])] = (_d(r["cumulative_band_pct"]), _d(r["window_band_pct"]))
            pace = self.pace_bands.setdefault((r["cost_center"], r["day_type"]), [None] * 24)
            pace[int(r["hour_of_day"])] = _d(r.get("pace_band_pct"))
        return out

    # ------------------------------------------------------------------ rating
    def rate_line(
        self,
        usage_type: str,
        platform: str,
        carrier: str | None,
        direction: str | None,
        number_type: str | None,
        day: date,
    ) -> RateLine | None:
        """The rate line as ``int_usage_items_rated`` joins it: the exact line, else the ``*`` line.

        A voice event that does not say its leg takes the platform's assumed leg (var
        ``guardrail_unspecified_leg``) for what it leaves out.
        """
        if carrier:  # a platform's own name for the leg (a Genesys session's "Edge") -> its carrier
            carrier = self.carrier_aliases.get((platform, carrier.lower()), carrier)
        if usage_type == "voice" and platform in self.assumed_leg:
            leg = self.assumed_leg[platform]
            carrier, direction, number_type = carrier or leg[0], direction or leg[1], number_type or leg[2]
        exact = self.rates.get((usage_type, carrier or "*", direction or "*", number_type or "*", day))
        return exact or self.rates.get((usage_type, "*", "*", "*", day))

    # ------------------------------------------------------------ attribution
    def resolve(self, inputs: dict[str, str | None], platform: str | None, day: date) -> Resolution | None:
        """Walk the exported precedence; the first lookup that finds a cost center wins."""
        for rule, kind, field in self.rules:
            key = inputs.get(field)
            if not key:
                continue
            row = self.lookups.get((kind, None, key, None))
            if row is None and platform is not None:
                row = self.lookups.get((kind, platform, key, day))
            if row is not None:
                return Resolution(
                    cost_center=row["cost_center"],
                    rule=rule,
                    lookup_kind=kind,
                    key=key,
                    mapping_version=row["mapping_version"],
                    resolved_via=row["resolved_via"],
                    weight=_d(row["weight"]),
                )
        return None

    def band_pct(self, cost_center: str, day: date) -> Decimal | None:
        """The cost center's registry band on ``day`` (from its baseline row)."""
        row = self.baselines.get((cost_center, day))
        return row.guardrail_band_pct if row else None

    def baseline(self, cost_center: str, day: date) -> Baseline | None:
        """The baseline row of a cost center and day (``None`` when the warehouse has not scored it)."""
        return self.baselines.get((cost_center, day))

    def intraday_band(self, cost_center: str, at: datetime) -> tuple[Decimal | None, Decimal | None]:
        """(cumulative, window) band % of the hour of ``at`` (UTC), measured on history in dbt;
        ``None`` where the warehouse has too little history (the caller falls back)."""
        day_type = _day_type(at)
        bands = self.intraday_bands.get((cost_center, day_type))
        return bands[at.hour] if bands is not None else (None, None)

    def pace_band(self, cost_center: str, at: datetime) -> Decimal | None:
        """The pace test's band % for the hour of ``at`` (UTC), measured in dbt; ``None`` = no pace test
        (too little history, too little of the day before the window, or an older rule book)."""
        if self.pace_min_share is None:
            return None
        day_type = _day_type(at)
        bands = self.pace_bands.get((cost_center, day_type))
        return bands[at.hour] if bands is not None else None

    def cumulative_share(self, cost_center: str, at: datetime) -> Decimal:
        """Expected share of the day's cost incurred by ``at`` (UTC), interpolated within the hour."""
        day_type = _day_type(at)
        profile = self.profiles.get((cost_center, day_type))
        if profile is None:
            return Decimal(at.hour * 3600 + at.minute * 60 + at.second) / Decimal(86_400)
        before = profile[at.hour - 1] if at.hour else Decimal(0)
        within = Decimal(at.minute * 60 + at.second) / Decimal(3600)
        return before + (profile[at.hour] - before) * within
