"""Reading an import file: header checks, physical line numbers and errors located by line and column."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from bot.importers.errors import CsvError, CsvErrors, Problems
from bot.importers.fields import DateBounds, control_character, parse_amount, parse_date

T = TypeVar("T")
Day = date
Progress = Callable[[int, int], None]  # (bytes read, file size in bytes)

_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"


def _line_breaks(fields: Sequence[str]) -> int:
    """Line breaks inside quoted fields, counted the way a file opened with newline="" splits lines."""
    return sum(f.count("\n") + f.count("\r") - f.count("\r\n") for f in fields)


def _normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


class Lines(Protocol):
    """Rows as a csv reader gives them, and the (last) line read so far."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class Table:
    """Rows to import with their header: a CSV file (`CsvFile`) or a SQL query's result
    (bot/sync/fetch.py `ResultRows`). An importer reads either through this one interface, so a sync
    validates exactly like an import; a "line" of a result is its row number plus one (the header is
    line 1).
    """

    name: str
    parse_day: Callable[[str], date]
    header: list[str]  # normalised
    shown_header: list[str]
    header_line: int
    columns: dict[str, int]  # known column name -> 0-based index
    labels: dict[str, str]  # our column name -> the source's name for it, where they differ
    problems: Problems  # bad rows, collected so that one run names them all
    reader: Lines  # rows of text, and the last line read
    total_bytes: int = 0
    path: Path | None = None  # a file that can be read again, None for a query's result

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @property
    def width(self) -> int:
        return len(self.header)

    def bytes_read(self) -> int:
        return 0

    def _check_header(
        self, required: Sequence[str], optional: Sequence[str], rename: Mapping[str, Sequence[str]]
    ) -> None:
        """Index the header and find each column of ours; CsvError (CsvErrors when there are several)
        naming every column given twice and every missing one, in one run."""
        problems = self._header_problems(required, optional, rename)
        if rename:
            problems += self._rename(rename, required)
        if problems:
            raise problems[0] if len(problems) == 1 else CsvErrors(problems, len(problems))

    def _header_problems(
        self, required: Sequence[str], optional: Sequence[str], rename: Mapping[str, Sequence[str]]
    ) -> list[CsvError]:
        line = self.header_line
        problems: list[CsvError] = []
        for index, name in enumerate(self.header):
            if name in self.columns and name in (*required, *optional):
                first = self.columns[name] + 1
                problems.append(
                    CsvError(
                        self.name,
                        line,
                        f"column appears twice (columns {first} and {index + 1})",
                        column=index + 1,
                        column_name=name,
                    )
                )
            self.columns.setdefault(name, index)
        # A renamed one is looked for by _rename.
        missing = [name for name in required if name not in self.columns and name not in rename]
        if missing:
            said = ", ".join(f'"{name}"' for name in missing)
            problems.append(
                CsvError(
                    self.name,
                    line,
                    f"missing column{'s' if len(missing) > 1 else ''} {said} "
                    f"(the header has: {', '.join(self.shown_header)})",
                    column_name=missing[0],
                )
            )
        return problems

    def line_of(self, fields: Sequence[str]) -> int:
        """First physical line of the row just read."""
        return self.reader.line_num - _line_breaks(fields)

    def _rename(self, rename: Mapping[str, Sequence[str]], required: Sequence[str]) -> list[CsvError]:
        """Find each column of ours under one of the file's headers; errors then name the file's header.

        Returns a problem for every required column found under none of its names."""
        problems: list[CsvError] = []
        for ours, theirs in rename.items():
            candidates = [_normalise_header(name) for name in theirs]
            index = next((self.header.index(c) for c in candidates if c in self.header), None)
            if index is not None:
                self.columns[ours] = index
                self.labels[ours] = self.shown_header[index]
            elif ours in required and ours not in self.columns:
                looked_for = ", ".join(f'"{name}"' for name in theirs)
                problems.append(
                    CsvError(
                        self.name,
                        self.header_line,
                        f"no column for {ours} (looked for {looked_for}; the header has: "
                        f"{', '.join(self.shown_header)}): name yours in a map file, "
                        f'[columns] {ours} = "Your header", and give it with --map',
                        column_name=ours,
                    )
                )
        return problems

    def error(self, line: int, column: str | None, message: str) -> CsvError:
        index = self.columns.get(column) if column else None
        return CsvError(
            self.name,
            line,
            message,
            column=None if index is None else index + 1,
            column_name=self.labels.get(column, column) if column else None,
        )

    def is_blank(self, fields: Sequence[str]) -> bool:
        return not any(field.strip() for field in fields)

    def text_of(self, fields: Sequence[Any]) -> Sequence[str]:
        """A row's fields as text: a file's are already; a query's may be NULL or numbers."""
        return fields

    def width_error(self, line: int, fields: Sequence[str]) -> CsvError:
        hint = " (a value containing a comma needs double quotes)" if len(fields) > self.width else ""
        return self.error(
            line, None, f"expected {self.width} fields as in the header, found {len(fields)}{hint}"
        )

    def check_width(self, line: int, fields: Sequence[str]) -> None:
        if len(fields) != self.width:
            raise self.width_error(line, fields)

    def rows(self, progress: Progress | None = None, every: int = 5_000) -> Iterator[Row]:
        """The data rows, blank ones skipped; a row with more or fewer fields than the header is a problem."""
        reader = self.reader
        previous_end = reader.line_num
        for count, fields in enumerate(reader, 1):
            line, previous_end = previous_end + 1, reader.line_num
            if self.is_blank(fields):
                continue
            if len(fields) != self.width:
                self.problems.add(self.width_error(line, fields))
                continue
            if progress is not None and count % every == 0:
                progress(self.bytes_read(), self.total_bytes)
            yield Row(self, line, fields)
        if progress is not None:
            progress(self.total_bytes, self.total_bytes)


class CsvFile(Table):
    """One import file, opened and its header checked; use as a context manager.

    Decoding and CSV syntax errors met anywhere inside the `with` block leave it as CsvError.
    """

    path: Path

    def __init__(
        self,
        path: Path | str,
        *,
        required: Sequence[str],
        optional: Sequence[str] = (),
        rename: Mapping[str, Sequence[str]] | None = None,
        parse_day: Callable[[str], date] = parse_date,
    ) -> None:
        """`rename`: for a column of ours, the file's own headers that may hold it (first found wins)."""
        self.path = Path(path)
        self.parse_day = parse_day
        self.name = str(path)
        self._binary = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__
        self.total_bytes = os.fstat(self._binary.fileno()).st_size
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        self.reader = csv.reader(self._text)
        self.header = []
        self.columns = {}
        self.labels = {}
        self.problems = Problems()
        try:
            self._read_header(required, optional, rename or {})
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._text.close()
        if isinstance(exc, UnicodeDecodeError):
            raise self._decode_error(exc) from exc
        if isinstance(exc, csv.Error):
            raise CsvError(self.name, max(self.reader.line_num, 1), f"unreadable CSV: {exc}") from exc

    def bytes_read(self) -> int:
        return self._binary.tell()

    def _read_header(
        self, required: Sequence[str], optional: Sequence[str], rename: Mapping[str, Sequence[str]]
    ) -> None:
        for row in self.reader:
            if not self.is_blank(row):
                self.header = [_normalise_header(name) for name in row]
                self.shown_header = [name.strip() for name in row]
                break
        else:
            expected = ",".join(required)
            raise CsvError(self.name, 1, f"empty file: expected a header row: {expected}")
        self.header_line = self.line_of(row)
        self._check_header(required, optional, rename)

    def _decode_error(self, exc: UnicodeDecodeError) -> CsvError:
        """Every undecodable field (the first MAX_SHOWN named), found by reading the file again with bad
        bytes kept as surrogates."""
        problems = Problems()
        with open(self.path, encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
            reader = csv.reader(text)
            header: list[str] = []
            try:
                for fields in reader:
                    line = reader.line_num - _line_breaks(fields)
                    for index, field in enumerate(fields):
                        found = _SURROGATE.search(field)
                        if found is None:
                            continue
                        message = (
                            f"not UTF-8: 0x{ord(found.group()) - 0xDC00:02X} cannot be decoded "
                            '(save the file as "CSV UTF-8")'
                        )
                        name = header[index] if index < len(header) else None
                        problems.add(CsvError(self.name, line, message, column=index + 1, column_name=name))
                    if not header:
                        header = [_normalise_header(name) for name in fields]
            except csv.Error:
                pass  # the bytes read so far say enough
        if not problems:
            bad_byte = f"0x{exc.object[exc.start]:02X}" if exc.start < len(exc.object) else "a byte"
            message = f'not UTF-8: {bad_byte} cannot be decoded (save the file as "CSV UTF-8")'
            return CsvError(self.name, max(self.reader.line_num, 1), message)
        return problems.errors[0] if problems.total == 1 else CsvErrors(problems.errors, problems.total)


class Row:
    """One data row with its line number; the accessors raise CsvError pointing at the field."""

    __slots__ = ("file", "line", "fields")

    def __init__(self, file: Table, line: int, fields: Sequence[str]) -> None:
        self.file = file
        self.line = line
        self.fields = fields

    def raw(self, column: str) -> str:
        index = self.file.columns.get(column)
        return "" if index is None else self.fields[index]

    def fail(self, column: str | None, message: str) -> CsvError:
        return self.file.error(self.line, column, message)

    def text(self, column: str, max_length: int = 200) -> str:
        """A name or an id: not empty, not too long, no control characters (spaces around it dropped)."""
        raw = self.raw(column)
        problem = control_character(raw)
        if problem is not None:
            raise self.fail(column, problem)
        value = raw.strip()
        if not value:
            raise self.fail(column, "empty")
        if len(value) > max_length:
            raise self.fail(column, f"too long ({len(value)} characters, at most {max_length})")
        return value

    def _parsed(self, column: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(self.raw(column))
        except ValueError as exc:
            raise self.fail(column, str(exc)) from None

    def date(self, column: str, bounds: DateBounds, *, none: str = "") -> date:
        """A date within bounds; `none` hints at how to say "no such date" when a far one stands for it."""
        day = self._parsed(column, self.file.parse_day)
        try:
            return bounds.check(day)
        except ValueError as exc:
            raise self.fail(column, f"{exc}{none if day > bounds.last else ''}") from None

    # `Day`, not `date`: in the class body `date` is the method above.
    def optional_date(self, column: str, bounds: DateBounds) -> Day | None:
        """A date, or None for an empty field: "no end" is an empty field, not 9999-12-31."""
        if not self.raw(column).strip():
            return None
        return self.date(column, bounds, none="; leave it empty when there is none")

    def amount(self, column: str) -> float:
        return self._parsed(column, parse_amount)
