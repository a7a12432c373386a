"""Run a local Superset on loopback from its own venv (made by ``.ci/superset.sh``).

``init_home`` writes ``superset_config.py`` (SQLite metadata, a random secret key) and runs ``superset db
upgrade`` / ``fab create-admin`` / ``init`` once per home folder; ``serve`` starts gunicorn on 127.0.0.1
and returns when ``/health`` answers. The caller stops the server by its pid (``stop``).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

DEFAULT_VENV = ".venv-superset"
VENV_ENV = "CCFINOPS_SUPERSET_VENV"
_LISTENING = re.compile(r"Listening at: (http://[0-9.]+:\d+)")


class LocalSupersetError(RuntimeError):
    """The local Superset could not be installed, initialised or started."""


@dataclass
class Server:
    """A running gunicorn serving Superset."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path


def venv_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """Superset's venv: argument, else ``$CCFINOPS_SUPERSET_VENV``, else ``./.venv-superset``."""
    return Path(value or os.environ.get(VENV_ENV) or DEFAULT_VENV).expanduser().resolve()


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SUPERSET_CONFIG_PATH=str(home / "superset_config.py"),
        SUPERSET_HOME=str(home),
        FLASK_APP="superset",
        PYTHONUNBUFFERED="1",
    )
    return env


def _bin(venv: Path, name: str) -> Path:
    path = venv / "bin" / name
    if not path.exists():
        raise LocalSupersetError(
            f"{path} is missing: install Superset first (.ci/superset.sh or make superset)"
        )
    return path


def init_home(venv: Path, home: Path, username: str, password: str, extra_config: str = "") -> float:
    """Create config + metadata DB + admin user in ``home`` unless done; seconds spent (0 if already done).

    ``extra_config`` is appended to ``superset_config.py`` (Python, Superset's config keys).
    """
    home.mkdir(parents=True, exist_ok=True)
    done = home / ".initialised"
    if done.exists():
        return 0.0
    started = time.monotonic()
    config = home / "superset_config.py"
    config.write_text(
        "# Written by ccfinops (bi/superset/local.py): a local Superset on loopback.\n"
        f"SECRET_KEY = {secrets.token_urlsafe(42)!r}\n"
        "import os\n"
        "# metadata beside this file, so a copied home folder is a working copy\n"
        "SQLALCHEMY_DATABASE_URI = 'sqlite:///' + os.path.join(os.path.dirname(__file__), 'superset.db')\n"
        "FEATURE_FLAGS = {'ALERT_REPORTS': False}\n"
        "WTF_CSRF_TIME_LIMIT = None\n" + extra_config
    )
    superset = str(_bin(venv, "superset"))
    steps = [
        [superset, "db", "upgrade"],
        [superset, "fab", "create-admin", "--username", username, "--firstname", "FinOps",
         "--lastname", "Admin", "--email", f"{username}@localhost", "--password", password],
        [superset, "init"],
    ]  # fmt: skip
    log = home / "init.log"
    with log.open("ab") as out:
        for step in steps:
            rc = subprocess.run(step, env=_env(home), stdout=out, stderr=subprocess.STDOUT, check=False)
            if rc.returncode != 0:
                raise LocalSupersetError(f"`superset {' '.join(step[1:3])}` failed (see {log})")
    done.write_text("ok\n")
    return time.monotonic() - started


def serve(venv: Path, home: Path, *, port: int = 0, timeout: float = 180.0) -> Server:
    """Start gunicorn on 127.0.0.1:``port`` (0: any free port); return once ``/health`` answers."""
    log = home / "gunicorn.log"
    out = log.open("ab")
    start_at = log.stat().st_size
    cmd = [
        str(_bin(venv, "gunicorn")),
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1",
        "--threads", "4",
        "--timeout", "300",
        "--no-control-socket",
        "superset.app:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(cmd, env=_env(home), stdout=out, stderr=subprocess.STDOUT, cwd=home)
    out.close()
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalSupersetError(f"Superset exited with code {process.returncode} (see {log})")
        if url is None:
            with log.open("rb") as fh:
                fh.seek(start_at)
                found = _LISTENING.search(fh.read().decode(errors="replace"))
            url = found.group(1) if found else None
        if url is not None:
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    return Server(process, url, log)
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    stop(Server(process, url or "", log))
    raise LocalSupersetError(f"Superset did not answer within {timeout:.0f} s (see {log})")


def stop(server: Server, timeout: float = 30.0) -> None:
    """Stop the server by its pid (TERM, then KILL)."""
    if server.process.poll() is not None:
        return
    os.kill(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
