"""What an import found and did, row by row: the dry run's preview and the apply's summary."""

from __future__ import annotations

from dataclasses import dataclass, field

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
ERROR = "error"


@dataclass(frozen=True)
class RowError:
    """A problem with one row: its number as a spreadsheet shows it, the CSV column at fault
    (empty for the row as a whole) and what is wrong."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Change:
    """One field a row sets, as people read it: its old and new value."""

    field: str
    old: str
    new: str


@dataclass
class RowResult:
    row: int
    action: str = UNCHANGED
    label: str = ""
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    """Every row's result. ``applied`` says whether anything was written: never in a dry run,
    and not when a row failed unless bad rows were to be skipped."""

    kind: str
    dry_run: bool
    skip_errors: bool
    mapping: dict[str, str]
    rows: list[RowResult] = field(default_factory=list)
    applied: bool = False

    def _count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self._count(CREATE)

    @property
    def updated(self) -> int:
        return self._count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def failed(self) -> int:
        return self._count(ERROR)

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    def of(self, action: str) -> list[RowResult]:
        return [r for r in self.rows if r.action == action]
