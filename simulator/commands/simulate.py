"""``ccfinops simulate``: run the Genesys Cloud / NICE CXone platform simulator on loopback."""

from __future__ import annotations

import json
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command."""

    @app.command("simulate")
    def simulate(
        port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0 = any free port).")] = 8089,
        seed: Annotated[int, typer.Option(help="Seed of the synthetic contact center.")] = 7,
        conversations_per_month: Annotated[
            int | None, typer.Option(help="Genesys conversations per month (default: org.yaml).")
        ] = None,
        contacts_per_month: Annotated[
            int | None, typer.Option(help="CXone contacts per month (default: org.yaml).")
        ] = None,
        faults: Annotated[
            str | None,
            typer.Option(
                help='Fault knobs as JSON, e.g. \'{"rate_429": 0.3, "rate_5xx": 0.05, "expire_jobs": 1}\'.'
            ),
        ] = None,
        quota: Annotated[int, typer.Option(help="Genesys requests per minute per token.")] = 300,
        trend_pct_per_month: Annotated[
            float, typer.Option(help="Volume growth in percent per month (compounded from 2026-01-01).")
        ] = 0.0,
        level_shift: Annotated[
            str | None, typer.Option(help="Step change of the volume: DATE:FACTOR, e.g. 2026-08-10:1.3.")
        ] = None,
        host: Annotated[str, typer.Option(help="Bind address (keep loopback).")] = "127.0.0.1",
        minimal_org: Annotated[
            bool,
            typer.Option(
                "--minimal-org/--full-org",
                help="An org with OAuth + analytics/contact reporting only: every other endpoint 404s.",
            ),
        ] = False,
    ) -> None:
        """Serve the simulated platform APIs until interrupted (see simulator/README.md)."""
        from simulator.config import Credentials, SimConfig
        from simulator.server import serve_forever

        cfg = SimConfig(
            conversations_per_month=conversations_per_month,
            cxone_contacts_per_month=contacts_per_month,
            genesys_quota_per_min=quota,
            volume_trend_pct_per_month=trend_pct_per_month,
        )
        if level_shift:
            from datetime import date

            try:
                day, factor = level_shift.split(":")
                cfg.level_shift_on, cfg.level_shift_factor = date.fromisoformat(day), float(factor)
            except ValueError as exc:
                raise typer.BadParameter("expected DATE:FACTOR", param_hint="--level-shift") from exc
        if faults:
            try:
                knobs = json.loads(faults)
                if not isinstance(knobs, dict):
                    raise ValueError("--faults must be a JSON object")
                cfg.faults.update(**knobs)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--faults") from exc
        if minimal_org:
            cfg.faults.minimal_org = True
        creds = Credentials.for_seed(seed)
        base = f"http://{host}:{port}"
        typer.echo(f"ccfinops simulator on {base} (seed {seed}); export these to point the clients at it:")
        for key, value in {
            "GENESYS_CLIENT_ID": creds.genesys_client_id,
            "GENESYS_CLIENT_SECRET": creds.genesys_client_secret,
            "GENESYS_API_BASE": base,
            "GENESYS_LOGIN_BASE": base,
            "CXONE_ACCESS_KEY_ID": creds.cxone_access_key_id,
            "CXONE_ACCESS_KEY_SECRET": creds.cxone_access_key_secret,
            "CXONE_CLIENT_ID": creds.cxone_client_id,
            "CXONE_CLIENT_SECRET": creds.cxone_client_secret,
            "CXONE_AUTH_BASE": base,
            "CXONE_API_BASE": base,
        }.items():
            typer.echo(f"  export {key}={value}")
        serve_forever(seed, port, cfg, host=host)
