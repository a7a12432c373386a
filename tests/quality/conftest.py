"""Shared fixtures for the data-quality tests: a private GX project copy and warehouse copies."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from expectations.settings import EXPECTATIONS_DIR, load_settings
from tests.quality.handmade import build_handmade

# Hand-made warehouse data is in Oct/Nov 2026; freshness is judged as of this instant.
AS_OF = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def gx_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repo's GX project (``expectations/gx`` without ``uncommitted/``)."""
    root = tmp_path_factory.mktemp("gxproject")
    src = EXPECTATIONS_DIR / "gx"
    if src.exists():
        shutil.copytree(src, root / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    return root


@pytest.fixture(scope="module")
def handmade_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_handmade(tmp_path_factory.mktemp("handmade") / "template.duckdb")


@pytest.fixture
def handmade_db(handmade_template: Path, tmp_path: Path) -> Path:
    """A private copy of the hand-made warehouse."""
    db = tmp_path / "w.duckdb"
    shutil.copy(handmade_template, db)
    return db


@pytest.fixture
def quality_runner(gx_project: Path, tmp_path: Path) -> Callable[..., object]:
    """``run_quality`` bound to the private GX project and a tmp Data Docs site."""
    from expectations.checkpoint import run_quality

    def run(db: Path, **kw: object) -> object:
        kw.setdefault("site_dir", tmp_path / "site")
        kw.setdefault("project_root", gx_project)
        kw.setdefault("as_of", AS_OF)
        kw.setdefault("settings", load_settings())
        return run_quality(db, **kw)

    return run
