"""Registry errors: every problem names its file (or URL), row and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegistryIssue:
    """One invalid cell or row.

    ``row`` is the 1-based *data* row (the first row under the header is row 1, i.e. spreadsheet
    line ``row + 1``); ``0`` means the header. For the JSON source it is the 0-based record index
    into ``mappings`` and ``unit`` is ``"record"``.
    """

    source: str
    row: int
    field: str
    message: str
    unit: str = "row"

    def __str__(self) -> str:
        if self.unit == "response":
            where = "response"
        elif self.unit == "row" and self.row == 0:
            where = "header"
        else:
            where = f"{self.unit} {self.row}"
        return f"{self.source}: {where}, field '{self.field}': {self.message}"


class RegistryError(ValueError):
    """The registry is invalid; nothing was loaded. ``issues`` holds every problem found."""

    def __init__(self, issues: list[RegistryIssue]) -> None:
        self.issues = list(issues)
        head = f"{len(self.issues)} registry error(s); nothing was loaded"
        super().__init__(head + "\n" + "\n".join(f"  - {issue}" for issue in self.issues))
