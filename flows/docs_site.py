"""The docs site: dbt docs + GX Data Docs + the latest weekly report, under one index page."""

from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class DocsSite:
    """Where each part of the site is (``None`` when that part could not be built)."""

    root: Path
    index: Path
    dbt_docs: Path | None
    data_docs: Path | None
    report: Path | None
    problems: list[str]


def build_dbt_docs(db_path: str | os.PathLike[str], site: Path) -> Path:
    """``dbt docs generate --static`` → ``<site>/dbt/index.html`` (one file that works from disk)."""
    from flows.dbt_runner import artifacts_dir, run_dbt
    from flows.locks import warehouse_lock
    from ingestion.warehouse import resolve_db_path

    db = resolve_db_path(db_path)
    with warehouse_lock(db):
        run_dbt(["docs", "generate", "--static"], db, quiet=True)
    target = artifacts_dir(db, "duckdb") / "target"
    out = site / "dbt"
    out.mkdir(parents=True, exist_ok=True)
    static = target / "static_index.html"
    shutil.copyfile(static if static.exists() else target / "index.html", out / "index.html")
    for name in ("manifest.json", "catalog.json"):
        if (target / name).exists():
            shutil.copyfile(target / name, out / name)
    return out / "index.html"


def build_data_docs(site: Path) -> Path:
    """Rebuild the GX Data Docs from the stored validation results into ``<site>/quality``."""
    from expectations.suites import open_context, set_docs_site

    out = site / "quality"
    context = open_context()
    set_docs_site(context, out)
    context.build_data_docs()
    return out / "index.html"


def _link(site: Path, target: Path | None, label: str, missing: str) -> str:
    if target is None or not target.exists():
        return f"<li>{html.escape(label)} — <em>{html.escape(missing)}</em></li>"
    rel = os.path.relpath(target, site)
    return f'<li><a href="{html.escape(rel)}">{html.escape(label)}</a></li>'


def build_site(
    db_path: str | os.PathLike[str],
    site_dir: str | os.PathLike[str] | None = None,
    reports: str | os.PathLike[str] | None = None,
    snapshots: str | os.PathLike[str] | None = None,
    *,
    dbt: bool = True,
    quality: bool = True,
) -> DocsSite:
    """Build every part that can be built, write ``<site>/index.html``; list what failed."""
    from flows.report.build import latest_report
    from flows.settings import reports_dir, snapshot_dir
    from flows.settings import site_dir as resolve_site
    from flows.snapshot import SNAPSHOT_FILE

    site = resolve_site(site_dir)
    site.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    dbt_index: Path | None = None
    data_index: Path | None = None
    if dbt:
        try:
            dbt_index = build_dbt_docs(db_path, site)
        except Exception as exc:  # keep building the rest; report loudly below
            problems.append(f"dbt docs: {type(exc).__name__}: {exc}")
    elif (site / "dbt" / "index.html").exists():
        dbt_index = site / "dbt" / "index.html"
    if quality:
        try:
            data_index = build_data_docs(site)
        except Exception as exc:
            problems.append(f"GX Data Docs: {type(exc).__name__}: {exc}")
    elif (site / "quality" / "index.html").exists():
        data_index = site / "quality" / "index.html"
    report_src = latest_report(reports_dir(reports))
    report: Path | None = None
    if report_src is not None:
        dest = site / "reports" / report_src.parent.name
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(report_src.parent, dest)
        report = dest / "weekly_report.html"
    snap = snapshot_dir(snapshots) / SNAPSHOT_FILE
    index = site / "index.html"
    week = report.parent.name if report else ""
    items = "\n".join(
        [
            _link(site, dbt_index, "dbt docs: models, columns, tests, lineage, exposures", "not built"),
            _link(site, data_index, "Data quality (Great Expectations Data Docs)", "not built"),
            _link(site, report, f"Latest weekly cost-efficiency report {week}".strip(), "no report yet"),
        ]
    )
    problem_html = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    index.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ccfinops docs</title>
<style>body{{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:820px;margin:2rem auto}}
code{{background:#f6f8fa;padding:.1rem .3rem}}</style></head>
<body>
<h1>ccfinops</h1>
<p>Continuous FinOps for contact centers — generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC}.</p>
<ul>
{items}
</ul>
<h2>BI snapshot</h2>
<p>Read-only DuckDB file <code>{html.escape(str(snap))}</code> (replaced atomically after each successful
build) and Parquet per mart, hive-partitioned by <code>month=…/cost_center=…</code>, under
<code>{html.escape(str(snap.parent / "parquet" / "current"))}</code>. Open the DuckDB file read-only from
your BI tool; never point it at the build warehouse.</p>
{"<h2>Problems</h2><ul>" + problem_html + "</ul>" if problems else ""}
</body></html>
""",
        encoding="utf-8",
    )
    return DocsSite(site, index, dbt_index, data_index, report, problems)
