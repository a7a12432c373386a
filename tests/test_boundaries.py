"""Package boundaries: the product never imports the simulator, and its packages form no import loop."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PRODUCT = ("ingestion", "guardrails", "flows", "expectations", "forecast", "bi")


def _imports(package: str) -> dict[str, set[str]]:
    """``{module file: top-level packages it imports}`` for every module of ``package``."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize("package", PRODUCT)
def test_product_never_imports_the_simulator(package: str) -> None:
    offenders = [mod for mod, names in _imports(package).items() if "simulator" in names]
    assert offenders == []


def test_product_packages_form_no_import_loop() -> None:
    edges = {
        pkg: {name for names in _imports(pkg).values() for name in names if name in PRODUCT and name != pkg}
        for pkg in PRODUCT
    }
    # depth-first search for a cycle in the package graph
    state: dict[str, int] = {}

    def visit(pkg: str, trail: list[str]) -> list[str] | None:
        state[pkg] = 1
        for nxt in sorted(edges[pkg]):
            if state.get(nxt) == 1:
                return [*trail, pkg, nxt]
            if nxt not in state and (cycle := visit(nxt, [*trail, pkg])):
                return cycle
        state[pkg] = 2
        return None

    cycles = [c for pkg in PRODUCT if pkg not in state and (c := visit(pkg, []))]
    assert cycles == [], f"import loop: {' -> '.join(cycles[0])}"
