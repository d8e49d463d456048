"""What an import reports: one clear error, or a summary of what it changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.plaintext import plural, without_controls


class CsvError(Exception):
    """Bad input, located like a compiler error: `accounts.csv:4:3: segment: unknown segment "Gold"`."""

    def __init__(
        self,
        file: str,
        line: int,
        message: str,
        *,
        column: int | None = None,
        column_name: str | None = None,
    ) -> None:
        self.file = file
        self.line = line  # 1-based physical line in the file; the header is line 1
        self.column = column  # 1-based, None when the error is about the whole row or file
        self.column_name = column_name
        # It may quote the file's bytes, and it reaches a terminal: control characters written as escapes.
        self.message = without_controls(message, keep_newlines=False, visible=True)
        super().__init__(str(self))

    @property
    def shown_file(self) -> str:
        return without_controls(self.file, keep_newlines=False, visible=True)

    def __str__(self) -> str:
        if self.column is None:  # about a row or the file; a missing column names itself in the message
            return f"{self.shown_file}:{self.line}: {self.message}"
        label = f"{self.column_name}: " if self.column_name else ""
        return f"{self.shown_file}:{self.line}:{self.column}: {label}{self.message}"


MAX_SHOWN = 20  # bad rows named in one run; the rest are counted


class CsvErrors(CsvError):
    """Every bad row one run found, the first `MAX_SHOWN` named; its file/line/column are the first's."""

    def __init__(self, errors: list[CsvError], total: int) -> None:
        first = errors[0]
        self.errors = errors
        self.total = total
        self.file, self.line, self.column = first.file, first.line, first.column
        self.column_name, self.message = first.column_name, first.message
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        lines = [CsvError.__str__(error) for error in self.errors]
        if self.total > len(self.errors):
            lines.append(f"and {self.total - len(self.errors):,} more bad rows")
        return "\n".join(lines)


class Problems:
    """The bad rows met so far; reading goes on so that one run names them all (all or nothing still)."""

    def __init__(self) -> None:
        self.errors: list[CsvError] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def full(self) -> bool:
        """No more errors will be named, only counted: a costly message need not be built."""
        return len(self.errors) >= MAX_SHOWN

    def add(self, error: CsvError) -> None:
        self.total += 1
        if not self.full:
            self.errors.append(error)

    def raise_any(self) -> None:
        if self.errors:
            raise self.errors[0] if self.total == 1 else CsvErrors(self.errors, self.total)


# The details whose label is a count's noun, by their singular: "1 team created", "2 teams created".
SINGULAR = {
    "teams created": "team created",
    "owner changes": "owner change",
    "rows of unknown accounts skipped": "row of an unknown account skipped",
}


@dataclass
class ImportResult:
    """What one import did; `summary()` is the line the CLI prints."""

    kind: str  # "team", "accounts" or "usage"
    file: str
    rows: int = 0  # data rows read (blank lines not counted)
    created: int = 0  # usage: (account, day) pairs not stored before
    updated: int = 0  # rows that changed something already stored
    unchanged: int = 0
    seconds: float = 0.0
    # Kind-specific counts, in the order summary() shows them, e.g. {"owner changes": 3}.
    details: dict[str, int] = field(default_factory=dict)
    # Lines that follow the summary: what a person must act on (a leaver who still owns accounts).
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        new, changed = ("new", "replaced") if self.kind == "usage" else ("created", "updated")
        parts = [f"{self.created:,} {new}", f"{self.updated:,} {changed}", f"{self.unchanged:,} unchanged"]
        parts += [plural(n, SINGULAR.get(label, label), label) for label, n in self.details.items() if n]
        rate = (
            f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds > 0 and self.rows >= 100_000 else ""
        )
        line = (
            f"{self.kind} from {self.file}: {plural(self.rows, 'row')} read; "
            f"{', '.join(parts)} ({self.seconds:.1f} s{rate})"
        )
        return "\n".join([line, *self.notes])
