"""``ccfinops flows list|run|serve``: run a Prefect flow locally, or serve them all on their schedules."""

from __future__ import annotations

import json

import typer

flows_app = typer.Typer(help="Prefect flows: list them, run one now, or serve all on their cron schedules.")


ParamOption = typer.Option(None, "--param", "-p", help="Flow parameter KEY=VALUE (JSON values allowed).")


def register(app: typer.Typer) -> None:
    """Add the ``flows`` sub-app."""
    app.add_typer(flows_app, name="flows")


@flows_app.command("list")
def list_flows() -> None:
    """Show each flow, its entrypoint and its schedule in ``prefect.yaml``."""
    import yaml

    from flows.catalog import FLOWS, PREFECT_YAML

    deployments = {d["name"]: d for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]}
    for name, entry in FLOWS.items():
        crons = [s.get("cron") for s in (deployments.get(name, {}).get("schedules") or [])]
        typer.echo(f"{name:28s} {entry:55s} {', '.join(c for c in crons if c) or '-'}")


def _parse_params(pairs: list[str]) -> dict[str, object]:
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--param")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@flows_app.command("run")
def run(
    name: str = typer.Argument(
        ..., help="telemetry | weekly_efficiency_report | monthly_close | wfm_constraints"
    ),
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    param: list[str] | None = ParamOption,
) -> None:
    """Run one flow now in this process (against $PREFECT_API_URL, or a temporary local Prefect server)."""
    from flows.catalog import get_flow
    from ingestion.warehouse import resolve_db_path

    try:
        flow_obj = get_flow(name)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(2) from None
    params = _parse_params(param or [])
    params["db"] = str(resolve_db_path(db))
    state = flow_obj(**params, return_state=True)
    typer.echo(f"{name}: {state.name}")
    if not state.is_completed():
        typer.echo(state.message or "", err=True)
        raise typer.Exit(1)


@flows_app.command("serve")
def serve_all(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    timezone: str | None = typer.Option(
        None, "--timezone", help="Cron timezone (default: $CCFINOPS_TIMEZONE, UTC)."
    ),
) -> None:
    """Serve every flow on its ``prefect.yaml`` cron in this process (a one-host alternative to a worker)."""
    import yaml
    from prefect import serve
    from prefect.schedules import Cron

    from flows.catalog import FLOWS, PREFECT_YAML, load_entrypoint
    from flows.settings import timezone_name
    from ingestion.warehouse import resolve_db_path

    tz = timezone_name(timezone)
    spec = {d["name"]: d for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]}
    deployments = []
    for name in FLOWS:
        d = spec[name]
        crons = [s["cron"] for s in d.get("schedules") or [] if s.get("cron")]
        params = {**(d.get("parameters") or {}), "db": str(resolve_db_path(db))}
        deployments.append(
            load_entrypoint(d["entrypoint"]).to_deployment(
                name=name,
                schedules=[Cron(c, timezone=tz) for c in crons],
                parameters=params,
                tags=d.get("tags") or [],
            )
        )
        typer.echo(f"serving {name} ({crons[0] if crons else 'manual'}, {tz})")
    serve(*deployments)
