"""The `csm-coach` verbs as a user runs them: clear one-line errors, nothing half-written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from tests.support import company
from tests.support.processes import Cli
from tests.support.slack_standin import SlackStandIn


def test_serve_without_a_token_says_which_variable_in_one_line(cli: Cli) -> None:
    result = cli.run("serve", env={"SLACK_BOT_TOKEN": ""})
    assert result.returncode == 2
    assert result.stdout.strip().splitlines() == [
        "csm-coach: SLACK_BOT_TOKEN is not set: put it in the environment or in .env"
    ]


def test_a_bad_accounts_file_names_file_line_and_column_and_changes_nothing(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team, accounts, _ = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0
    bad = tmp_path / "accounts-bad.csv"
    lines = accounts.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("SMB", "Gold")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli.run("import", "accounts", str(bad))
    assert result.returncode == 1
    assert "accounts-bad.csv:4:3" in result.stdout and "Gold" in result.stdout
    assert "Traceback" not in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM account")).scalar_one() == 0


def test_imports_print_a_summary(cli: Cli, tmp_path: Path) -> None:
    team, accounts, usage = company.write_files(tmp_path)
    for kind, path in (("team", team), ("accounts", accounts), ("usage", usage)):
        result = cli.run("import", kind, str(path))
        assert result.returncode == 0, result.stdout
        assert "rows read" in result.stdout


def test_a_missing_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("import", "usage", str(tmp_path / "nope.csv"))
    assert result.returncode != 0 and "nope.csv" in result.stdout and "Traceback" not in result.stdout


def test_team_set_validates_and_describes(cli: Cli, tmp_path: Path) -> None:
    team, _, _ = company.write_files(tmp_path)
    cli.run("import", "team", str(team))
    ok = cli.run(
        "team", "set", "harbor", "--channel", "C0HARBOR", "--post-time", "8:30", "--timezone", "Europe/Paris"
    )
    assert (
        ok.returncode == 0 and "Team Harbor: daily post at 08:30 Europe/Paris, channel C0HARBOR." in ok.stdout
    )
    bad = cli.run("team", "set", "Harbor", "--timezone", "Mars/Olympus")
    assert bad.returncode == 1 and "Mars/Olympus" in bad.stdout
    unknown = cli.run("team", "set", "Atlantis")
    assert unknown.returncode == 1 and "no team named 'Atlantis'" in unknown.stdout


def test_migrate_brings_a_fresh_sqlite_file_up_to_date(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = cli.run("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 0 and "up to date" in result.stdout


@pytest.mark.database_agnostic  # the demo keeps its own SQLite file (--db), whatever DATABASE_URL says
def test_demo_runs_without_slack(cli: Cli, tmp_path: Path) -> None:
    result = cli.run(
        "demo", "--db", str(tmp_path / "demo.db"), "--today", "2026-11-23", env={"COLUMNS": "100"}
    )
    assert result.returncode == 0, result.stdout
    for expected in ("/myload", "/teamload", "Over band", "Within band", "Under band"):
        assert expected in result.stdout
    # Eight weeks of history: the manager's week shows a real outreach lift, with its interval.
    week = result.stdout.split("The manager's week")[1]
    for expected in ("reached out", "unclaimed", "90% confidence interval", "comparison, not an experiment"):
        assert expected in " ".join(week.split()), week
    assert "Too few to tell" not in week


@pytest.mark.parametrize(
    ("args", "variable", "value", "line"),
    [
        (("migrate",), "DECLINE_THRESHOLD", "abc", "a number greater than 0 and at most 1"),
        (
            ("digest", "--dry-run"),
            "REVIEW_CADENCE_DAYS",
            "{bad",
            "a JSON object of segments (smb, mid_market",
        ),
        (("clock",), "REVIEW_CADENCE_DAYS", '{"Gold": 90}', "a JSON object of segments (smb, mid_market"),
        (("digest",), "REVIEW_CADENCE_DAYS", '{"Mid Market": 100, "mm": 90}', "large, enterprise) and"),
        (("import", "team", "team.csv"), "REVIEW_CADENCE_DAYS", '{"smb": -1}', "days from 0 to 3650"),
        (("serve",), "PORT", "70000", "a whole number from 1 to 65535"),
        (("clock",), "SYNC_TIME", "7am", "a time HH:MM from 00:00 to 23:59 (UTC)"),
        (("team", "set", "Harbor"), "DM_MAX_ACCOUNTS", "0", "a whole number from 1 to 20"),
        (("run",), "STALE_AFTER_DAYS", "-1", "a whole number from 1 to 30"),
        (("digest",), "DECLINE_NOISE_FLOOR", "inf", "a number from 0 to 1,000,000,000,000"),
        (("migrate",), "INGEST_MAX_BYTES", "lots", "a whole number from 1024 to 1,073,741,824"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_what_it_allows_for_every_verb(
    cli: Cli, args: tuple[str, ...], variable: str, value: str, line: str
) -> None:
    result = cli.run(*args, env={variable: value})
    assert result.returncode == 2, result.stdout
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"csm-coach: {variable}={value} is not valid: "), lines
    assert line in lines[0]


def test_several_bad_settings_get_one_line_each_and_a_bad_dotenv_value_says_where(cli: Cli) -> None:
    (cli.workdir / ".env").write_text("SNOOZE_DAYS=forever\nDECLINE_RECENT_DAYS=7\n", encoding="utf-8")
    result = cli.run("migrate", env={"DECLINE_THRESHOLD": "1.5", "DECLINE_BASELINE_DAYS": "0"})
    assert result.returncode == 2
    assert result.stdout.strip().splitlines() == [
        "csm-coach: DECLINE_BASELINE_DAYS=0 is not valid: a whole number from 1 to 365",
        "csm-coach: DECLINE_THRESHOLD=1.5 is not valid: a number greater than 0 and at most 1",
        "csm-coach: SNOOZE_DAYS=forever (in .env) is not valid: a whole number from 1 to 90",
    ]


def test_a_bad_database_url_is_named_but_its_password_is_not_shown(cli: Cli) -> None:
    result = cli.run("migrate", env={"DATABASE_URL": "postgres//admin:hunter2@db.example.com/app"})
    assert result.returncode == 2
    assert result.stdout.strip().splitlines() == [
        "csm-coach: DATABASE_URL is not valid: a SQLite or PostgreSQL database URL, e.g. "
        "sqlite:///csm-coach.db or postgresql://user@host:5432/db"
    ]


def test_digest_at_a_future_moment_needs_dry_run_and_otherwise_sends_and_claims_nothing(
    cli: Cli, engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    company.set_channels(session)
    future = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()

    refused = cli.run("digest", "--at", future)
    assert refused.returncode == 1
    assert refused.stdout.strip().splitlines() == [
        f"csm-coach: --at {future} is in the future: a future moment works only with --dry-run "
        "(nothing was sent)"
    ]
    assert slack.calls() == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM delivery")).scalar_one() == 0

    dry = cli.run("digest", "--dry-run", "--at", future, env={"COLUMNS": "120"})
    assert dry.returncode == 0, dry.stdout
    assert "DM to" in dry.stdout and slack.calls() == []
    soon = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()  # within the clock-skew tolerance
    assert cli.run("digest", "--at", soon).returncode == 0
    assert slack.calls("chat.postMessage")


def test_out_of_bounds_dates_are_refused_at_import_with_file_line_and_column(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team, accounts, usage = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0
    lines = accounts.read_text(encoding="utf-8").splitlines()
    renewal = lines[3].rsplit(",", 1)[1]
    bad = tmp_path / "accounts-9999.csv"
    bad.write_text("\n".join([*lines[:3], lines[3][: -len(renewal)] + "9999-12-31", *lines[4:]]) + "\n")

    result = cli.run("import", "accounts", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stdout
    assert result.stdout.strip().splitlines() == [
        f"csm-coach: {bad}:4:7: renewal_date: 9999-12-31 is out of bounds: dates go from 1990-01-01 "
        f"to {ten_years_after(datetime.now(UTC).date())} (10 years after today); "
        "leave it empty when there is none"
    ]

    assert cli.run("import", "accounts", str(accounts)).returncode == 0
    rows = usage.read_text(encoding="utf-8").splitlines()
    rows[5] = rows[5].split(",")[0] + ",2062-01-01,5"
    rows[7] = rows[7].split(",")[0] + "\x1b[2J,2024-01-01,5"  # not reached: the first error stops it
    bad_usage = tmp_path / "usage-2062.csv"
    bad_usage.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = cli.run("import", "usage", str(bad_usage))
    assert result.returncode == 1 and f"{bad_usage}:6:2: date: 2062-01-01 is out of bounds" in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM usage")).scalar_one() == 0


def test_a_terminal_escape_in_a_file_reaches_the_terminal_as_text(cli: Cli, tmp_path: Path) -> None:
    team = tmp_path / "team.csv"
    team.write_text(
        "slack_user_id,email,name,team,role,timezone\nU001,a@example.com,\x1b]0;pwned\x07Ana,EMEA,csm,UTC\n",
        encoding="utf-8",
    )
    result = cli.run("import", "team", str(team))
    assert result.returncode == 1
    assert f"{team}:2:3: name: contains a control character (U+001B) at character 1" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def ten_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 10)
    except ValueError:
        return day.replace(year=day.year + 10, day=28)
