"""One run names every bad row it finds (at most 20, then a count) and still writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from bot.importers.accounts import import_accounts
from bot.importers.errors import CsvError, CsvErrors
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from tests.support.importing import TODAY, WriteCsv

Snapshot = Callable[[], dict[str, list[tuple[object, ...]]]]
ACCOUNTS_HEADER = "external_id,name,segment,arr,owner,start_date,renewal_date\n"


@pytest.fixture
def accounts(engine: Engine, write_csv: WriteCsv, team: None) -> None:
    rows = "".join(f"A-{n},Customer {n},SMB,1000,U001,2024-01-01,\n" for n in range(1, 4))
    import_accounts(write_csv("accounts.csv", ACCOUNTS_HEADER + rows), engine=engine, today=TODAY)


def test_a_team_file_names_each_bad_row_and_changes_nothing(
    engine: Engine, write_csv: WriteCsv, team: None, snapshot: Snapshot
) -> None:
    before = snapshot()
    path = write_csv(
        "team.csv",
        """\
        slack_user_id,email,name,team,role,timezone
        U001,ana@example.com,Ana,EMEA,boss,Europe/Paris
        U002,bo@example.com,Bo,EMEA,manager,Europe/London
        U003,cy@example,Cy,AMER,csm,America/New_York
        U004,di@example.com,Di,AMER,csm,EST
        U005,ed@example.com,Ed,AMER,csm
        """,
    )

    with pytest.raises(CsvErrors) as caught:
        import_team(path, engine=engine)

    assert [(e.line, e.column_name) for e in caught.value.errors] == [
        (2, "role"),
        (4, "email"),
        (5, "timezone"),
        (6, None),
    ]
    assert (
        str(caught.value).splitlines()[0]
        == f'{path}:2:5: role: unknown role "boss" (expected one of: csm, manager, admin)'
    )
    assert (caught.value.line, caught.value.column) == (2, 5)  # the first, for callers that show one
    assert snapshot() == before


def test_an_accounts_file_names_each_bad_row_and_changes_nothing(
    engine: Engine, write_csv: WriteCsv, team: None, snapshot: Snapshot
) -> None:
    before = snapshot()
    rows = (
        "A-1,Acme,Gold,1000,U001,2024-01-01,\n"
        "A-2,Beta,SMB,1000,U001,2024-01-01,\n"
        "A-3,Gamma,SMB,lots,U001,2024-01-01,\n"
        "A-4,Delta,SMB,1000,nobody@example.com,2024-01-01,\n"
        "A-2,Beta again,SMB,1000,U001,2024-01-01,\n"
    )

    with pytest.raises(CsvErrors) as caught:
        import_accounts(write_csv("accounts.csv", ACCOUNTS_HEADER + rows), engine=engine, today=TODAY)

    assert [(e.line, e.column_name) for e in caught.value.errors] == [
        (2, "segment"),
        (4, "arr"),
        (5, "owner"),
        (6, "external_id"),
    ]
    assert snapshot() == before


def test_past_twenty_bad_rows_the_rest_are_counted(
    engine: Engine, write_csv: WriteCsv, accounts: None, snapshot: Snapshot
) -> None:
    before = snapshot()
    good = "".join(f"A-1,2024-05-{day:02d},5\n" for day in range(1, 11))
    bad = "".join(f"A-2,2024-05-01,x{n}\n" for n in range(25))  # lines 12 to 36
    path = write_csv("usage.csv", "external_id,date,value\n" + good + bad)

    with pytest.raises(CsvErrors) as caught:
        import_usage(path, engine=engine, today=TODAY)

    lines = str(caught.value).splitlines()
    assert len(lines) == 21
    assert lines[0] == f'{path}:12:3: value: not a number: "x0"'
    assert lines[19].startswith(f"{path}:31:3: value:")
    assert lines[20] == "and 5 more bad rows"
    assert caught.value.total == 25
    assert snapshot() == before


def test_usage_names_each_kind_of_bad_row_in_one_run(
    engine: Engine, write_csv: WriteCsv, accounts: None, snapshot: Snapshot
) -> None:
    before = snapshot()
    rows = (
        "A-1,2024-05-01,5\n"
        "A-9,2024-05-01,5\n"
        "A-2,2024-13-01,5\n"
        "A-1,2024-05-01,6\n"
        "A-3,2024-05-01\n"
        "A-3,2024-05-02,-1\n"
        "A-3,2024-05-03,7\n"
    )
    path = write_csv("usage.csv", "external_id,date,value\n" + rows)

    with pytest.raises(CsvErrors) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert [(e.line, e.column_name) for e in caught.value.errors] == [
        (3, "external_id"),
        (4, "date"),
        (5, "date"),
        (6, None),
        (7, "value"),
    ]
    assert "the first is on line 2" in str(caught.value)
    assert snapshot() == before


def test_one_bad_row_is_a_plain_error_as_before(engine: Engine, write_csv: WriteCsv, accounts: None) -> None:
    path = write_csv("usage.csv", "external_id,date,value\nA-1,2024-05-01,5\nA-1,2024-05-02,?\n")
    with pytest.raises(CsvError) as caught:
        import_usage(path, engine=engine, today=TODAY)
    assert not isinstance(caught.value, CsvErrors)
    assert str(caught.value) == f'{path}:3:3: value: not a number: "?"'


def test_skip_unknown_accounts_skips_and_counts_their_rows(
    engine: Engine, write_csv: WriteCsv, accounts: None
) -> None:
    rows = "A-1,2024-05-01,5\nTRIAL-7,2024-05-01,9\nA-2,2024-05-01,3\nCHURNED-1,2024-05-02,1\n"
    path = write_csv("usage.csv", "external_id,date,value\n" + rows)

    with pytest.raises(CsvErrors, match="unknown account"):
        import_usage(path, engine=engine, today=TODAY)
    result = import_usage(path, engine=engine, today=TODAY, skip_unknown_accounts=True)

    assert (result.rows, result.created) == (4, 2)
    assert "2 rows of unknown accounts skipped" in result.summary()


def test_everything_wrong_with_a_header_is_said_in_one_run(
    engine: Engine, write_csv: WriteCsv, team: None, snapshot: Snapshot
) -> None:
    before = snapshot()
    path = write_csv("accounts.csv", "external_id,name,name,arr,renewal_date\nA-1,Acme,Acme,1,\n")

    with pytest.raises(CsvErrors) as caught:
        import_accounts(path, engine=engine, today=TODAY)

    assert str(caught.value).splitlines() == [
        f"{path}:1:3: name: column appears twice (columns 2 and 3)",
        f'{path}:1: missing columns "segment", "owner", "start_date" '
        "(the header has: external_id, name, name, arr, renewal_date)",
    ]
    assert snapshot() == before


def test_every_field_that_is_not_utf8_is_named_in_one_run(
    engine: Engine, accounts: None, tmp_path_factory: pytest.TempPathFactory, snapshot: Snapshot
) -> None:
    before = snapshot()
    path = tmp_path_factory.mktemp("latin1") / "usage.csv"
    path.write_bytes(b"external_id,date,value\nA-1,2024-05-01,1\nA-\xe9,2024-05-01,2\nA-3,2024-05-01,3\xff\n")

    with pytest.raises(CsvErrors) as caught:
        import_usage(path, engine=engine, today=TODAY)

    assert str(caught.value).splitlines() == [
        f'{path}:3:1: external_id: not UTF-8: 0xE9 cannot be decoded (save the file as "CSV UTF-8")',
        f'{path}:4:3: value: not UTF-8: 0xFF cannot be decoded (save the file as "CSV UTF-8")',
    ]
    assert snapshot() == before
