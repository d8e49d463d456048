"""Writing a result as the importer's CSV: values as the import reads them, rows found again by line."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from bot.sync.fetch import Fetched, _write, as_text


def test_values_are_written_as_the_csv_import_reads_them() -> None:
    assert [as_text(v) for v in (None, date(2026, 1, 2), datetime(2026, 1, 2), Decimal("1E+3"), 2.5)] == [
        "",
        "2026-01-02",
        "2026-01-02",
        "1000",
        "2.5",
    ]
    assert as_text(datetime(2026, 1, 2, 13, 5)) == "2026-01-02T13:05:00"


def test_a_row_after_a_value_that_spans_lines_keeps_its_row_number() -> None:
    out, fetched = io.StringIO(), Fetched({})
    rows = [("A", "two\nlines", Decimal("1.50")), ("B", "one", None), ("C", "three\r\nmore\nlines", 2)]
    _write(iter([rows[:2], rows[2:] + [("D", "x", 1)]]), {"id": 0, "name": 1, "n": 2}, out, fetched, None)

    assert fetched.rows == 4
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed == [["id", "name", "n"], ["A", "two\nlines", "1.50"], ["B", "one", ""]] + [
        ["C", "three\r\nmore\nlines", "2"],
        ["D", "x", "1"],
    ]
    # Lines as the importer counts them: the header 1, A 2-3, B 4, C 5-7, D 8.
    assert [fetched.row_of(line) for line in (2, 4, 5, 8)] == [1, 2, 3, 4]
