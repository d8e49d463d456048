from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from bot.importers import usage as usage_module
from bot.importers.accounts import import_accounts
from bot.importers.errors import CsvError
from bot.importers.usage import import_usage
from bot.models import Account, Usage
from tests.support.importing import TODAY, WriteCsv

HEADER = "external_id,date,value\n"


@pytest.fixture
def accounts(engine: Engine, write_csv: WriteCsv, team: None) -> None:
    rows = "".join(f"A-{n},Customer {n},SMB,1000,U001,2024-01-01,\n" for n in range(1, 4))
    import_accounts(
        write_csv("accounts.csv", "external_id,name,segment,arr,owner,start_date,renewal_date\n" + rows),
        engine=engine,
        today=TODAY,
    )


def stored(engine: Engine) -> dict[tuple[str, date], float]:
    with Session(engine) as session:
        rows = session.exec(
            select(Account.external_id, Usage.day, Usage.value).join(
                Usage, col(Usage.account_id) == col(Account.id)
            )
        )
        return {(external_id, day): value for external_id, day, value in rows}


def test_import_stores_one_number_per_account_and_day(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    content = HEADER + "A-1,2024-05-01,12\nA-2,2024-05-01,3.5\nA-1,2024-05-02,0\n"
    seen: list[tuple[int, int]] = []
    result = import_usage(
        write_csv("usage.csv", content),
        engine=engine,
        today=TODAY,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert "3 new" in result.summary()
    values = stored(engine)
    assert values == {
        ("A-1", date(2024, 5, 1)): 12.0,
        ("A-2", date(2024, 5, 1)): 3.5,
        ("A-1", date(2024, 5, 2)): 0.0,
    }
    assert all(type(day) is date for _, day in values)  # read back through the ORM as dates
    assert seen[-1] == (len(content), len(content))


def test_reimport_replaces_the_value_of_a_day_already_stored(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    import_usage(
        write_csv("usage.csv", HEADER + "A-1,2024-05-01,12\nA-2,2024-05-01,7\n"), engine=engine, today=TODAY
    )

    result = import_usage(
        write_csv("usage2.csv", HEADER + "A-1,2024-05-01,15\nA-2,2024-05-01,7\nA-3,2024-05-01,1\n"),
        engine=engine,
        today=TODAY,
    )

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 1, 1, 1)
    assert stored(engine) == {
        ("A-1", date(2024, 5, 1)): 15.0,
        ("A-2", date(2024, 5, 1)): 7.0,
        ("A-3", date(2024, 5, 1)): 1.0,
    }


def test_the_next_days_feed_adds_rows_and_moves_each_accounts_last_day(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    import_usage(
        write_csv("usage.csv", HEADER + "A-1,2024-05-01,12\nA-2,2024-05-01,7\n"), engine=engine, today=TODAY
    )

    result = import_usage(
        write_csv("next.csv", HEADER + "A-1,2024-05-02,3\nA-3,2024-05-02,4\n"), engine=engine, today=TODAY
    )

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    with Session(engine) as session:
        days = session.exec(
            select(Account.external_id, Account.first_usage_day, Account.last_usage_day)
        ).all()
    assert sorted(days) == [
        ("A-1", date(2024, 5, 1), date(2024, 5, 2)),
        ("A-2", date(2024, 5, 1), date(2024, 5, 1)),
        ("A-3", date(2024, 5, 2), date(2024, 5, 2)),
    ]


def test_a_backfilled_day_before_the_stored_ones_moves_the_first_day(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    import_usage(write_csv("usage.csv", HEADER + "A-1,2024-05-03,12\n"), engine=engine, today=TODAY)
    result = import_usage(
        write_csv("old.csv", HEADER + "A-1,2024-05-01,1\nA-1,2024-05-03,12\n"), engine=engine, today=TODAY
    )

    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.external_id == "A-1")).one()
    assert (account.first_usage_day, account.last_usage_day) == (date(2024, 5, 1), date(2024, 5, 3))


def test_stored_days_missing_from_the_accounts_still_end_in_replaced_values(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    path = write_csv("usage.csv", HEADER + "A-1,2024-05-01,12\nA-2,2024-05-01,7\n")
    import_usage(path, engine=engine, today=TODAY)
    with engine.begin() as conn:  # as if the days had never been kept: a plain insert would collide
        conn.execute(text("UPDATE account SET first_usage_day = NULL, last_usage_day = NULL"))

    result = import_usage(
        write_csv("again.csv", HEADER + "A-1,2024-05-01,13\nA-2,2024-05-01,7\n"), engine=engine, today=TODAY
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert stored(engine) == {("A-1", date(2024, 5, 1)): 13.0, ("A-2", date(2024, 5, 1)): 7.0}


def test_a_failed_first_load_leaves_the_table_keyed(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    good = HEADER + "A-1,2024-05-01,12\nA-2,2024-05-01,7\n"
    with pytest.raises(CsvError):
        import_usage(write_csv("bad.csv", good + "A-9,2024-05-01,1\n"), engine=engine, today=TODAY)
    assert stored(engine) == {}

    import_usage(write_csv("usage.csv", good), engine=engine, today=TODAY)
    again = import_usage(write_csv("again.csv", good), engine=engine, today=TODAY)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)  # the key still finds the rows
    assert len(stored(engine)) == 2


def test_values_and_layout_are_read_leniently(engine: Engine, write_csv: WriteCsv, accounts: None) -> None:
    content = (
        "\ufeffValue, Date ,note,EXTERNAL_ID\n"  # other order, an extra column, BOM
        '"1,200",2024-05-01,x,A-1\n'
        "\n"
        " 7 , 2024-05-01 ,y, A-2 \n"
        "$3,2024-05-02,,A-1\n"
    )
    result = import_usage(write_csv("usage.csv", content), engine=engine, today=TODAY)

    assert result.rows == 3
    assert stored(engine) == {
        ("A-1", date(2024, 5, 1)): 1200.0,
        ("A-2", date(2024, 5, 1)): 7.0,
        ("A-1", date(2024, 5, 2)): 3.0,
    }


def test_an_error_after_several_batches_rolls_back_the_rows_already_sent(
    engine: Engine,
    write_csv: WriteCsv,
    accounts: None,
    snapshot: Callable[[], object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(usage_module, "BATCH", 2)
    import_usage(write_csv("usage.csv", HEADER + "A-1,2024-04-30,1\n"), engine=engine, today=TODAY)
    before = snapshot()
    good = "".join(f"A-{n % 3 + 1},2024-05-{n // 3 + 1:02d},{n}\n" for n in range(9))
    path = write_csv("usage2.csv", HEADER + "A-1,2024-04-30,99\n" + good + "A-4,2024-05-09,1\n")

    with pytest.raises(CsvError) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}:12:1: external_id: ")
    assert snapshot() == before


GOOD_ROWS = "A-1,2024-05-01,5\nA-2,2024-05-01,6\n"  # would add two days


@pytest.mark.parametrize(
    ("bad_row", "where", "words"),
    [
        (
            "A-9,2024-05-01,1\n",
            ":4:1: external_id: ",
            'unknown account "A-9" (not in the accounts; import accounts',
        ),
        (",2024-05-01,1\n", ":4:1: external_id: ", "empty"),
        ("A-3,2024-5-1,1\n", ":4:2: date: ", 'bad date "2024-5-1" (expected YYYY-MM-DD)'),
        ("A-3,2024-02-30,1\n", ":4:2: date: ", 'bad date "2024-02-30"'),
        ("A-3,,1\n", ":4:2: date: ", "empty"),
        ("A-3,2024-05-01,abc\n", ":4:3: value: ", 'not a number: "abc"'),
        ("A-3,2024-05-01,-1\n", ":4:3: value: ", "must be 0 or more, got -1"),
        ("A-3,2024-05-01,nan\n", ":4:3: value: ", "not a finite number"),
        ("A-3,2024-05-01,inf\n", ":4:3: value: ", "not a finite number"),
        ("A-3,2024-05-01,\n", ":4:3: value: ", "empty"),
        (
            "A-1,2024-05-01,7\n",
            ":4:2: date: ",
            'a second row for "A-1" on 2024-05-01 (the first is on line 2)',
        ),
        (
            " A-2 ,2024-05-01 ,7\n",
            ":4:2: date: ",
            'a second row for "A-2" on 2024-05-01 (the first is on line 3)',
        ),
        ("A-3,2024-05-01,1,5\n", ":4: ", "expected 3 fields as in the header, found 4"),
        ("A-3,2024-05-01\n", ":4: ", "expected 3 fields as in the header, found 2"),
    ],
)
def test_bad_row_is_located_and_changes_nothing(
    engine: Engine,
    write_csv: WriteCsv,
    accounts: None,
    snapshot: Callable[[], object],
    bad_row: str,
    where: str,
    words: str,
) -> None:
    import_usage(write_csv("usage.csv", HEADER + "A-1,2024-04-30,1\n"), engine=engine, today=TODAY)
    before = snapshot()
    path = write_csv("bad.csv", HEADER + GOOD_ROWS + bad_row + "A-1,2024-04-30,2\n")

    with pytest.raises(CsvError) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        (b"", ":1: ", "empty file: expected a header row: external_id,date,value"),
        (b"external_id,day,value\nA-1,2024-05-01,1\n", ":1: ", 'missing column "date"'),
        (
            HEADER.encode() + b"A-1,2024-05-01,1\nA-\xff,2024-05-01,1\n",
            ":3:1: external_id: ",
            "not UTF-8: 0xFF",
        ),
        (HEADER.encode() + b"A-1,2024-05-01,1\nA-2,2024-05-01,1\x00\n", ":3:3: value: ", "not a number"),
        (
            HEADER.encode() + b"A-1,2024-05-01,1\nA-2,2024-05-01," + b"1" * 200_000,
            ":3: ",
            "unreadable CSV: field larger",
        ),
    ],
)
def test_unreadable_file_is_located_and_changes_nothing(
    engine: Engine,
    write_csv: WriteCsv,
    accounts: None,
    snapshot: Callable[[], object],
    content: bytes,
    where: str,
    words: str,
) -> None:
    before = snapshot()
    path = write_csv("usage.csv", content)

    with pytest.raises(CsvError) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == before


def test_a_file_with_no_rows_changes_nothing(engine: Engine, write_csv: WriteCsv, accounts: None) -> None:
    result = import_usage(write_csv("usage.csv", HEADER), engine=engine, today=TODAY)

    assert (result.rows, result.created) == (0, 0)
    assert stored(engine) == {}


def test_lines_are_physical_lines_and_other_layouts_check_their_width_too(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    quoted = write_csv("quoted.csv", HEADER + 'A-1,2024-05-01,1\n"A\n9",2024-05-01,1\n')
    with pytest.raises(CsvError) as caught:
        import_usage(quoted, engine=engine, today=TODAY)
    assert (caught.value.line, caught.value.column) == (3, 1)

    wide = write_csv("wide.csv", "date,external_id,value,note\n2024-05-01,A-1,1,x\n2024-05-01,A-2,1\n")
    with pytest.raises(CsvError, match=r"wide.csv:3: expected 4 fields as in the header, found 3"):
        import_usage(wide, engine=engine, today=TODAY)
