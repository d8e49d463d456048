"""The CSV files' bounds (README, "CSV formats"): out of bounds is bad input, located by
file:line:column, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from bot.importers.accounts import import_accounts
from bot.importers.errors import CsvError
from bot.importers.fields import DateBounds
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from tests.support.importing import TEAM_CSV, TODAY, WriteCsv

ACCOUNTS_HEADER = "external_id,name,segment,arr,owner,start_date,renewal_date,last_review_date\n"
GOOD_ACCOUNT = "A-1,Acme,SMB,1000,U001,2024-01-15,2025-01-15,\n"
USAGE_HEADER = "external_id,date,value\n"
TEAM_HEADER = TEAM_CSV.splitlines()[0].strip() + "\n"
TOMORROW = TODAY + timedelta(days=1)
TEN_YEARS = date(TODAY.year + 10, TODAY.month, TODAY.day)

Snapshot = Callable[[], object]


@pytest.fixture
def stored(engine: Engine, write_csv: WriteCsv, team: None, snapshot: Snapshot) -> object:
    """Accounts A-1 and A-2 with a day of usage; returns the snapshot a failed import must leave."""
    two = GOOD_ACCOUNT + "A-2,Globex,SMB,2000,U003,2023-06-01,,\n"
    import_accounts(write_csv("accounts.csv", ACCOUNTS_HEADER + two), engine=engine, today=TODAY)
    import_usage(write_csv("usage.csv", USAGE_HEADER + "A-1,2024-05-01,3\n"), engine=engine, today=TODAY)
    return snapshot()


@pytest.mark.parametrize(
    ("bad_row", "where", "words"),
    [
        ("A-9,Old,SMB,1,U001,1989-12-31,,\n", ":3:6: start_date: ", "1989-12-31 is out of bounds"),
        (
            f"A-9,Far,SMB,1,U001,{TEN_YEARS + timedelta(days=1)},,\n",
            ":3:6: start_date: ",
            f"dates go from 1990-01-01 to {TEN_YEARS} (10 years after today)",
        ),
        (
            "A-9,Forever,SMB,1,U001,2024-01-01,9999-12-31,\n",
            ":3:7: renewal_date: ",
            "9999-12-31 is out of bounds: dates go from 1990-01-01 to 2034-06-03 (10 years after today); "
            "leave it empty when there is none",
        ),
        ("A-9,Forever,SMB,1,U001,2024-01-01,,9999-12-31\n", ":3:8: last_review_date: ", "9999-12-31"),
        ("A-9,Nan,SMB,nan,U001,2024-01-01,,\n", ":3:4: arr: ", 'not a finite number: "nan"'),
        ("A-9,Inf,SMB,-inf,U001,2024-01-01,,\n", ":3:4: arr: ", 'not a finite number: "-inf"'),
        ("A-9,Neg,SMB,-5,U001,2024-01-01,,\n", ":3:4: arr: ", "must be 0 or more, got -5"),
        ("A-9,Big,SMB,1e13,U001,2024-01-01,,\n", ":3:4: arr: ", "must be at most 10^12 (1,000,000,000,000)"),
        (
            "A-9,\x1b[2JEvil,SMB,1,U001,2024-01-01,,\n",
            ":3:2: name: ",
            "contains a control character (U+001B) at character 1",
        ),
        ('A-9,"Evil\nCorp",SMB,1,U001,2024-01-01,,\n', ":3:2: name: ", "contains a line break (U+000A)"),
        ('"A\r9",Evil,SMB,1,U001,2024-01-01,,\n', ":3:1: external_id: ", "a line break (U+000D)"),
        ("A-9,Evil\u2028Corp,SMB,1,U001,2024-01-01,,\n", ":3:2: name: ", "a line break (U+2028)"),
        ("A-9,Evil\u202eCorp,SMB,1,U001,2024-01-01,,\n", ":3:2: name: ", "a control character (U+202E)"),
        ("A-9,Tab\tCorp,SMB,1,U001,2024-01-01,,\n", ":3:2: name: ", "a control character (U+0009)"),
        ("A-9,Evil,SMB,1,U0\x0701,2024-01-01,,\n", ":3:5: owner: ", "a control character (U+0007)"),
    ],
)
def test_an_account_out_of_bounds_is_located_and_changes_nothing(
    engine: Engine,
    write_csv: WriteCsv,
    stored: object,
    snapshot: Snapshot,
    bad_row: str,
    where: str,
    words: str,
) -> None:
    changes_a1 = "A-1,Acme renamed,SMB,5,U002,2024-01-15,,\n"
    path = write_csv("bad.csv", ACCOUNTS_HEADER + GOOD_ACCOUNT + bad_row + changes_a1)

    with pytest.raises(CsvError) as caught:
        import_accounts(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    # One line per bad row (the file's line 4 repeats A-1), none broken by the data.
    assert "\x1b" not in str(caught.value)
    assert [line.startswith(str(path)) for line in str(caught.value).splitlines()] == [True, True]
    assert snapshot() == stored


def test_accounts_on_the_bounds_are_accepted(engine: Engine, write_csv: WriteCsv, team: None) -> None:
    rows = f"A-1,Edge,SMB,1e12,U001,1990-01-01,{TEN_YEARS},{TEN_YEARS}\nA-2,Zero,SMB,0,U001,{TODAY},,\n"
    result = import_accounts(write_csv("edge.csv", ACCOUNTS_HEADER + rows), engine=engine, today=TODAY)
    assert result.created == 2


def test_ten_years_after_a_29_february_is_the_28th() -> None:
    assert DateBounds.accounts(date(2024, 2, 29)).last == date(2034, 2, 28)


@pytest.mark.parametrize(
    ("bad_row", "where", "words"),
    [
        (
            f"A-2,{TOMORROW + timedelta(days=1)},1\n",
            ":4:2: date: ",
            f"is out of bounds: dates go from 1990-01-01 to {TOMORROW} (tomorrow, UTC)",
        ),
        ("A-2,2062-01-01,1\n", ":4:2: date: ", "2062-01-01 is out of bounds"),
        ("A-2,9999-12-31,1\n", ":4:2: date: ", "9999-12-31 is out of bounds"),
        ("A-2,1989-12-31,1\n", ":4:2: date: ", "1989-12-31 is out of bounds"),
        ("A-2,2024-05-02,nan\n", ":4:3: value: ", 'not a finite number: "nan"'),
        ("A-2,2024-05-02,inf\n", ":4:3: value: ", 'not a finite number: "inf"'),
        ("A-2,2024-05-02,1e300\n", ":4:3: value: ", "must be at most 10^12"),
        ("A-2,2024-05-02,1e13\n", ":4:3: value: ", "must be at most 10^12 (1,000,000,000,000), got 1e13"),
        ("A-2,2024-05-02,-0.5\n", ":4:3: value: ", "must be 0 or more, got -0.5"),
        ('"A-2\n",2024-05-02,1\n', ":4:1: external_id: ", "contains a line break (U+000A) at character 4"),
        ("A-2\x1b,2024-05-02,1\n", ":4:1: external_id: ", "a control character (U+001B)"),
    ],
)
def test_usage_out_of_bounds_is_located_and_changes_nothing(
    engine: Engine,
    write_csv: WriteCsv,
    stored: object,
    snapshot: Snapshot,
    bad_row: str,
    where: str,
    words: str,
) -> None:
    good = "A-1,2024-05-02,4\nA-1,2024-05-01,9\n"  # a new day and a replaced value, both rolled back
    path = write_csv("bad.csv", USAGE_HEADER + good + bad_row)

    with pytest.raises(CsvError) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == stored


def test_usage_on_the_bounds_is_accepted(engine: Engine, write_csv: WriteCsv, stored: object) -> None:
    rows = f"A-1,{TOMORROW},1e12\nA-2,1990-01-01,0\n"
    result = import_usage(write_csv("edge.csv", USAGE_HEADER + rows), engine=engine, today=TODAY)
    assert result.created == 2


def test_a_bound_deep_in_a_large_file_is_caught_by_the_fast_path(
    engine: Engine, write_csv: WriteCsv, stored: object, snapshot: Snapshot
) -> None:
    rows = [f"A-{1 + n % 2},{date(2020, 1, 1) + timedelta(days=n // 2)},{n}" for n in range(3_000)]
    rows[2_500] = rows[2_500].rsplit(",", 1)[0] + ",1000000000001"
    path = write_csv("big.csv", USAGE_HEADER + "\n".join(rows) + "\n")

    with pytest.raises(CsvError) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}:2502:3: value: must be at most 10^12")
    assert snapshot() == stored


@pytest.mark.parametrize(
    ("bad_row", "where", "words"),
    [
        ("U009,dee@example.com,Dee\x1b[31m,APAC,csm,Asia/Tokyo\n", ":3:3: name: ", "(U+001B)"),
        ('U009,dee@example.com,"Dee\nForged line",APAC,csm,Asia/Tokyo\n', ":3:3: name: ", "a line break"),
        ('"U009\n",dee@example.com,Dee,APAC,csm,Asia/Tokyo\n', ":3:1: slack_user_id: ", "a line break"),
        ("U009,dee\x00@example.com,Dee,APAC,csm,Asia/Tokyo\n", ":3:2: email: ", "(U+0000)"),
        ("U009,dee@example.com,Dee,AP\x7fAC,csm,Asia/Tokyo\n", ":3:4: team: ", "(U+007F)"),
        ("U009,dee@example.com,Dee,APAC,csm,Asia/Tokyo\x1b\n", ":3:6: timezone: ", "(U+001B)"),
        ("U009,dee@example.com,Dee,APAC,csm,Asia/Atlantis\n", ":3:6: timezone: ", 'unknown timezone "Asia'),
        ("U009,dee@example.com,Dee,APAC,csm,localtime\n", ":3:6: timezone: ", "unknown timezone"),
    ],
)
def test_a_team_member_with_a_control_character_or_a_bad_zone_is_refused_and_changes_nothing(
    engine: Engine, write_csv: WriteCsv, team: None, snapshot: Snapshot, bad_row: str, where: str, words: str
) -> None:
    before = snapshot()
    path = write_csv("bad.csv", TEAM_HEADER + "U001,ana@example.com,Ana Renamed,EMEA,csm,UTC\n" + bad_row)

    with pytest.raises(CsvError) as caught:
        import_team(path, engine=engine)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == before
