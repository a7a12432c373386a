"""The simulator's CLI commands (``ccfinops simulate``, ``ccfinops demo``), registered as a plugin.

``flows.cli`` never imports this package: it loads the ``ccfinops.commands`` entry points, and this
package declares one in ``pyproject.toml``. A product install without the simulator has neither command.
"""

from __future__ import annotations

import typer

from simulator.commands import demo, simulate


def register(app: typer.Typer) -> None:
    """Add ``simulate`` and ``demo``."""
    simulate.register(app)
    demo.register(app)
