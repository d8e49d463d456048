"""The usage feed: one number per account and day, tens of millions of rows, so a fast path.

Rows are parsed in a tight loop that only does dictionary look-ups and float(); anything unusual
(a new date, stray spaces, "$1,200", a bad value) raises inside the loop and is handled row by
row in `_Reader.slow`, which either accepts the row or raises CsvError. Validated rows stream
into the database inside one transaction, so a bad row anywhere rolls the whole file back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import islice
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import Engine

from bot.db import is_sqlite
from bot.importers.csvfile import CsvFile, Progress, Table
from bot.importers.errors import CsvError, ImportResult
from bot.importers.fields import MAX_AMOUNT, DateBounds, control_character, parse_amount, parse_date
from bot.importers.usage_sinks import PostgresSink, SqliteSink, UsageSink

COLUMNS = ("external_id", "date", "value")
BATCH = 50_000  # rows per executemany / COPY chunk, and how often progress is reported

UsageRow = tuple[Any, str, float]  # (account key as the sink wants it, ISO day, value)


class _Slow(Exception):
    """The fast loop met something it does not handle; the row goes through `_Reader.slow`."""


class _Reader:
    def __init__(
        self, file: Table, accounts: dict[str, Any], dates: DateBounds, *, skip_unknown: bool = False
    ) -> None:
        self.file = file
        self.dates = dates
        self.problems = file.problems
        self.skip_unknown = skip_unknown
        self.skipped = 0  # rows of accounts csm-coach does not hold, when told to skip them
        self.slots = {external_id: slot for slot, external_id in enumerate(accounts)}
        self.keys = list(accounts.values())
        # Per distinct date: its ISO text and one byte per account slot, set once that account has a row.
        self.days: dict[str, tuple[str, bytearray]] = {}
        self._by_iso: dict[str, tuple[str, bytearray]] = {}
        self.columns = tuple(file.columns[name] for name in COLUMNS)
        self.canonical = file.header == list(COLUMNS)
        self.current: list[str] = []  # the raw row being looked at, when rows are projected

    def _project(self, fields: list[str]) -> tuple[str, ...]:
        """The three columns of a file with other columns too (rarer, so the slower path)."""
        self.current = fields
        if len(fields) != self.file.width:
            raise _Slow
        return tuple(fields[i] for i in self.columns)

    def read(self, write: Callable[[list[UsageRow]], None], progress: Progress | None) -> int:
        """Validate every row, handing them to `write` in batches; returns the number of rows."""
        file, reader = self.file, self.file.reader
        rows = reader if self.canonical else map(self._project, reader)
        batch: list[UsageRow] = []
        count = 0
        while True:
            line_before = reader.line_num
            self._fill(islice(rows, BATCH), batch)
            if batch:
                if not self.problems:  # once a row is bad the import fails: the rest is only checked
                    write(batch)
                count += len(batch)
                batch.clear()
            if progress is not None:
                progress(file.bytes_read(), file.total_bytes)
            if reader.line_num == line_before:
                return count

    def _fill(self, rows: Iterator[Sequence[str]], batch: list[UsageRow]) -> None:
        slots, keys, days = self.slots, self.keys, self.days
        most = MAX_AMOUNT  # a local: the loop below runs once per row
        append = batch.append
        fields: Sequence[str] = ()
        while True:
            try:
                for fields in rows:
                    external_id, day, value = fields  # ValueError unless exactly three fields
                    slot = slots[external_id]
                    iso, seen = days[day]
                    number = float(value)
                    if seen[slot] or not 0.0 <= number <= most:  # NaN fails both comparisons
                        raise _Slow
                    seen[slot] = 1
                    append((keys[slot], iso, number))
            except (_Slow, KeyError, ValueError, TypeError):  # TypeError: a query's NULL
                pass  # handled below, outside the except block, so that a CsvError has no confusing context
            else:
                return
            try:
                row = self.slow(fields if self.canonical else self.current)
            except CsvError as error:
                self.problems.add(error)
                continue
            if row is not None:
                append(row)

    def slow(self, fields: Sequence[str]) -> UsageRow | None:
        """Check one row thoroughly: the accepted row, None for a blank line, or CsvError."""
        file = self.file
        line = file.line_of(fields)
        fields = file.text_of(fields)
        if file.is_blank(fields):
            return None
        file.check_width(line, fields)
        raw_id, raw_day, raw_value = (fields[i] for i in self.columns)
        external_id = raw_id.strip()
        problem = control_character(raw_id)
        if problem is not None:
            raise file.error(line, "external_id", problem)
        if not external_id:
            raise file.error(line, "external_id", "empty")
        slot = self.slots.get(external_id)
        if slot is None and self.skip_unknown:
            self.skipped += 1
            return None
        if slot is None:
            raise file.error(
                line,
                "external_id",
                f'unknown account "{external_id}" (not in the accounts; import accounts first)',
            )
        try:
            value = parse_amount(raw_value)
        except ValueError as exc:
            raise file.error(line, "value", str(exc)) from None
        iso, seen = self.day(line, raw_day)
        if seen[slot]:
            raise file.error(
                line, "date", f'a second row for "{external_id}" on {iso}{self._first(external_id, iso)}'
            )
        seen[slot] = 1
        return self.keys[slot], iso, value

    def _first(self, external_id: str, iso: str) -> str:
        """Where the first row for the account and day is: a file is read again, only for the errors that
        will be named; a query's result cannot be read again."""
        if self.file.path is None:
            return " (one row per account and day)"
        first = "?" if self.problems.full else _first_line(self.file.path, external_id, iso)
        return f" (the first is on line {first})"

    def span(self) -> tuple[str, str] | None:
        """The first and last ISO day of the rows read, None before any."""
        return (min(self._by_iso), max(self._by_iso)) if self._by_iso else None

    def day(self, line: int, raw: str) -> tuple[str, bytearray]:
        """The marker of a date, checked against the bounds once per distinct spelling."""
        if raw not in self.days:
            try:
                iso = self.dates.check(parse_date(raw)).isoformat()
            except ValueError as exc:
                raise self.file.error(line, "date", str(exc)) from None
            if iso not in self._by_iso:
                self._by_iso[iso] = (iso, bytearray(len(self.keys)))
            self.days[raw] = self._by_iso[iso]  # " 2024-05-01" and "2024-05-01" share one marker
        return self.days[raw]


def _first_line(path: Path, external_id: str, iso: str) -> int | str:
    """Line of the first row for this account and day: the file is read again, as errors are rare."""
    with CsvFile(path, required=COLUMNS) as again:
        id_column, day_column = again.columns["external_id"], again.columns["date"]
        reader, previous_end = again.reader, again.reader.line_num
        for fields in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if len(fields) > max(id_column, day_column) and fields[id_column].strip() == external_id:
                try:
                    if parse_date(fields[day_column]).isoformat() == iso:
                        return line
                except ValueError:
                    continue
    return "?"


def import_usage(
    path: Path | Table,
    *,
    engine: Engine,
    today: date,
    progress: Progress | None = None,
    skip_unknown_accounts: bool = False,
) -> ImportResult:
    """Store every (account, day, value) of the file; a day already stored gets the file's value.

    `path` is a CSV file, or the rows of a SQL source (bot/sync/fetch.py), read alike.

    `today` (UTC) sets the bounds of the dates: no usage is dated after tomorrow (README, "CSV formats").
    `skip_unknown_accounts` skips and counts the rows of accounts not held (a warehouse holds trials
    and churned customers); without it such a row is bad input.
    """
    started = perf_counter()
    with CsvFile(path, required=COLUMNS) if not isinstance(path, Table) else path as file:
        sink: UsageSink = (
            SqliteSink(engine, file_bytes=file.total_bytes) if is_sqlite(engine) else PostgresSink(engine)
        )
        with sink:
            reader = _Reader(file, sink.accounts, DateBounds.usage(today), skip_unknown=skip_unknown_accounts)
            rows = reader.read(sink.write, progress)
            file.problems.raise_any()  # inside the sink's transaction: it rolls back, nothing is kept
            new, replaced = sink.finish(reader.span())
    return ImportResult(
        "usage",
        file.name,
        rows=rows + reader.skipped,
        created=new,
        updated=replaced,
        unchanged=rows - new - replaced,
        seconds=perf_counter() - started,
        details={"rows of unknown accounts skipped": reader.skipped},
    )
