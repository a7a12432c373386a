"""The ``ccfinops`` command line: wires every module under ``flows.commands``."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import flows.commands as _commands

app = typer.Typer(
    name="ccfinops",
    help="Continuous FinOps for Genesys Cloud CX and NICE CXone contact centers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _mod in sorted(pkgutil.iter_modules(_commands.__path__), key=lambda m: m.name):
    importlib.import_module(f"flows.commands.{_mod.name}").register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
