"""Reading a query's result as the importers read a file: values as the import reads them, rows by number."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.sync.config import Source
from bot.sync.fetch import CHUNK, SyncError, as_text, result_rows


def test_values_are_given_as_the_csv_import_reads_them() -> None:
    assert [as_text(v) for v in (None, date(2026, 1, 2), datetime(2026, 1, 2), Decimal("1E+3"), 2.5)] == [
        "",
        "2026-01-02",
        "2026-01-02",
        "1000",
        "2.5",
    ]
    assert as_text(datetime(2026, 1, 2, 13, 5)) == "2026-01-02T13:05:00"


def sqlite_source(tmp_path: Path, query: str, rows: list[tuple[object, ...]]) -> Source:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (ref, label TEXT, n NUMERIC, extra TEXT)"))
        connection.execute(
            text("INSERT INTO t VALUES (:ref, :label, :n, 'x')"),
            [{"ref": ref, "label": label, "n": n} for ref, label, n in rows],
        )
    engine.dispose()
    return Source("usage", make_url(url), query)


def test_a_result_streams_in_the_importers_columns_one_line_a_row_across_chunks(tmp_path: Path) -> None:
    rows = [(1, "two\nlines", 1.5), ("B", "one", None)] + [(f"R{i}", "x", i) for i in range(CHUNK + 5)]
    query = 'SELECT extra, n AS Value, label AS "Date", ref AS "External-ID" FROM t ORDER BY rowid'
    source = sqlite_source(tmp_path, query, rows)
    counted: list[int] = []
    with result_rows(source, required=("external_id", "date", "value"), counter=counted.append) as result:
        assert result.header == ["external_id", "date", "value"]
        assert result.labels == {"external_id": "External-ID", "date": "Date", "value": "Value"}
        read = []
        for fields in result.reader:
            read.append((result.line_of(fields), fields))

    assert read[0] == (2, ("1", "two\nlines", "1.5"))  # row 1 is line 2, whatever its line breaks
    assert read[1] == (3, ("B", "one", ""))  # NULL is an empty field
    assert read[-1] == (len(rows) + 1, (f"R{CHUNK + 4}", "x", str(CHUNK + 4)))
    assert counted == [CHUNK, len(rows)]


def test_every_missing_column_is_named_at_once(tmp_path: Path) -> None:
    source = sqlite_source(tmp_path, "SELECT ref AS external_id, extra FROM t", [("A", "x", 1)])
    with pytest.raises(SyncError) as raised, result_rows(source, required=("external_id", "date", "value")):
        pass
    said = str(raised.value)
    assert said.startswith('missing columns "date", "value" in the query')
    assert "(it has: external_id, extra)" in said
    assert "SELECT … AS date, … AS value" in said
