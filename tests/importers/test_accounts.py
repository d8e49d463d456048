from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.importers.accounts import import_accounts
from bot.importers.errors import CsvError
from bot.importers.team import import_team
from bot.models import Account, Person
from tests.support.importing import TODAY, WriteCsv

HEADER = "external_id,name,segment,arr,owner,start_date,renewal_date\n"
ACCOUNTS_CSV = HEADER + (
    'A-1,"Acme, Inc.",SMB,"$1,200.50",U001,2024-01-15,2025-01-15\n'
    "A-2,Globex,Mid-Market,80000,bo@example.com,2023-06-01,\n"
    "A-3,Initech,ENT,250000,Cy@Example.com,2022-03-01,2025-03-01\n"
)


def accounts(engine: Engine) -> dict[str, Account]:
    with Session(engine) as session:
        return {a.external_id: a for a in session.exec(select(Account))}


def person_ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {p.slack_user_id: p.id for p in session.exec(select(Person)) if p.id is not None}


def test_import_creates_accounts_with_lenient_segments_money_and_owners(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    result = import_accounts(write_csv("accounts.csv", ACCOUNTS_CSV), engine=engine, today=TODAY)

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    stored, owners = accounts(engine), person_ids(engine)
    acme = stored["A-1"]
    assert (acme.name, acme.segment_key, acme.arr, acme.owner_id) == (
        "Acme, Inc.",
        "smb",
        1200.5,
        owners["U001"],
    )
    assert (acme.start_date, acme.renewal_date, acme.last_review_date) == (
        date(2024, 1, 15),
        date(2025, 1, 15),
        None,
    )
    assert (stored["A-2"].segment_key, stored["A-2"].owner_id, stored["A-2"].renewal_date) == (
        "mid_market",
        owners["U002"],
        None,
    )
    assert (stored["A-3"].segment_key, stored["A-3"].owner_id) == ("enterprise", owners["U003"])


def test_reimport_updates_by_external_id_and_an_owner_change_moves_the_account(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    import_accounts(write_csv("accounts.csv", ACCOUNTS_CSV), engine=engine, today=TODAY)
    ids_before = {key: account.id for key, account in accounts(engine).items()}
    changed = HEADER + (
        'A-1,"Acme, Inc.",SMB,"$1,200.50",U003,2024-01-15,2025-01-15\n'  # moves from Ana to Cy
        "A-2,Globex,Mid-Market,90000,bo@example.com,2023-06-01,2024-06-01\n"  # ARR and renewal
        "A-4,Hooli,Large,50000,U001,2024-02-01,\n"  # new; A-3 is left out
    )
    result = import_accounts(write_csv("accounts2.csv", changed), engine=engine, today=TODAY)

    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    assert result.details == {"owner changes": 1}
    assert "1 owner change " in result.summary()
    stored, owners = accounts(engine), person_ids(engine)
    assert stored["A-1"].owner_id == owners["U003"]
    assert stored["A-1"].id == ids_before["A-1"]
    assert (stored["A-2"].arr, stored["A-2"].renewal_date) == (90000, date(2024, 6, 1))
    assert stored["A-3"].name == "Initech"  # accounts absent from the file are left as they are
    assert stored["A-4"].segment_key == "large"

    again = import_accounts(write_csv("accounts3.csv", changed), engine=engine, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_last_review_date_is_read_when_given_and_kept_when_the_column_is_absent(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    with_reviews = (
        "external_id,name,segment,arr,owner,start_date,renewal_date,Last_Review_Date\n"
        "A-1,Acme,SMB,1000,U001,2024-01-15,,2024-09-01\n"
        "A-2,Globex,SMB,1000,U001,2024-01-15,,\n"
    )
    import_accounts(write_csv("accounts.csv", with_reviews), engine=engine, today=TODAY)
    assert accounts(engine)["A-1"].last_review_date == date(2024, 9, 1)
    assert accounts(engine)["A-2"].last_review_date is None

    import_accounts(
        write_csv("accounts2.csv", HEADER + "A-1,Acme,SMB,2000,U001,2024-01-15,\n"),
        engine=engine,
        today=TODAY,
    )
    assert accounts(engine)["A-1"].arr == 2000
    assert accounts(engine)["A-1"].last_review_date == date(2024, 9, 1)


def test_many_accounts_go_in_one_import(engine: Engine, write_csv: WriteCsv, team: None) -> None:
    rows = "".join(f"X-{n},Customer {n},Large,{n},U00{n % 3 + 1},2024-01-01,\n" for n in range(3000))
    seen: list[tuple[int, int]] = []
    result = import_accounts(
        write_csv("accounts.csv", HEADER + rows),
        engine=engine,
        today=TODAY,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert result.created == 3000
    assert len(accounts(engine)) == 3000
    assert seen and seen[-1][0] == seen[-1][1] > 0


def test_an_owner_left_out_of_the_team_file_cannot_take_accounts(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    import_team(
        write_csv(
            "team2.csv",
            "slack_user_id,email,name,team,role,timezone\nU001,ana@example.com,Ana,EMEA,csm,UTC\n",
        ),
        engine=engine,
    )
    with pytest.raises(CsvError, match=r":2:5: owner: .*inactive"):
        import_accounts(
            write_csv("accounts.csv", HEADER + "A-1,Acme,SMB,1,U002,2024-01-01,\n"),
            engine=engine,
            today=TODAY,
        )


GOOD_ROW = "A-9,Umbrella,Large,5000,U001,2024-01-01,\n"  # would add an account


@pytest.mark.parametrize(
    ("bad_row", "where", "words"),
    [
        (
            "A-10,Gold Co,Gold,5000,U001,2024-01-01,\n",
            ":3:3: segment: ",
            'unknown segment "Gold" (expected one of: smb, mid_market, large, enterprise)',
        ),
        (
            "A-10,Ghost,SMB,5000,U999,2024-01-01,\n",
            ":3:5: owner: ",
            '"U999" is not in the team file: add them to it',
        ),
        ("A-10,Ghost,SMB,5000,zed@example.com,2024-01-01,\n", ":3:5: owner: ", "not in the team file"),
        (
            "A-10,Late,SMB,5000,U001,01/02/2024,\n",
            ":3:6: start_date: ",
            'bad date "01/02/2024" (expected YYYY-MM-DD)',
        ),
        ("A-10,Late,SMB,5000,U001,2024-02-30,\n", ":3:6: start_date: ", 'bad date "2024-02-30"'),
        ("A-10,Late,SMB,5000,U001,,\n", ":3:6: start_date: ", "empty"),
        ("A-10,Late,SMB,5000,U001,2024-01-01,soon\n", ":3:7: renewal_date: ", 'bad date "soon"'),
        ("A-10,Big,SMB,12k,U001,2024-01-01,\n", ":3:4: arr: ", 'not a number: "12k"'),
        ("A-10,Big,SMB,-5,U001,2024-01-01,\n", ":3:4: arr: ", "must be 0 or more"),
        ('A-10,Big,SMB,"1.234,56",U001,2024-01-01,\n', ":3:4: arr: ", 'not a number: "1.234,56"'),
        ("A-10,Big,SMB,,U001,2024-01-01,\n", ":3:4: arr: ", "empty"),
        ("A-10,Big,SMB,nan,U001,2024-01-01,\n", ":3:4: arr: ", "not a finite number"),
        ("A-9,Again,SMB,1,U001,2024-01-01,\n", ":3:1: external_id: ", '"A-9" is on line 2 too'),
        (",Nameless,SMB,1,U001,2024-01-01,\n", ":3:1: external_id: ", "empty"),
        (
            "A-10,Acme, Inc.,SMB,1,U001,2024-01-01,\n",
            ":3: ",
            "found 8 (a value containing a comma needs double quotes)",
        ),
    ],
)
def test_bad_row_is_located_and_changes_nothing(
    engine: Engine,
    write_csv: WriteCsv,
    team: None,
    snapshot: Callable[[], object],
    bad_row: str,
    where: str,
    words: str,
) -> None:
    import_accounts(write_csv("accounts.csv", ACCOUNTS_CSV), engine=engine, today=TODAY)
    before = snapshot()
    changes_a1 = 'A-1,"Acme, Inc.",Large,1,U002,2024-01-15,\n'
    path = write_csv("bad.csv", HEADER + GOOD_ROW + bad_row + changes_a1)

    with pytest.raises(CsvError) as caught:
        import_accounts(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        (b"", ":1: ", "empty file: expected a header row: external_id,name,segment,arr,owner,start_date"),
        (b"external_id,name,segment,arr,start_date,renewal_date\n", ":1: ", 'missing column "owner"'),
        (
            b"external_id,name,name,segment,arr,owner,start_date,renewal_date\n",
            ":1:3: name: ",
            "appears twice",
        ),
        (
            HEADER.encode() + "A-10,Café,SMB,1,U001,2024-01-01,\n".encode("cp1252"),
            ":2:2: name: ",
            "not UTF-8: 0xE9",
        ),
    ],
)
def test_unreadable_file_is_located_and_changes_nothing(
    engine: Engine,
    write_csv: WriteCsv,
    team: None,
    snapshot: Callable[[], object],
    content: bytes,
    where: str,
    words: str,
) -> None:
    before = snapshot()
    path = write_csv("accounts.csv", content)

    with pytest.raises(CsvError) as caught:
        import_accounts(path, engine=engine, today=TODAY)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == before


def test_line_numbers_count_physical_lines_past_a_multi_line_field_the_import_ignores(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    content = (
        HEADER.rstrip("\n") + ",notes\n"
        'A-1,Acme,SMB,1,U001,2024-01-01,,"called twice\nno answer\r\nretry"\n'
        "\n"
        "A-2,Globex,Gold,1,U001,2024-01-01,,\n"
    )
    path = write_csv("accounts.csv", content)

    with pytest.raises(CsvError) as caught:
        import_accounts(path, engine=engine, today=TODAY)

    assert (caught.value.line, caught.value.column, caught.value.column_name) == (6, 3, "segment")
