"""The spool's on-disk format, shared by its writer (the guardrail receiver) and its reader (dlt).

Layout: ``<spool_dir>/events-YYYYMMDD.jsonl`` (UTC day the receiver accepted the event); a line is a
complete record terminated by ``\\n``. It lives here, beside the reader, so that ``guardrails`` depends
on ``ingestion`` and never the other way round.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

SEGMENT_GLOB = "events-*.jsonl"
DEFAULT_SPOOL_DIR = Path("warehouse") / "spool"
# beside the segments, never pruned: the executor's action state and audit (SQLite, written by the
# receiver and ``ccfinops guardrails approve|rollback``) and the reviewers' labels (JSON lines,
# appended by ``ccfinops guardrails label``)
AUDIT_DB = Path("audit") / "actions.sqlite"
LABELS_FILE = Path("labels") / "labels.jsonl"


def resolve_spool_dir(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """``--spool`` value, else ``$CCFINOPS_SPOOL_DIR``, else ``./warehouse/spool/`` (created)."""
    raw = cli_value or os.environ.get("CCFINOPS_SPOOL_DIR") or DEFAULT_SPOOL_DIR
    path = Path(raw).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def segment_name(day: date) -> str:
    """File name of the segment for one UTC day."""
    return f"events-{day:%Y%m%d}.jsonl"


def segment_day(path: Path) -> date | None:
    """The UTC day a segment file holds (``None`` for foreign files)."""
    try:
        return datetime.strptime(path.stem.removeprefix("events-"), "%Y%m%d").date()
    except ValueError:
        return None


def iter_complete_lines(path: Path, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """Yield ``(end_offset, line)`` for every complete line from byte ``start`` (torn tail skipped)."""
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read()
    pos = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return
        line = data[pos:nl]
        pos = nl + 1
        if line.strip():
            yield start + pos, line
