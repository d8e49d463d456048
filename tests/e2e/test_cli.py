"""The `csm-coach` verbs as a user runs them: clear one-line errors, nothing half-written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tests.e2e.conftest import Cli
from tests.jobs import company


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


def test_demo_runs_without_slack(cli: Cli, tmp_path: Path) -> None:
    result = cli.run(
        "demo", "--db", str(tmp_path / "demo.db"), "--today", "2026-11-23", env={"COLUMNS": "100"}
    )
    assert result.returncode == 0, result.stdout
    for expected in ("/myload", "/teamload", "Over band", "Within band", "Under band"):
        assert expected in result.stdout
