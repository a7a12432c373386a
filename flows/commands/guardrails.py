"""``ccfinops guardrails serve|actions|approve|rollback|label|evaluate|backtest|validate|export-rules``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from guardrails.executor import Action
    from guardrails.policy import PolicySet
    from guardrails.rulebook import RuleBook

guardrails_app = typer.Typer(
    help="Guardrail service: webhook receiver, policy engine, mitigations.", no_args_is_help=True
)

SpoolOpt = Annotated[
    str | None, typer.Option("--spool", help="Spool dir (default $CCFINOPS_SPOOL_DIR or ./warehouse/spool)")
]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="Warehouse DuckDB (read-only, briefly) for baselines")
]
RulesOpt = Annotated[
    str | None,
    typer.Option("--rules", help="Exported rule book (default $CCFINOPS_GUARDRAIL_RULES) instead of --db"),
]
PoliciesOpt = Annotated[str | None, typer.Option(help="Policies YAML (default guardrails/policies.yaml)")]


def _executor(spool: str | None):  # type: ignore[no-untyped-def]
    from guardrails.executor import MitigationExecutor
    from guardrails.settings import resolve_spool_dir

    return MitigationExecutor(resolve_spool_dir(spool) / "audit" / "actions.sqlite")


def _transition(spool: str | None, step: Literal["apply", "rollback"], action_id: str, actor: str) -> Action:
    """Run one executor step on an action as ``cli:<actor>``; an ActionError is printed and exits 1."""
    from guardrails.executor import ActionError

    ex = _executor(spool)
    run = ex.apply if step == "apply" else ex.rollback
    try:
        return run(action_id, actor=f"cli:{actor}")
    except ActionError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _rulebook(db: str | None, rules: str | None) -> RuleBook:
    """The exported rule book if given, else the same rows read from the warehouse."""
    import os

    from guardrails.rulebook import RuleBook, RuleBookError
    from ingestion.warehouse import resolve_db_path

    path = rules or os.environ.get("CCFINOPS_GUARDRAIL_RULES")
    try:
        if path:
            return RuleBook.load(Path(path))
        warehouse = resolve_db_path(db)
        if not Path(warehouse).exists():
            typer.echo(f"error: warehouse {warehouse} does not exist (build it first)", err=True)
            raise typer.Exit(1)
        return RuleBook.from_warehouse(Path(warehouse))
    except (OSError, RuleBookError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _policies(policies: str | None) -> PolicySet:
    """The policy set from ``policies`` or the shipped default."""
    from guardrails.policy import PolicySet
    from guardrails.settings import DEFAULT_POLICIES

    return PolicySet.load(Path(policies) if policies else DEFAULT_POLICIES)


@guardrails_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = any free port; the chosen one is printed)")] = 8088,
    spool: SpoolOpt = None,
    db: DbOpt = None,
    mode: Annotated[str | None, typer.Option(help="Mitigation mode: dry-run | approve | auto")] = None,
    rules: RulesOpt = None,
) -> None:
    """Run the receiver (uvicorn, one process: the spool has a single writer)."""
    import gc
    import os
    import socket
    import sys

    import uvicorn

    from guardrails.app import create_app
    from guardrails.settings import Settings
    from ingestion.warehouse import resolve_db_path

    if rules:
        os.environ["CCFINOPS_GUARDRAIL_RULES"] = rules
    try:
        settings = Settings.from_env(spool_dir=spool, db_path=resolve_db_path(db), mitigation_mode=mode)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    from guardrails.service import GuardrailService

    try:  # refuse to start on an invalid rule book or policies file, naming file, key and value
        GuardrailService(settings).load()
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    app = create_app(settings)
    # fsync completions come back on worker threads; a 1 ms GIL switch interval (default 5 ms) keeps
    # them from queueing behind the busy event loop (measured: lower tail latency under load)
    sys.setswitchinterval(0.001)
    gc.collect()
    gc.freeze()  # imported modules live for the process: keep them out of every later gen-2 collection
    # proto IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    actual = sock.getsockname()[1]
    typer.echo(
        f"guardrails listening on http://{host}:{actual} (spool {settings.spool_dir}, "
        f"mode {settings.mitigation_mode}, docs /docs)",
        err=False,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


@guardrails_app.command()
def actions(
    spool: SpoolOpt = None,
    state: Annotated[
        str | None, typer.Option(help="Only this state (pending, applied, dry_run, ...)")
    ] = None,
    audit: Annotated[str | None, typer.Option(help="Print the audit trail of one ACTION_ID")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """List mitigation actions (or one action's audit trail)."""
    ex = _executor(spool)
    if audit:
        rows = ex.audit(audit)
        if not rows:
            raise typer.BadParameter(f"no audit entries for {audit!r}")
        for r in rows:
            typer.echo(
                json.dumps(r)
                if as_json
                else f"{r['at']}  {r['event']:<18} {r['state_from'] or '-':>12} -> {r['state_to']:<12} "
                f"by {r['actor']}  policy {r['policy_version']}  {r['detail'] or ''}"
            )
        return
    items = ex.list(state)
    if as_json:
        typer.echo(json.dumps([a.__dict__ for a in items], default=str, indent=2))
        return
    if not items:
        typer.echo("no actions")
    for a in items:
        typer.echo(
            f"{a.action_id}  {a.state:<14} {a.day}  {a.cost_center:<16} {a.mitigation:<32} "
            f"{a.method} {a.path}  set={json.dumps(a.set)}  policy {a.policy_version}"
        )


@guardrails_app.command()
def approve(
    action_id: Annotated[str, typer.Argument(help="Action id (act-…)")],
    spool: SpoolOpt = None,
    actor: Annotated[str, typer.Option(help="Who approves (audited)")] = "cli",
) -> None:
    """Apply a pending (or dry-run) mitigation through the platform API (env GENESYS_*/CXONE_*)."""
    a = _transition(spool, "apply", action_id, actor)
    typer.echo(f"{a.action_id} {a.state}: before={json.dumps(a.before)} after={json.dumps(a.after)}")


@guardrails_app.command()
def rollback(
    action_id: Annotated[str, typer.Argument(help="Action id (act-…)")],
    spool: SpoolOpt = None,
    actor: Annotated[str, typer.Option(help="Who rolls back (audited)")] = "cli",
) -> None:
    """Restore the platform state recorded before an applied mitigation (cancels a pending one)."""
    a = _transition(spool, "rollback", action_id, actor)
    typer.echo(f"{a.action_id} {a.state}: now={json.dumps(a.after)}")


@guardrails_app.command()
def label(
    target_id: Annotated[str, typer.Argument(help="Event id or action id (act-…) of the trigger")],
    verdict: Annotated[str, typer.Argument(help="true (a real overrun) | false (a false alert)")],
    by: Annotated[str, typer.Option("--by", help="Who labels (recorded)")],
    note: Annotated[str | None, typer.Option(help="Why (recorded)")] = None,
    spool: SpoolOpt = None,
    db: DbOpt = None,
) -> None:
    """Mark a guardrail trigger true or false; the label reaches the warehouse with the spool."""
    from guardrails.labels import LabelError, append_label
    from guardrails.settings import resolve_spool_dir
    from ingestion.warehouse import resolve_db_path

    value = verdict.strip().lower()
    if value not in ("true", "false"):
        raise typer.BadParameter(f"VERDICT: {verdict!r} is not true or false")
    try:
        rec = append_label(
            resolve_spool_dir(spool),
            target_id,
            value == "true",
            by,
            note,
            db_path=Path(resolve_db_path(db)),
        )
    except LabelError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{rec.label_id}: {rec.target_kind} {rec.target_id} ({rec.cost_center}, {rec.cost_date}) "
        f"labelled {value} by {rec.labelled_by}"
    )


@guardrails_app.command()
def evaluate(
    cost_center: Annotated[str, typer.Option(help="Cost center, e.g. CC-SALES")],
    consumption: Annotated[str, typer.Option(help="Consumption so far that day (decimal)")],
    at: Annotated[
        str | None, typer.Option("--at", help="UTC time of the running total, ISO (default: end of today)")
    ] = None,
    queue_id: Annotated[str | None, typer.Option(help="Queue of the triggering event (exemptions)")] = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
    policies: PoliciesOpt = None,
) -> None:
    """Evaluate a cost center's consumption so far against its policy offline and print the decision."""
    from guardrails.policy import evaluate as run

    try:
        amount = Decimal(consumption)
    except InvalidOperation:
        raise typer.BadParameter(f"--consumption: not a decimal: {consumption!r}") from None
    when = datetime.fromisoformat(at) if at else None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    day = when.date() if when else datetime.now(UTC).date()
    book = _rulebook(db, rules)
    share = book.cumulative_share(cost_center, when) if when else Decimal(1)
    d = run(
        _policies(policies),
        book.baseline(cost_center, day),
        mode=book.policy_mode,
        cost_center=cost_center,
        day=day,
        consumption_today=amount,
        share_now=share,
        queue_id=queue_id,
        band_exponent=book.band_exponent,
        intraday_band=book.intraday_band(cost_center, when) if when else (None, None),
        floor_min=book.floor_min,
    )

    def s(v: object) -> str | None:
        return None if v is None else str(v)

    typer.echo(
        json.dumps(
            {
                "decision": d.decision,
                "cost_center": d.cost_center,
                "consumption_today": str(d.consumption_today),
                "expected_so_far": s(d.expected_so_far),
                "projected_day": s(d.projected_day),
                "upper_bound": s(d.upper_bound),
                "baseline": s(d.baseline),
                "band_pct": s(d.band_pct),
                "history_days": d.history_days,
                "policy_mode": book.policy_mode,
                "policy_version": d.policy_version,
                "rules_version": book.version,
                "reasons": d.reasons,
                "mitigations": list(d.mitigations),
            },
            indent=2,
        )
    )


@guardrails_app.command()
def backtest(
    months: Annotated[int, typer.Option(help="Months (x 30 days) to replay, newest first")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the injected overruns and planned spikes")] = 7,
    db: DbOpt = None,
) -> None:
    """Inject overruns into a copy of the warehouse, rebuild its baselines, replay both policies."""
    from flows.guardrail_backtest import run_backtest
    from ingestion.warehouse import resolve_db_path

    warehouse = Path(resolve_db_path(db))
    if not warehouse.exists():
        typer.echo(f"error: warehouse {warehouse} does not exist (build it first)", err=True)
        raise typer.Exit(1)
    try:
        result = run_backtest(warehouse, months=months, seed=seed)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.table())


@guardrails_app.command()
def validate(
    policies: PoliciesOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Check the policies file (and that its cost centers are registered); exit 1 naming file/key/value."""
    from guardrails.policy import PolicyError

    try:
        pols = _policies(policies)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    book = _rulebook(db, rules)
    try:
        pols.check_cost_centers(book.registered)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: policies {pols.version} ({len(pols.centers)} cost centers) against rules {book.version}")


@guardrails_app.command("export-rules")
def export_rules(
    out: Annotated[
        str | None,
        typer.Option(help="Rule book file (default $CCFINOPS_GUARDRAIL_RULES or <db>.guardrail-rules.json)"),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Export the warehouse's guardrail rules (rates, lookups, precedence, baselines, profiles) to JSON."""
    from guardrails.rulebook import default_rulebook_path, export_rulebook
    from ingestion.warehouse import resolve_db_path

    warehouse = Path(resolve_db_path(db))
    if not warehouse.exists():
        typer.echo(f"error: warehouse {warehouse} does not exist (build it first)", err=True)
        raise typer.Exit(1)
    target = Path(out) if out else default_rulebook_path(warehouse)
    book = export_rulebook(warehouse, target)
    typer.echo(f"exported rules {book.version} ({len(book.baselines)} baseline rows) to {target}")


def register(app: typer.Typer) -> None:
    """Add ``ccfinops guardrails ...``."""
    app.add_typer(guardrails_app, name="guardrails")
