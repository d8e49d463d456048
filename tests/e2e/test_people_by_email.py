"""A team file with emails only: `import team` asks Slack for the ids, and the morning DMs reach them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from tests.support import company
from tests.support.processes import Cli
from tests.support.slack_standin import SlackStandIn

# Who the workspace says each person is; the files never name these ids.
SLACK_IDS = {
    "ana@example.com": "U7ANA0001",
    "ben@example.com": "U7BEN0002",
    "mia@example.com": "U7MIA0003",
    "sam@example.com": "U7SAM0004",
}
FILE_IDS = {
    "U0ANA": "ana@example.com",
    "U0BEN": "ben@example.com",
    "U0MIA": "mia@example.com",
    "U0SAM": "sam@example.com",
}


def without_ids(path: Path) -> None:
    """The company's files, every Slack id replaced by the person's email (left empty in the team file)."""
    text = path.read_text(encoding="utf-8")
    for file_id, email in FILE_IDS.items():
        text = text.replace(f"\n{file_id},", "\n,").replace(f",{file_id},", f",{email},")
    path.write_text(text, encoding="utf-8")


def test_a_team_file_with_emails_only_gets_its_ids_from_slack_and_dms_reach_them(
    cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    for email, user_id in SLACK_IDS.items():
        slack.add_user(user_id, email=email)
    today = datetime.now(UTC).date()
    team, accounts, usage = company.write_files(tmp_path, today=today)
    without_ids(team)
    without_ids(accounts)
    assert "U0" not in team.read_text(encoding="utf-8") + accounts.read_text(encoding="utf-8")

    for kind, path in (("team", team), ("accounts", accounts), ("usage", usage)):
        done = cli.run("import", kind, str(path))
        assert done.returncode == 0, done.stdout
    looked_up = [call.params.get("email") for call in slack.calls("users.lookupByEmail")]
    assert sorted(looked_up) == sorted(SLACK_IDS)

    round_ = cli.run("digest")

    assert round_.returncode == 0, round_.stdout
    dm_to = {call.params["channel"] for call in slack.posted()}
    # Ana (Dunmore Freight, Silverline Health) and Sam (Summit Peak) have declines, Ben steps due.
    expected = {SLACK_IDS[e] for e in ("ana@example.com", "ben@example.com", "sam@example.com")}
    assert expected <= dm_to, (dm_to, round_.stdout)
    assert not any(channel.startswith("U0") for channel in dm_to)


def test_an_email_slack_does_not_know_is_refused_by_line_and_nothing_is_written(
    cli: Cli, slack: SlackStandIn, engine: Engine, tmp_path: Path
) -> None:
    slack.add_user("U7ANA0001", email="ana@example.com")
    team = tmp_path / "team.csv"
    team.write_text(
        "slack_user_id,email,name,team,role,timezone\n"
        ",ana@example.com,Ana,Harbor,csm,Europe/London\n"
        ",nobody@example.com,Nobody,Harbor,csm,Europe/London\n",
        encoding="utf-8",
    )

    result = cli.run("import", "team", str(team))

    assert result.returncode == 1
    assert "team.csv:3:2: email: Slack has no member with the email" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar_one() == 0
