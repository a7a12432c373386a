"""``ccfinops ingest``: pull Genesys Cloud / NICE CXone telemetry into the warehouse's raw schema."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import typer

PARTIAL_EXIT = 3  # an auxiliary resource failed (5xx/timeouts); the rest was committed


class PlatformChoice(StrEnum):
    """Which platform(s) to pull."""

    genesys = "genesys"
    cxone = "cxone"
    all = "all"


def _parse_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from exc


def ingest_command(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--start", help="First day to pull (YYYY-MM-DD, UTC).")] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Day after the last day (YYYY-MM-DD, exclusive).")
    ] = None,
    platform: Annotated[
        PlatformChoice,
        typer.Option("--platform", help="genesys, cxone or all (every platform whose credentials are set)."),
    ] = (PlatformChoice.all),
    db: Annotated[str | None, typer.Option("--db", help="Warehouse file (else $CCFINOPS_DB).")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")] = True,
) -> None:
    """Pull [START, END) from the platform APIs into raw tables (merge: reruns never duplicate).

    Exit codes: 0 done (auxiliary resources the org lacks, 403/404, are skipped with a warning and
    listed as unavailable, then not asked again for CCFINOPS_REPROBE_HOURS, default 24); 3 partial
    (an auxiliary resource failed after retries, the rest was committed); 2 a vendor/credentials
    error on a core resource; 1 any other failure.

    Credentials/hosts: GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_API_BASE, GENESYS_LOGIN_BASE;
    CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET, CXONE_CLIENT_ID, CXONE_CLIENT_SECRET,
    CXONE_AUTH_BASE, CXONE_API_BASE (optional: discovered) — or dlt secrets sources.<source>.*.
    """
    from rich.console import Console

    from ingestion.http import ApiError
    from ingestion.ingest_config import CredentialsError
    from ingestion.pipeline import IngestFailed, ingest
    from ingestion.warehouse import resolve_db_path

    if ctx.invoked_subcommand is not None:
        return
    if start is None or end is None:
        raise typer.BadParameter("--start and --end are required", param_hint="--start/--end")
    console = Console(stderr=True)
    start_d, end_d = _parse_date(start, "--start"), _parse_date(end, "--end")
    if end_d <= start_d:
        raise typer.BadParameter("--end must be after --start (end is exclusive)", param_hint="--end")
    db_path = resolve_db_path(db)
    began = datetime.now()
    try:
        summary = ingest(db_path, platform.value, start_d, end_d, progress=progress)
    except IngestFailed as exc:  # a core resource failed; the rest was committed
        _print_summary(exc.summary, (datetime.now() - began).total_seconds())
        console.print(f"[bold red]ingest failed:[/] {exc.cause}")
        raise typer.Exit(code=2 if isinstance(exc.cause, ApiError) else 1) from exc
    except (ApiError, CredentialsError) as exc:
        console.print(f"[bold red]ingest failed:[/] {exc}")
        raise typer.Exit(code=2) from exc
    except Exception as exc:  # noqa: BLE001 - any other failure: loud, non-zero
        console.print(f"[bold red]ingest failed:[/] {type(exc).__name__}: {exc}")
        raise typer.Exit(code=1) from exc
    elapsed = (datetime.now() - began).total_seconds()
    _print_summary(summary, elapsed)
    if summary.partial:
        failed = ", ".join(n for p in summary.platforms.values() for n in p.failed)
        console.print(f"[yellow]ingest partial:[/] {failed} failed after retries; everything else committed")
        raise typer.Exit(code=PARTIAL_EXIT)


def _print_summary(summary, elapsed: float) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ingest run {summary.run_id} -> {summary.db_path} ({elapsed:.1f}s)")
    for col in (
        "platform",
        "window",
        "records",
        "pages",
        "requests",
        "429s",
        "retries",
        "wait s",
        "provisional",
        "replaced",
    ):
        table.add_column(col, justify="right" if col not in ("platform", "window") else "left")
    for p in summary.platforms.values():
        table.add_row(
            p.platform,
            f"{p.window.start:%Y-%m-%d %H:%M} → {p.window.end:%Y-%m-%d %H:%M}",
            str(p.total_records),
            str(p.pages),
            str(p.requests),
            str(p.status_429),
            str(p.retries),
            f"{p.wait_seconds:.1f}",
            str(len(p.provisional_windows)),
            str(len(p.replaced_windows)),
        )
    console = Console(width=max(Console().width, 150))
    console.print(table)
    for line in summary.lines():
        console.print(line, highlight=False, soft_wrap=True)  # one line per platform, never wrapped
    for p in summary.platforms.values():
        per_table = ", ".join(f"{t}={n}" for t, n in sorted(p.records.items()))
        console.print(f"  {p.platform}: {per_table}")
        for w in p.provisional_windows:
            console.print(
                f"  [yellow]provisional[/] {p.platform} {w.start:%Y-%m-%d %H:%M} → "
                f"{w.end:%Y-%m-%d %H:%M} (aggregates only; see ingest_reconciliation_ledger)"
            )


def voice_usage_command(
    file: Annotated[
        str, typer.Option("--file", help="The Cloud Voice usage CSV exported from the Genesys admin UI.")
    ],
    db: Annotated[str | None, typer.Option("--db", help="Warehouse file (else $CCFINOPS_DB).")] = None,
) -> None:
    """Load a Genesys Cloud Voice usage CSV (Admin → Billing → Cloud Voice usage export) into raw.

    Every row is validated first; one bad row loads nothing and names file, line and column.
    Calls merge on SIP Call Id, so re-loading an overlapping export never duplicates a call.
    """
    from rich.console import Console

    from ingestion.genesys_cloud.voice_usage_file import VoiceUsageFileError, load_voice_usage_file
    from ingestion.warehouse import resolve_db_path

    db_path = resolve_db_path(db)
    try:
        rows = load_voice_usage_file(db_path, file)
    except VoiceUsageFileError as exc:
        Console(stderr=True).print(f"[bold red]voice usage file rejected:[/] {exc}", highlight=False)
        raise typer.Exit(code=1) from exc
    typer.echo(f"loaded {rows} voice usage rows from {file} into {db_path} (raw.genesys_voice_usage)")


def register(app: typer.Typer) -> None:
    """Add ``ccfinops ingest`` (pull the platforms) and ``ccfinops ingest voice-usage``."""
    group = typer.Typer(no_args_is_help=False)
    group.callback(invoke_without_command=True)(ingest_command)
    group.command("voice-usage")(voice_usage_command)
    app.add_typer(group, name="ingest")
