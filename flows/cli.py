"""The ``ccfinops`` command line: wires every module under ``flows.commands``."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
from importlib.metadata import entry_points

import typer

import flows.commands as _commands

# Keep every tool quiet and offline: no usage telemetry leaves the machine.
for _key, _value in {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "GX_ANALYTICS_ENABLED": "false",
}.items():
    os.environ.setdefault(_key, _value)

app = typer.Typer(
    name="ccfinops",
    help="Continuous FinOps for Genesys Cloud CX and NICE CXone contact centers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _mod in sorted(pkgutil.iter_modules(_commands.__path__), key=lambda m: m.name):
    importlib.import_module(f"flows.commands.{_mod.name}").register(app)

# Plugins (e.g. the platform simulator's ``simulate`` and ``demo``) add commands through the
# ``ccfinops.commands`` entry-point group; the product never imports them itself.
for _entry in sorted(entry_points(group="ccfinops.commands"), key=lambda e: e.name):
    _entry.load()(app)

_REST_LITERAL = re.compile(r"``([^`]+)``")


def plain_help(text: str | None) -> str | None:
    """Help text without reST markup (``x`` -> x): docstrings serve Sphinx and ``--help`` alike."""
    return _REST_LITERAL.sub(r"\1", text) if text else text


def _plain_help_everywhere(typer_app: typer.Typer) -> None:
    """Give every command and sub-app of ``typer_app`` its help text with the reST markup removed."""
    typer_app.info.help = plain_help(typer_app.info.help)
    for command in typer_app.registered_commands:
        command.help = plain_help(command.help or inspect.getdoc(command.callback))
    for group in typer_app.registered_groups:
        group.help = plain_help(group.help)
        if group.typer_instance is not None:
            _plain_help_everywhere(group.typer_instance)


_plain_help_everywhere(app)


if __name__ == "__main__":  # pragma: no cover
    app()
