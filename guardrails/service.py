"""The receiver's core (no HTTP): cost, attribute, evaluate, spool, then mitigate and notify.

One instance per process; every mutation of the in-memory state happens on the event loop thread
between awaits, so no locks are needed there. Config files and baselines are reloaded on a timer by
a background thread that swaps immutable snapshots.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from guardrails.events import UsageEvent
from guardrails.executor import MitigationExecutor, action_id_for
from guardrails.metrics import Metrics
from guardrails.notify import Notifier
from guardrails.platform import PlatformWriter
from guardrails.policy import UNATTRIBUTED, Decision, PolicySet, evaluate
from guardrails.registry import Watched
from guardrails.routing import target_urls
from guardrails.rulebook import USAGE_TYPE, RuleBook
from guardrails.settings import Settings
from guardrails.spool import Spool

log = logging.getLogger(__name__)
SETTLE_SECONDS = 2.0  # only read a warehouse file that has not changed for this long


def _s(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class GuardrailService:
    """Everything behind ``POST /api/v1/evaluate-usage`` and ``GET /api/v1/cost-mapping``."""

    def __init__(
        self,
        settings: Settings,
        *,
        writer: PlatformWriter | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.settings = settings
        self.spool = Spool(
            settings.spool_dir,
            group_commit_max=settings.group_commit_max,
            max_inflight_syncs=settings.max_inflight_syncs,
        )
        self.rules: Watched[RuleBook] = Watched(self._rules_paths(), self._load_rules, "rules")
        self.policies: Watched[PolicySet] = Watched(
            [settings.policies_path, *self._rules_paths()], self._load_policies, "policies"
        )
        self.executor = MitigationExecutor(settings.audit_db, writer)
        self.notifier = notifier if notifier is not None else Notifier.from_env()
        self._route_notifiers: dict[str, Notifier | None] = {}
        self.metrics = Metrics(lambda: self.spool.depth, lambda: self.spool.lag_seconds)
        self.spool.on_flush = self._on_flush
        self.totals: dict[tuple[str, date], Decimal] = {}
        self.hourly: dict[tuple[str, date, int], Decimal] = {}
        # event_id -> the answer as JSON bytes: bytes are not tracked by the garbage collector, so a
        # large index adds nothing to GC pauses (dicts of lists did: ~300 ms gen-2 pauses at 100 k)
        self.index: dict[str, bytes] = {}
        self._inflight: dict[str, asyncio.Future[None]] = {}
        self._planned: set[str] = set()
        self._attribution: dict[tuple[Any, ...], tuple[str, list[str]]] = {}
        self._attribution_snapshot = -1
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="guardrails-bg")
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    # ------------------------------------------------------------ config
    def _rules_paths(self) -> list[Path]:
        s = self.settings
        if s.rules_path is not None:
            return [s.rules_path]
        if s.db_path is not None:
            return [s.db_path, Path(str(s.db_path) + ".wal")]
        return []

    def _load_rules(self) -> RuleBook:
        """The exported rule book, else the same rows read from the warehouse (read-only, briefly)."""
        s = self.settings
        if s.rules_path is not None:
            return RuleBook.load(s.rules_path)
        if s.db_path is not None:
            if not s.db_path.exists():
                raise FileNotFoundError(f"warehouse {s.db_path} does not exist yet")
            if self.rules.value is not None and time.time() - s.db_path.stat().st_mtime < SETTLE_SECONDS:
                raise RuntimeError(f"{s.db_path.name} changed less than {SETTLE_SECONDS}s ago; waiting")
            return RuleBook.from_warehouse(s.db_path, s.baseline_schema)
        raise FileNotFoundError(
            "no rule book: set CCFINOPS_GUARDRAIL_RULES (exported after each build) or CCFINOPS_DB"
        )

    def _load_policies(self) -> PolicySet:
        policies = PolicySet.load(self.settings.policies_path)
        book = self.rules.value
        if book is not None:
            policies.check_cost_centers(book.registered)
        return policies

    def load(self) -> None:
        """First load: the rule book and the policies must be valid (the receiver refuses to start)."""
        self.rules.refresh(strict=True)
        self.policies.refresh(strict=True)

    def refresh(self) -> None:
        """Reload whatever changed (called by the timer thread; never raises)."""
        for watched in (self.rules, self.policies):
            before = watched.reloads
            watched.refresh()
            if watched.reloads != before:
                self.metrics.reloads.labels(watched.name, "ok").inc()
            elif watched.last_error:
                self.metrics.reloads.labels(watched.name, "error").inc()
            self.metrics.reload_failing.labels(watched.name).set(1 if watched.last_error else 0)

    def start_refresher(self) -> None:
        """Reload changed files every ``refresh_interval_s`` without a restart."""

        def loop() -> None:
            while not self._stop.wait(self.settings.refresh_interval_s):
                try:
                    self.refresh()
                except Exception:  # never let the timer die
                    log.exception("guardrails: refresh failed")

        self._refresher = threading.Thread(target=loop, name="guardrails-refresh", daemon=True)
        self._refresher.start()

    # ----------------------------------------------------------- recovery
    def recover(self) -> int:
        """Rebuild the event index and intraday totals from the spool; return records read."""
        records = self.spool.recover()
        for rec in records:
            if rec.get("event_id") in self.index:
                continue
            self.index[rec["event_id"]] = orjson.dumps(self._response_from(rec))
            key = (rec.get("cost_center") or UNATTRIBUTED, date.fromisoformat(rec["cost_date"]))
            self.totals[key] = self.totals.get(key, Decimal(0)) + Decimal(rec["estimated_cost"])
            hour = datetime.fromisoformat(rec["event_time"]).hour
            hkey = (*key, hour)
            self.hourly[hkey] = self.hourly.get(hkey, Decimal(0)) + Decimal(rec["estimated_cost"])
        return len(records)

    async def start(self) -> None:
        """Load config, recover, start the spool flusher and the refresher."""
        self.load()
        n = self.recover()
        log.info("guardrails: recovered %d spooled events, %d cost-center days", n, len(self.totals))
        await self.spool.start()
        self.start_refresher()

    async def stop(self) -> None:
        """Flush the spool and stop background work."""
        self._stop.set()
        await self.spool.stop()
        self._background.shutdown(wait=True)

    # ---------------------------------------------------------- decisions
    def cost_center_of(self, event: UsageEvent, book: RuleBook) -> tuple[str, list[str]]:
        """The cost center by the warehouse's precedence (exported rules), memoised per rule book."""
        if self._attribution_snapshot != self.rules.reloads or len(self._attribution) > 50_000:
            self._attribution, self._attribution_snapshot = {}, self.rules.reloads
        day = event.event_time.date()
        key = (
            event.cost_center,
            event.queue_id,
            event.originating_queue_id,
            event.campaign,
            event.platform,
            day,
        )
        found = self._attribution.get(key)
        if found is None:
            inputs = {
                "explicit_cost_center": event.cost_center,
                "campaign": event.campaign,
                "queue_id": event.queue_id,
                "originating_queue_id": event.originating_queue_id,
            }
            hit = book.resolve(inputs, event.platform, day)
            notes = []
            if event.cost_center and event.cost_center not in book.registered:
                notes.append(
                    f"cost center {event.cost_center!r} is not registered: attributed as the warehouse does"
                )
            found = self._attribution[key] = (hit.cost_center if hit else book.unattributed, notes)
        return found

    def decide(self, event: UsageEvent, received_at: datetime) -> tuple[dict[str, Any], Decision]:
        """Cost and evaluate one new event; update the intraday totals. Returns (record, decision)."""
        book, policies = self.rules.value, self.policies.value
        assert book is not None and policies is not None
        day = event.event_time.date()
        usage_type = USAGE_TYPE[event.event_type]
        line = book.rate_line(
            usage_type, event.platform, event.carrier, event.direction, event.number_type, day
        )
        cost = line.cost(event.duration_ms) if line else Decimal(0)
        cost_center, notes = self.cost_center_of(event, book)
        key = (cost_center, day)
        total = self.totals.get(key, Decimal(0)) + cost
        self.totals[key] = total
        hour = event.event_time.hour
        self.hourly[(cost_center, day, hour)] = self.hourly.get((cost_center, day, hour), Decimal(0)) + cost
        window_total = share_start = None
        if book.window_hours > 0 and cost_center != book.unattributed:
            first = max(0, hour - book.window_hours + 1)
            window_total = sum(
                (self.hourly.get((cost_center, day, h), Decimal(0)) for h in range(first, hour + 1)),
                Decimal(0),
            )
            share_start = book.cumulative_share(
                cost_center, event.event_time.replace(hour=first, minute=0, second=0, microsecond=0)
            )
        decision = evaluate(
            policies,
            book.baseline(cost_center, day),
            mode=book.policy_mode,
            cost_center=None if cost_center == book.unattributed else cost_center,
            day=day,
            consumption_today=total,
            share_now=book.cumulative_share(cost_center, event.event_time),
            queue_id=event.queue_id,
            window_consumption=window_total,
            share_window_start=share_start,
            window_band_factor=book.window_band_factor,
            band_exponent=book.band_exponent,
            intraday_band=book.intraday_band(cost_center, event.event_time),
            floor_min=book.floor_min,
            pace_band=book.pace_band(cost_center, event.event_time),
            pace_min_share=book.pace_min_share,
        )
        decision.reasons[:0] = notes
        if line is None and event.duration_ms > 0:
            decision.reasons.append("no rate card in force for this event: cost estimated as 0 (unrated)")
        actions = [action_id_for(day, decision.cost_center, m) for m in decision.mitigations]
        record = {
            "event_id": event.event_id,
            "event_type": event.event_type,
            "platform": event.platform,
            "queue_id": event.queue_id,
            "campaign": event.campaign,
            "cost_center": decision.cost_center,
            "duration_ms": event.duration_ms,
            "event_time": event.event_time.isoformat(),
            "received_at": received_at.isoformat(),
            "cost_date": day.isoformat(),
            "estimated_cost": _s(cost),
            "rate_card_version": line.rate_card_version if line else None,
            "rules_version": book.version,
            "decision": decision.decision,
            "consumption_today": _s(total),
            "upper_bound": _s(decision.upper_bound),
            "expected_so_far": _s(decision.expected_so_far),
            "projected_day": _s(decision.projected_day),
            "baseline": _s(decision.baseline),
            "band_pct": _s(decision.band_pct),
            "history_days": decision.history_days,
            "policy_version": decision.policy_version,
            "reasons": decision.reasons,
            "actions": actions,
            "source_shape": event.source_shape,
        }
        return record, decision

    @staticmethod
    def _response_from(rec: dict[str, Any], duplicate: bool = False) -> dict[str, Any]:
        keys = (
            "event_id",
            "decision",
            "cost_center",
            "consumption_today",
            "upper_bound",
            "policy_version",
            "reasons",
            "estimated_cost",
            "baseline",
            "band_pct",
            "history_days",
            "actions",
            "expected_so_far",
            "projected_day",
        )
        out = {k: rec.get(k) for k in keys}
        out["duplicate"] = duplicate
        return out

    async def submit(self, event: UsageEvent, payload: str) -> dict[str, Any]:
        """Evaluate, spool durably, answer. Repeated ``event_id`` → the stored answer, stored once."""
        known = self.index.get(event.event_id)
        if known is not None:
            inflight = self._inflight.get(event.event_id)
            if inflight is not None:
                await asyncio.shield(inflight)
            self.metrics.duplicates.inc()
            answer = orjson.loads(known)
            answer["duplicate"] = True
            return answer
        received_at = datetime.now(UTC)
        record, decision = self.decide(event, received_at)
        record["payload"] = payload
        response = self._response_from(record)
        self.index[event.event_id] = orjson.dumps(response)
        fut = self.spool.append(record)
        self._inflight[event.event_id] = fut
        # bookkeeping runs when the record is durable, even if this request was cancelled meanwhile
        fut.add_done_callback(lambda f: self._after_spool(f, event, record, decision))
        await asyncio.shield(fut)
        return response

    def _after_spool(
        self, fut: asyncio.Future[None], event: UsageEvent, record: dict[str, Any], decision: Decision
    ) -> None:
        self._inflight.pop(event.event_id, None)
        if fut.cancelled() or fut.exception() is not None:
            # not durable: undo so a retry is evaluated afresh (the client got no 2xx)
            self.index.pop(event.event_id, None)
            key = (record["cost_center"], date.fromisoformat(record["cost_date"]))
            self.totals[key] -= Decimal(record["estimated_cost"])
            return
        self._count(event.event_type, event.platform, decision.decision)
        if decision.decision == "mitigate":
            self._schedule_mitigation(decision, record)
        if decision.decision in ("warn", "mitigate"):
            self._schedule_notification(decision, record)

    def _on_flush(self, batch: int, sync_seconds: float) -> None:
        self.metrics.flush_batch.observe(batch)
        self.metrics.sync_seconds.observe(sync_seconds)
        self.metrics.spool_bytes.set(self.spool.bytes_written)
        self.metrics.spool_flushes.set(self.spool.flushes)

    def _count(self, event_type: str, platform: str, decision: str) -> None:
        key = (event_type, platform, decision)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.metrics.events.labels(event_type, platform),
                self.metrics.decisions.labels(decision),
            )
        children[0].inc()
        children[1].inc()

    # ------------------------------------------------ mitigation, notify
    def _schedule_mitigation(self, decision: Decision, record: dict[str, Any]) -> None:
        new = [a for a in record["actions"] if a not in self._planned]
        if not new:
            return
        self._planned.update(new)
        policies = self.policies.value
        assert policies is not None
        specs = [policies.mitigations[m] for m in decision.mitigations]
        mode = self.settings.mitigation_mode
        self.metrics.actions.labels(mode).inc(len(new))
        self._background.submit(
            self._run_quietly,
            self.executor.plan,
            cost_center=decision.cost_center,
            day=date.fromisoformat(record["cost_date"]),
            specs=specs,
            policy_version=decision.policy_version,
            mode=mode,
            trigger_event_id=record["event_id"],
            reasons=decision.reasons,
            exempt_queues=policies.exempt_queues(date.fromisoformat(record["cost_date"])),
        )

    def _route_notifier(self, target_env: str) -> Notifier | None:
        """The notifier of one route's environment variable, built once (``None``: unset or invalid,
        said once in the log; the URLs, which carry credentials, are never logged)."""
        if target_env not in self._route_notifiers:
            notifier = None
            urls = target_urls(target_env)
            if not urls:
                log.error("guardrails: notification route %s: the variable holds no URL", target_env)
            else:
                try:
                    notifier = Notifier(
                        urls, cooldown_s=self.notifier.cooldown_s, retries=self.notifier.retries
                    )
                except ValueError as exc:
                    log.error("guardrails: notification route %s: %s", target_env, exc)
            self._route_notifiers[target_env] = notifier
        return self._route_notifiers[target_env]

    def _schedule_notification(self, decision: Decision, record: dict[str, Any]) -> None:
        book = self.rules.value
        # the cost center's owner routes and finance routes (rule book table notification_routes)
        routes = book.routes.get(decision.cost_center, []) if book is not None else []
        if not self.notifier.enabled and not routes:
            return
        title = f"[ccfinops] {decision.decision.upper()} {decision.cost_center} on {record['cost_date']}"
        lines = [
            f"consumption today {record['consumption_today']} vs upper bound {record['upper_bound']}",
            f"policy {decision.policy_version}; mitigation mode {self.settings.mitigation_mode}",
            *decision.reasons,
        ]
        if record["actions"]:
            lines.append("actions: " + ", ".join(record["actions"]))
        key = f"guardrail:{decision.cost_center}"

        def send() -> None:
            targets = [self.notifier] if self.notifier.enabled else []
            for _recipient, _scope, target_env in routes:
                notifier = self._route_notifier(target_env)
                if notifier is None:
                    self.metrics.notifications.labels("unconfigured").inc()
                else:
                    targets.append(notifier)
            for notifier in targets:  # one failing target never stops the others
                try:
                    result = notifier.send(title, "\n".join(lines), key)
                except Exception:  # noqa: BLE001 - logged, counted, next target
                    log.exception("guardrails: notification %s failed", key)
                    self.metrics.notifications.labels("failed").inc()
                    continue
                outcome = "sent" if result.sent else result.reason.split(":")[0]
                self.metrics.notifications.labels(outcome).inc()

        self._background.submit(self._run_quietly, send)

    @staticmethod
    def _run_quietly(fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("guardrails: background task failed")
