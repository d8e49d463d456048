"""Settings that cannot mislead, through the real `csm-coach`: review cadences keyed by segment as the
accounts file names them, and time zones that are places, wherever a zone is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.support import company
from tests.support.processes import Cli


def reviewed_segments(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT DISTINCT a.segment_key FROM playbook_step s JOIN account a ON a.id = s.account_id "
                "WHERE s.step = 'review'"
            )
        )
        return {row[0] for row in rows}


def test_a_cadence_keyed_as_the_accounts_file_names_the_segment_gives_its_accounts_reviews(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team, accounts, _ = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0

    result = cli.run("import", "accounts", str(accounts), env={"REVIEW_CADENCE_DAYS": '{"Mid Market": 100}'})

    assert result.returncode == 0, result.stdout
    assert reviewed_segments(engine) == {"mid_market"}


def test_a_cadence_for_a_segment_that_does_not_exist_stops_the_import_and_changes_nothing(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team, accounts, _ = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0

    result = cli.run("import", "accounts", str(accounts), env={"REVIEW_CADENCE_DAYS": '{"Gold": 90}'})

    assert result.returncode == 2
    assert result.stdout.strip().splitlines() == [
        'csm-coach: REVIEW_CADENCE_DAYS={"Gold": 90} is not valid: a JSON object of segments (smb, '
        'mid_market, large, enterprise) and whole days from 0 to 3650, e.g. {"enterprise": 90, "large": 120, '
        '"smb": 0}'
    ]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM account")).scalar_one() == 0


def stored_zone(engine: Engine, team: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT timezone FROM team WHERE name = :n"), {"n": team}).scalar_one()


@pytest.mark.parametrize(
    ("zone", "said"),
    [
        ("EST", '"EST" keeps UTC-05:00 all year, with no summer time'),
        ("Etc/GMT+5", '"Etc/GMT+5" keeps UTC-05:00 all year'),
        ("PST8PDT", '"PST8PDT" is an abbreviation or an alias, not a place'),
        ("EST5EDT", '"EST5EDT" is an abbreviation or an alias, not a place'),
        ("CET", '"CET" is an abbreviation or an alias, not a place'),
        ("GMT+5", '"GMT+5" is a fixed offset, which ignores summer time'),
        ("Mars/Olympus", 'unknown timezone "Mars/Olympus"'),
    ],
)
def test_team_set_refuses_a_zone_that_is_not_a_place_with_a_hint(
    cli: Cli, engine: Engine, tmp_path: Path, zone: str, said: str
) -> None:
    team, _, _ = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0

    result = cli.run("team", "set", "Harbor", "--timezone", zone)

    assert result.returncode == 1
    (line,) = result.stdout.strip().splitlines()
    assert line.startswith(f"csm-coach: --timezone: {said}")
    assert "use the IANA name of a place, like America/New_York or Europe/London, or UTC" in result.stdout
    assert stored_zone(engine, "Harbor") is None


def test_team_set_takes_a_place_or_utc_spelled_as_iana_spells_it(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team, _, _ = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0

    assert cli.run("team", "set", "Harbor", "--timezone", "america/new_york").returncode == 0
    assert cli.run("team", "set", "Summit", "--timezone", "utc").returncode == 0

    assert (stored_zone(engine, "Harbor"), stored_zone(engine, "Summit")) == ("America/New_York", "UTC")


def test_a_team_file_with_a_zone_that_is_not_a_place_names_file_line_and_column_and_changes_nothing(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team = tmp_path / "team.csv"
    team.write_text(
        "slack_user_id,email,name,team,role,timezone\n"
        "U0ANA,ana@example.com,Ana Alvarez,Harbor,csm,Europe/London\n"
        "U0SAM,sam@example.com,Sam Summit,Summit,csm,EST\n",
        encoding="utf-8",
    )

    result = cli.run("import", "team", str(team))

    assert result.returncode == 1
    assert result.stdout.strip().splitlines() == [
        f'csm-coach: {team}:3:6: timezone: "EST" keeps UTC-05:00 all year, with no summer time: use the '
        "IANA name of a place, like America/New_York or Europe/London, or UTC"
    ]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar_one() == 0
