from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.importers.errors import CsvError
from bot.importers.team import import_team
from bot.models import Person, Team
from tests.support.importing import TEAM_CSV, WriteCsv

HEADER = "slack_user_id,email,name,team,role,timezone\n"


def people(engine: Engine) -> dict[str, Person]:
    with Session(engine) as session:
        return {p.slack_user_id: p for p in session.exec(select(Person))}


def teams(engine: Engine) -> dict[str, Team]:
    with Session(engine) as session:
        return {t.name: t for t in session.exec(select(Team))}


def test_import_creates_teams_and_people(engine: Engine, write_csv: WriteCsv) -> None:
    result = import_team(write_csv("team.csv", TEAM_CSV), engine=engine)

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert result.details["teams created"] == 2
    assert "3 created" in result.summary() and "2 teams created" in result.summary()
    stored_teams = teams(engine)
    assert set(stored_teams) == {"EMEA", "AMER"}
    assert stored_teams["EMEA"].timezone is None and stored_teams["EMEA"].post_time == "09:00"
    ana = people(engine)["U001"]
    assert (ana.email, ana.name, ana.role, ana.timezone, ana.active) == (
        "ana@example.com",
        "Ana",
        "csm",
        "Europe/Paris",
        True,
    )
    assert ana.team_id == stored_teams["EMEA"].id


def test_header_and_values_are_read_leniently(engine: Engine, write_csv: WriteCsv) -> None:
    path = write_csv(
        "team.csv",
        "\ufeff Slack_User_ID ,EMAIL,Name,Team,Role,TimeZone,notes\n"
        "\n"
        "U001, Ana@Example.COM ,Ana,EMEA,Manager,Europe/Paris,anything\n"
        ",,,,,,\n",
    )
    result = import_team(path, engine=engine)

    assert result.rows == 1
    ana = people(engine)["U001"]
    assert (ana.email, ana.role) == ("ana@example.com", "manager")


def test_reimport_updates_deactivates_the_absent_and_reactivates_the_returning(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    moved = HEADER + (
        "U001,ana@example.com,Ana Lopez,AMER,csm,Europe/Paris\n"  # renamed, moved to AMER
        "U003,cy@example.com,Cy,AMER,csm,America/New_York\n"  # unchanged; U002 left out
    )
    result = import_team(write_csv("team2.csv", moved), engine=engine)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert result.details["deactivated"] == 1
    stored = people(engine)
    assert stored["U001"].name == "Ana Lopez"
    assert stored["U001"].team_id == teams(engine)["AMER"].id
    assert stored["U002"].active is False  # kept: may still own accounts

    result = import_team(write_csv("team3.csv", TEAM_CSV), engine=engine)
    assert result.details["reactivated"] == 1
    assert people(engine)["U002"].active is True


def test_team_names_match_existing_teams_case_insensitively(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    path = write_csv("team.csv", TEAM_CSV.replace("EMEA", "emea"))
    result = import_team(path, engine=engine)

    assert result.details["teams created"] == 0
    assert set(teams(engine)) == {"EMEA", "AMER"}


def test_two_people_can_swap_emails(engine: Engine, write_csv: WriteCsv, team: None) -> None:
    swapped = (
        TEAM_CSV.replace("ana@example.com", "tmp@example.com")
        .replace("bo@example.com", "ana@example.com")
        .replace("tmp@example.com", "bo@example.com")
    )
    import_team(write_csv("team.csv", swapped), engine=engine)

    stored = people(engine)
    assert (stored["U001"].email, stored["U002"].email) == ("bo@example.com", "ana@example.com")


def test_one_team_created_is_said_in_the_singular(engine: Engine, write_csv: WriteCsv) -> None:
    result = import_team(
        write_csv("team.csv", HEADER + "U004,dee@example.com,Dee,APAC,csm,UTC\n"), engine=engine
    )

    assert "1 team created" in result.summary()


def test_a_zone_written_in_another_case_is_stored_as_iana_spells_it(
    engine: Engine, write_csv: WriteCsv
) -> None:
    import_team(
        write_csv("team.csv", HEADER + "U004,dee@example.com,Dee,APAC,csm,asia/TOKYO\n"), engine=engine
    )

    assert people(engine)["U004"].timezone == "Asia/Tokyo"


GOOD_ROW = "U004,dee@example.com,Dee,APAC,csm,Asia/Tokyo\n"  # would add a person and a team


@pytest.mark.parametrize(
    ("bad_row", "where", "words"),
    [
        ("U005,eve@example.com,Eve,APAC,boss,Asia/Tokyo\n", ":3:5: role: ", 'unknown role "boss"'),
        (
            "U005,eve@example.com,Eve,APAC,csm,Mars/Olympus\n",
            ":3:6: timezone: ",
            'unknown timezone "Mars/Olympus"',
        ),
        ("U005,eve@example.com,Eve,APAC,csm,EST\n", ":3:6: timezone: ", '"EST" keeps UTC-05:00 all year'),
        ("U005,eve@example.com,Eve,APAC,csm,US/Pacific\n", ":3:6: timezone: ", "an alias, not a place"),
        ("eve,eve@example.com,Eve,APAC,csm,UTC\n", ":3:1: slack_user_id: ", "not a Slack user id"),
        ("U005,eve.example.com,Eve,APAC,csm,UTC\n", ":3:2: email: ", "not an email address"),
        ("U005,eve@example.com,,APAC,csm,UTC\n", ":3:3: name: ", "empty"),
        ("U004,eve@example.com,Eve,APAC,csm,UTC\n", ":3:1: slack_user_id: ", '"U004" is on line 2 too'),
        ("U005,DEE@example.com,Eve,APAC,csm,UTC\n", ":3:2: email: ", '"dee@example.com" is on line 2 too'),
        (
            "U005,ana@example.com,Eve,APAC,csm,UTC\n",
            ":3:2: email: ",
            "belongs to someone else already (U001)",
        ),
        ("U005,eve@example.com,Eve,APAC,csm\n", ":3: ", "expected 6 fields as in the header, found 5"),
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
    # U001 is absent from the file, so a successful import would also deactivate Ana.
    before = snapshot()
    path = write_csv("bad.csv", HEADER + GOOD_ROW + bad_row)

    with pytest.raises(CsvError) as caught:
        import_team(path, engine=engine)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert caught.value.file == str(path)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        (b"", ":1: ", "empty file"),
        (b"\n\n", ":1: ", "empty file"),
        (HEADER.encode(), ":2: ", "no people"),
        (
            b"slack_user_id,email,name,team,timezone\nU001,ana@example.com,Ana,EMEA,UTC\n",
            ":1: ",
            'missing column "role"',
        ),
        (
            HEADER.encode() + "U005,eve@example.com,Ève,APAC,csm,UTC\n".encode("latin-1"),
            ":2:3: name: ",
            "not UTF-8",
        ),
        (HEADER.encode() + b'U005,"eve@example.com,Eve,APAC,csm,UTC\n', ":2:", "expected 6 fields"),
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
    path = write_csv("team.csv", content)

    with pytest.raises(CsvError) as caught:
        import_team(path, engine=engine)

    assert str(caught.value).startswith(f"{path}{where}")
    assert words in str(caught.value)
    assert snapshot() == before


def test_an_empty_slack_user_id_is_looked_up_by_email(engine: Engine, write_csv: WriteCsv) -> None:
    directory = {"ana@example.com": "U0ANA", "bo@example.com": "U0BO"}
    asked: list[str] = []

    def lookup(email: str) -> str | None:
        asked.append(email)
        return directory.get(email)

    path = write_csv(
        "team.csv",
        """\
        slack_user_id,email,name,team,role,timezone
        ,Ana@Example.com,Ana,EMEA,csm,Europe/Paris
        U003,cy@example.com,Cy,AMER,csm,America/New_York
        ,bo@example.com,Bo,EMEA,manager,Europe/London
        """,
    )

    result = import_team(path, engine=engine, lookup=lookup)

    assert result.created == 3
    assert asked == ["ana@example.com", "bo@example.com"]  # a row with an id is not looked up
    with engine.connect() as conn:
        people = conn.execute(text("SELECT slack_user_id, email FROM person ORDER BY email")).all()
    assert [tuple(p) for p in people] == [
        ("U0ANA", "ana@example.com"),
        ("U0BO", "bo@example.com"),
        ("U003", "cy@example.com"),
    ]


def test_an_email_slack_does_not_know_is_refused_by_line(engine: Engine, write_csv: WriteCsv) -> None:
    path = write_csv(
        "team.csv",
        """\
        slack_user_id,email,name,team,role,timezone
        ,ana@example.com,Ana,EMEA,csm,Europe/Paris
        ,gone@example.com,Gone,EMEA,csm,Europe/Paris
        ,typo@exampel.com,Typo,EMEA,csm,Europe/Paris
        """,
    )

    with pytest.raises(CsvError) as caught:
        import_team(path, engine=engine, lookup={"ana@example.com": "U0ANA"}.get)

    assert [line.split(": ", 2)[:2] for line in str(caught.value).splitlines()] == [
        [f"{path}:3:2", "email"],
        [f"{path}:4:2", "email"],
    ]
    assert 'Slack has no member with the email "gone@example.com" (users_not_found)' in str(caught.value)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar_one() == 0


def test_without_slack_an_empty_id_says_how_to_give_one(engine: Engine, write_csv: WriteCsv) -> None:
    path = write_csv("team.csv", "slack_user_id,email,name,team,role,timezone\n,a@example.com,A,T,csm,UTC\n")
    with pytest.raises(
        CsvError, match=r":2:1: slack_user_id: empty, and Slack cannot be asked .*SLACK_BOT_TOKEN"
    ):
        import_team(path, engine=engine)
