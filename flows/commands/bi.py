"""``ccfinops bi superset|bundle|superset-local``: connect a BI tool (Apache Superset) to the BI snapshot."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

bi_app = typer.Typer(help="BI tools: connect Superset to the published snapshot.", no_args_is_help=True)

SnapshotOpt = Annotated[
    str | None,
    typer.Option(
        "--snapshot",
        help="Snapshot file (default: <$CCFINOPS_SNAPSHOT_DIR or ./snapshots>/ccfinops_marts.duckdb).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``bi`` command group."""
    app.add_typer(bi_app, name="bi")


def _snapshot_path(snapshot: str | None) -> Path:
    from flows.settings import snapshot_dir
    from flows.snapshot import SNAPSHOT_FILE

    return Path(snapshot).expanduser().resolve() if snapshot else snapshot_dir() / SNAPSHOT_FILE


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _bundle(snapshot: str | None) -> bytes:
    from bi.superset.bundle import BundleError, build_bundle

    try:
        return build_bundle(_snapshot_path(snapshot))
    except BundleError as exc:
        raise _fail(str(exc)) from None


@bi_app.command("superset")
def superset(
    url: Annotated[str, typer.Option("--url", help="Superset base URL.")] = "http://127.0.0.1:8088",
    username: Annotated[str, typer.Option("--username", envvar="CCFINOPS_SUPERSET_USER")] = "admin",
    password: Annotated[
        str, typer.Option("--password", envvar="CCFINOPS_SUPERSET_PASSWORD", prompt=True, hide_input=True)
    ] = "",
    snapshot: SnapshotOpt = None,
) -> None:
    """Register the snapshot (read-only) in a Superset and import the starter datasets, charts, dashboard."""
    from bi.superset.bundle import load_specs
    from bi.superset.client import SupersetClient, SupersetError

    bundle = _bundle(snapshot)
    try:
        with SupersetClient(url, username, password) as client:
            client.import_bundle(bundle)
            board = client.dashboard(load_specs().dashboard["slug"])
    except SupersetError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"imported into {url}: database 'ccfinops snapshot' -> {_snapshot_path(snapshot)} (read-only)")
    typer.echo(f"dashboard '{board['dashboard_title']}': {url.rstrip('/')}{board['url']}")


@bi_app.command("bundle")
def bundle(
    out: Annotated[Path, typer.Option("--out", help="ZIP to write.")] = Path("ccfinops_superset.zip"),
    snapshot: SnapshotOpt = None,
) -> None:
    """Write the Superset import ZIP (Settings > Import in Superset's UI, or `superset import-directory`)."""
    data = _bundle(snapshot)
    out.write_bytes(data)
    typer.echo(f"{out} ({len(data):,} bytes) for snapshot {_snapshot_path(snapshot)}")


@bi_app.command("superset-local")
def superset_local(
    home: Annotated[Path, typer.Option("--home", help="Superset's config + metadata folder.")] = Path(
        ".superset"
    ),
    port: Annotated[int, typer.Option("--port", help="Loopback port.")] = 8088,
    venv: Annotated[
        str | None, typer.Option("--venv", help="Superset venv (default .venv-superset).")
    ] = None,
    username: Annotated[str, typer.Option("--username", envvar="CCFINOPS_SUPERSET_USER")] = "admin",
    password: Annotated[
        str, typer.Option("--password", envvar="CCFINOPS_SUPERSET_PASSWORD", prompt=True, hide_input=True)
    ] = "",
) -> None:
    """Initialise (once) and serve a Superset on 127.0.0.1 from its own venv until Ctrl-C."""
    from bi.superset import local

    try:
        seconds = local.init_home(local.venv_dir(venv), home.resolve(), username, password)
        if seconds:
            typer.echo(f"initialised {home} in {seconds:.0f} s (admin user {username!r})")
        server = local.serve(local.venv_dir(venv), home.resolve(), port=port)
    except local.LocalSupersetError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Superset at {server.url} (pid {server.process.pid}); Ctrl-C stops it")

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)  # a TERM to this command stops Superset too
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        local.stop(server)
