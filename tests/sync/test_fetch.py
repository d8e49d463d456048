"""Reading a query's result as the importers read a file: values as the import reads them, rows by number."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.sync.config import Source
from bot.sync.fetch import CHUNK, SyncError, as_text, result_rows
from bot.sync.run import sync_source
from tests.sync.conftest import WarehouseUrl

TODAY = date(2026, 12, 7)
TEAM = "slack_user_id,email,name,team,role,timezone\nU001,ana@example.com,Ana,EMEA,csm,Europe/Paris\n"
ACCOUNTS = "external_id,name,segment,arr,owner,start_date,renewal_date\nA-1,Acme,SMB,1000,U001,2010-01-01,\n"


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


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_bad_row_in_a_later_chunk_is_named_by_its_row_whatever_the_types(
    kind: str, warehouse_url: WarehouseUrl, engine: Engine, tmp_path: Path
) -> None:
    """Text columns come from psycopg as they are, NULL included; numbers and dates are made text.
    A NULL, an unknown account and a repeated day deep in the result are each named by row."""
    (tmp_path / "team.csv").write_text(TEAM, encoding="utf-8")
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    import_team(tmp_path / "team.csv", engine=engine)
    import_accounts(tmp_path / "accounts.csv", engine=engine, today=TODAY)
    url = warehouse_url(kind)
    source_engine = create_engine(url)
    with source_engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS feed"))
        connection.execute(
            text("CREATE TABLE feed (n integer, ref varchar(20), day date, used numeric(8, 1))")
        )
        rows = [
            {"n": n, "ref": "A-1", "day": TODAY - timedelta(days=n), "used": n % 7} for n in range(CHUNK + 50)
        ]
        rows[CHUNK + 10]["used"] = None
        rows[CHUNK + 20]["ref"] = "NOBODY"
        rows[CHUNK + 30]["day"] = rows[CHUNK + 29]["day"]
        connection.execute(text("INSERT INTO feed VALUES (:n, :ref, :day, :used)"), rows)
    source_engine.dispose()
    query = "SELECT ref AS external_id, day AS date, used AS value FROM feed ORDER BY n"
    for sql in (query, query.replace("ref AS", "n AS extra, ref AS")):  # the driver's tuples, or projected
        source = Source("usage", make_url(url), sql)
        with pytest.raises(SyncError) as raised:
            sync_source(source, engine=engine, today=TODAY)
        assert str(raised.value).splitlines() == [
            f"sync usage: row {CHUNK + 11}, column value: empty (expected a number)",
            f'row {CHUNK + 21}, column external_id: unknown account "NOBODY" '
            "(not in the accounts; import accounts first)",
            f'row {CHUNK + 31}, column date: a second row for "A-1" on '
            f"{rows[CHUNK + 29]['day'].isoformat()} (one row per account and day)",
        ]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM usage")).scalar_one() == 0


def test_a_column_given_twice_is_said_with_the_missing_ones(tmp_path: Path) -> None:
    source = sqlite_source(
        tmp_path, "SELECT ref AS external_id, n AS Value, extra AS value FROM t", [("A", "x", 1)]
    )
    with pytest.raises(SyncError) as raised, result_rows(source, required=("external_id", "date", "value")):
        pass
    assert (
        str(raised.value).splitlines()[0]
        == 'the query\'s result has column "value" twice ("Value" and "value")'
    )
    assert str(raised.value).splitlines()[1].startswith('missing column "date" in the query\'s result')
