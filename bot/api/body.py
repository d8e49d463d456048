"""A request body written to a CSV file on disk as it arrives, chunk by chunk, for the file importers.

CSV passes through as it came, checked to be UTF-8 on the way. NDJSON becomes CSV line by line: one
JSON object per line, one CSV row per object in the importer's column order, and a header line
first, so that data row N of the body is line N + 1 of the file and the importer's errors, located
by line, name the body's row. Neither holds more than a chunk (or one line) in memory.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Sequence
from typing import IO, Protocol

from bot.importers.errors import CsvError

# One NDJSON line longer than this is not a row of ours (the longest CSV row is a few KB).
MAX_LINE_BYTES = 1024 * 1024
BOM = b"\xef\xbb\xbf"
JSON_NAMES: dict[type, str] = {dict: "an object", list: "an array"}


class BadBody(Exception):
    """The body cannot be read at all at `row` (1-based, data rows): not UTF-8, not JSON. A 400."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


class BodySink(Protocol):
    def feed(self, chunk: bytes) -> None: ...

    def finish(self) -> None: ...


class CsvSink:
    """Writes the body as it came; refuses it at the first byte that is not UTF-8."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.line = 1  # the physical line the next byte belongs to

    def feed(self, chunk: bytes) -> None:
        self._check(chunk, final=False)
        self.line += chunk.count(b"\n")
        self.out.write(chunk)

    def finish(self) -> None:
        self._check(b"", final=True)

    def _check(self, chunk: bytes, *, final: bool) -> None:
        try:
            self.decoder.decode(chunk, final=final)
        except UnicodeDecodeError as error:
            line = self.line + chunk[: max(error.start, 0)].count(b"\n")
            # Line 1 is the header; a data row's number is its line less one.
            raise BadBody(line - 1, f"line {line} is not UTF-8 (send the body as UTF-8)") from None


class NdjsonSink:
    """One JSON object per line in, one CSV row per line out, in `columns` order.

    `optional` columns are written when the first object has them (as a CSV file has them or not):
    an optional column says something when present (accounts' `last_review_date`), so it must not
    appear unasked. Keys that are not columns are ignored, as a CSV file's other columns are.
    """

    def __init__(self, out: IO[str], *, file: str, columns: Sequence[str], optional: Sequence[str]) -> None:
        self.out = out
        self.file = file
        self.writer = csv.writer(out, lineterminator="\n")
        self.known = (*columns, *optional)
        self.required = tuple(columns)
        self.columns: tuple[str, ...] | None = None  # known once the first object has come
        self.pending = b""
        self.row = 0  # the body's lines seen so far
        self.blank_before_first = 0

    def feed(self, chunk: bytes) -> None:
        lines = (self.pending + chunk).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            self._line(line)
        if len(self.pending) > MAX_LINE_BYTES:
            raise BadBody(self.row + 1, f"a line is longer than {MAX_LINE_BYTES:,} bytes")

    def finish(self) -> None:
        if self.pending:
            self._line(self.pending)
            self.pending = b""
        if self.columns is None:
            raise CsvError(self.file, 1, "empty body: expected one JSON object per line")

    def _line(self, raw: bytes) -> None:
        self.row += 1
        if self.row == 1:
            raw = raw.removeprefix(BOM)
        raw = raw.rstrip(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadBody(self.row, "not UTF-8 (send the body as UTF-8)") from None
        if not text.strip():  # a blank line stays one, so the lines after it keep their numbers
            if self.columns is None:
                self.blank_before_first += 1
            else:
                self.out.write("\n")
            return
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadBody(self.row, f"not JSON: {error.msg} at character {error.pos + 1}") from None
        if not isinstance(record, dict):
            found = JSON_NAMES.get(type(record), "a single value")
            raise BadBody(self.row, f"expected a JSON object, found {found}")
        if self.columns is None:
            self.columns = (
                *self.required,
                *(c for c in self.known if c not in self.required and c in record),
            )
            self.writer.writerow(self.columns)
            self.out.write("\n" * self.blank_before_first)
        self.writer.writerow(
            [self._cell(record.get(column), index) for index, column in enumerate(self.columns)]
        )

    def _cell(self, value: object, index: int) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            if "\n" in value or "\r" in value:
                raise self._error(index, "contains a line break: values must be one line of text")
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value)
        found = "true or false" if isinstance(value, bool) else JSON_NAMES.get(type(value), "a JSON value")
        raise self._error(index, f"expected text or a number, found {found}")

    def _error(self, index: int, message: str) -> CsvError:
        assert self.columns is not None
        return CsvError(self.file, self.row + 1, message, column=index + 1, column_name=self.columns[index])
