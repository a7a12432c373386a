"""Mitigation executor: plan → (approve) → apply → rollback, every step audited.

State lives in a SQLite file beside the spool (never the DuckDB build file), shared by the receiver
and the ``ccfinops guardrails approve|rollback|actions`` commands. ``audit_log`` is append-only
(triggers refuse UPDATE and DELETE). One action per (day, cost center, mitigation): planning twice is
a no-op, applying an applied action is a no-op, rolling back twice is a no-op.

States: ``dry_run`` (recorded, nothing changed) · ``pending`` (waits for a person) · ``applied`` ·
``failed`` · ``rolled_back`` · ``cancelled`` · ``skipped_exempt``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from guardrails.platform import PlatformWriter, endpoint
from guardrails.policy import MitigationSpec

SCHEMA = """
create table if not exists actions (
    action_id text primary key,
    idem_key text not null unique,
    cost_center text not null,
    day text not null,
    mitigation text not null,
    kind text not null,
    target text not null,
    platform text not null,
    method text not null,
    path text not null,
    set_json text not null,
    policy_version text not null,
    mode text not null,
    state text not null,
    trigger_event_id text,
    reasons text,
    before_json text,
    after_json text,
    error text,
    created_at text not null,
    updated_at text not null
);
create table if not exists audit_log (
    seq integer primary key autoincrement,
    at text not null,
    action_id text not null,
    event text not null,
    actor text not null,
    policy_version text not null,
    state_from text,
    state_to text not null,
    before_json text,
    after_json text,
    detail text
);
create trigger if not exists audit_log_no_update before update on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
create trigger if not exists audit_log_no_delete before delete on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
"""


class ActionError(RuntimeError):
    """An action that cannot be approved/rolled back (unknown id, wrong state, platform failure)."""


@dataclass(frozen=True)
class Action:
    """One row of ``actions``."""

    action_id: str
    cost_center: str
    day: str
    mitigation: str
    kind: str
    target: str
    platform: str
    method: str
    path: str
    set: dict[str, Any]
    policy_version: str
    mode: str
    state: str
    trigger_event_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    error: str | None
    created_at: str
    updated_at: str


def action_id_for(day: date | str, cost_center: str, mitigation: str) -> str:
    """Deterministic id of the one action per (day, cost center, mitigation)."""
    digest = hashlib.sha256(f"{day}|{cost_center}|{mitigation}".encode()).hexdigest()[:12]
    return f"act-{digest}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _js(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


class MitigationExecutor:
    """Plans and runs mitigations against a :class:`PlatformWriter`, auditing every step."""

    def __init__(self, audit_db: Path, writer: PlatformWriter | None = None) -> None:
        self.audit_db = audit_db
        self.writer = writer
        audit_db.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as con:
            con.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.audit_db, timeout=10, isolation_level=None)
        try:
            con.execute("pragma journal_mode=wal")
            con.execute("pragma synchronous=full")
            con.row_factory = sqlite3.Row
            yield con
        finally:
            con.close()

    # ------------------------------------------------------------- queries
    def get(self, action_id: str) -> Action:
        """One action; :class:`ActionError` when unknown."""
        with self._db() as con:
            row = con.execute("select * from actions where action_id = ?", (action_id,)).fetchone()
        if row is None:
            raise ActionError(f"unknown action {action_id!r}")
        return _action(row)

    def list(self, state: str | None = None) -> list[Action]:
        """All actions, newest first (optionally one state)."""
        with self._db() as con:
            if state:
                rows = con.execute("select * from actions where state = ? order by created_at desc", (state,))
            else:
                rows = con.execute("select * from actions order by created_at desc")
            return [_action(r) for r in rows.fetchall()]

    def audit(self, action_id: str | None = None) -> list[dict[str, Any]]:
        """The audit trail (optionally of one action), oldest first."""
        with self._db() as con:
            sql = "select * from audit_log" + (" where action_id = ?" if action_id else "") + " order by seq"
            rows = con.execute(sql, (action_id,) if action_id else ()).fetchall()
        return [dict(r) for r in rows]

    # ------------------------------------------------------------ planning
    def plan(
        self,
        *,
        cost_center: str,
        day: date,
        specs: Sequence[MitigationSpec],
        policy_version: str,
        mode: str,
        trigger_event_id: str | None = None,
        reasons: Sequence[str] = (),
        exempt_queues: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Record one action per mitigation (idempotent); in ``auto`` mode apply them at once."""
        ids: list[str] = []
        created: list[str] = []
        for spec in specs:
            action_id = action_id_for(day, cost_center, spec.name)
            ids.append(action_id)
            platform, method, path = endpoint(spec)
            exempt = spec.kind == "genesys_queue" and spec.target in exempt_queues
            state = (
                "skipped_exempt"
                if exempt
                else {"dry-run": "dry_run", "approve": "pending"}.get(mode, "pending")
            )
            now = _now()
            with self._db() as con:
                cur = con.execute(
                    "insert or ignore into actions (action_id, idem_key, cost_center, day, mitigation, kind,"
                    " target, platform, method, path, set_json, policy_version, mode, state,"
                    " trigger_event_id, reasons, created_at, updated_at)"
                    " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        action_id,
                        action_id,
                        cost_center,
                        day.isoformat(),
                        spec.name,
                        spec.kind,
                        spec.target,
                        platform,
                        method,
                        path,
                        _js(spec.set),
                        policy_version,
                        mode,
                        state,
                        trigger_event_id,
                        _js(list(reasons)),
                        now,
                        now,
                    ),
                )
                if cur.rowcount:
                    detail = "target queue is exempt (priority queue)" if exempt else f"mode {mode}"
                    self._log(
                        con,
                        action_id,
                        "planned",
                        "guardrails",
                        policy_version,
                        None,
                        state,
                        None,
                        None,
                        detail,
                    )
                    created.append(action_id)
        if mode == "auto":
            for action_id in created:
                if self.get(action_id).state == "pending":
                    with contextlib.suppress(ActionError):  # recorded as failed in the audit log
                        self.apply(action_id, actor="guardrails:auto")
        return ids

    # ---------------------------------------------------------- execution
    def apply(self, action_id: str, actor: str) -> Action:
        """Run a pending (or dry-run) action: read before, write, read after, verify. Idempotent."""
        action = self.get(action_id)
        if action.state == "applied":
            return action
        if action.state not in ("pending", "dry_run", "failed"):
            raise ActionError(
                f"action {action_id} is {action.state}; only pending or dry-run actions can be applied"
            )
        writer = self._writer()
        try:
            before = writer.read(action.platform, action.path)
            body = {**before, **action.set} if action.method == "PUT" else dict(action.set)
            writer.write(action.platform, action.method, action.path, body)
            after = writer.read(action.platform, action.path)
        except Exception as exc:
            self._transition(action, "failed", actor, "apply_failed", None, None, error=str(exc))
            raise ActionError(f"action {action_id} failed: {exc}") from exc
        wrong = {k: after.get(k) for k, v in action.set.items() if after.get(k) != v}
        if wrong:
            self._transition(
                action, "failed", actor, "apply_unverified", before, after, error=f"not applied: {wrong}"
            )
            raise ActionError(f"action {action_id}: platform state after the write differs: {wrong}")
        return self._transition(action, "applied", actor, "applied", before, after)

    def rollback(self, action_id: str, actor: str) -> Action:
        """Restore the fields the action changed to their recorded before-state. Idempotent."""
        action = self.get(action_id)
        if action.state in ("rolled_back", "cancelled"):
            return action
        if action.state in ("pending", "dry_run"):
            return self._transition(action, "cancelled", actor, "cancelled", None, None)
        if action.state != "applied" or action.before is None:
            raise ActionError(
                f"action {action_id} is {action.state}; only applied actions can be rolled back"
            )
        writer = self._writer()
        restore = {k: action.before.get(k) for k in action.set}
        try:
            current = writer.read(action.platform, action.path)
            body = {**current, **restore} if action.method == "PUT" else restore
            writer.write(action.platform, action.method, action.path, body)
            after = writer.read(action.platform, action.path)
        except Exception as exc:
            self._log_only(action, actor, "rollback_failed", str(exc))
            raise ActionError(f"rollback of {action_id} failed: {exc}") from exc
        wrong = {k: after.get(k) for k, v in restore.items() if after.get(k) != v}
        if wrong:
            self._log_only(action, actor, "rollback_unverified", f"not restored: {wrong}")
            raise ActionError(f"rollback of {action_id}: platform state differs after the write: {wrong}")
        return self._transition(action, "rolled_back", actor, "rolled_back", current, after)

    # ------------------------------------------------------------ helpers
    def _writer(self) -> PlatformWriter:
        if self.writer is None:
            from guardrails.platform import ApiPlatformWriter

            self.writer = ApiPlatformWriter()
        return self.writer

    def _transition(
        self,
        action: Action,
        state: str,
        actor: str,
        event: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        error: str | None = None,
    ) -> Action:
        with self._db() as con:
            con.execute("begin immediate")
            cur = con.execute(
                "update actions set state = ?, updated_at = ?, error = ?,"
                " before_json = coalesce(?, before_json), after_json = coalesce(?, after_json)"
                " where action_id = ? and state = ?",
                (
                    state,
                    _now(),
                    error,
                    _js(before) if event == "applied" else None,
                    _js(after),
                    action.action_id,
                    action.state,
                ),
            )
            if cur.rowcount != 1:
                con.execute("rollback")
                raise ActionError(f"action {action.action_id} changed state concurrently; retry")
            self._log(
                con,
                action.action_id,
                event,
                actor,
                action.policy_version,
                action.state,
                state,
                before,
                after,
                error,
            )
            con.execute("commit")
        return self.get(action.action_id)

    def _log_only(self, action: Action, actor: str, event: str, detail: str) -> None:
        with self._db() as con:
            self._log(
                con,
                action.action_id,
                event,
                actor,
                action.policy_version,
                action.state,
                action.state,
                None,
                None,
                detail,
            )

    @staticmethod
    def _log(
        con: sqlite3.Connection,
        action_id: str,
        event: str,
        actor: str,
        policy_version: str,
        state_from: str | None,
        state_to: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        detail: str | None,
    ) -> None:
        con.execute(
            "insert into audit_log (at, action_id, event, actor, policy_version, state_from, state_to,"
            " before_json, after_json, detail) values (?,?,?,?,?,?,?,?,?,?)",
            (
                _now(),
                action_id,
                event,
                actor,
                policy_version,
                state_from,
                state_to,
                _js(before),
                _js(after),
                detail,
            ),
        )


def _action(row: sqlite3.Row) -> Action:
    def load(value: str | None) -> Any:
        return json.loads(value) if value else None

    return Action(
        action_id=row["action_id"],
        cost_center=row["cost_center"],
        day=row["day"],
        mitigation=row["mitigation"],
        kind=row["kind"],
        target=row["target"],
        platform=row["platform"],
        method=row["method"],
        path=row["path"],
        set=load(row["set_json"]) or {},
        policy_version=row["policy_version"],
        mode=row["mode"],
        state=row["state"],
        trigger_event_id=row["trigger_event_id"],
        before=load(row["before_json"]),
        after=load(row["after_json"]),
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
