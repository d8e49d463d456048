"""`/myload` and `/teamload` through Slack-signed HTTP against `csm-coach serve`, on an imported roster."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.models import Team
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.processes import ServeApp
from tests.support.signing import AppClient
from tests.support.slack_standin import SlackStandIn

TEAM_CSV = """slack_user_id,email,name,team,role,timezone
U0OVER,olive@example.com,Olive Over,Harbor,csm,Europe/London
U0WITHIN,wes@example.com,Wes Within,Harbor,csm,Europe/London
U0UNDER,una@example.com,Una Under,Harbor,csm,Europe/London
U0MIXED,max@example.com,Max Mixed,Harbor,csm,Europe/London
U0MGR,mia@example.com,Mia Manager,Harbor,manager,Europe/London
U0OTHER,oscar@example.com,Oscar Other,Summit,manager,America/New_York
U0ADMIN,ada@example.com,Ada Admin,Summit,admin,America/New_York
"""

# (owner as written in the file, segment as a person would spell it, count)
BOOKS = [
    ("U0OVER", "Mid-Market", 140),  # 140/125 at the top: over by 15
    ("wes@example.com", "mid market", 100),  # 80% of the top: within
    ("U0UNDER", "ENT", 6),  # 6 < 10 at the bottom: under
    ("U0MIXED", "SMB", 100),  # 100/200 + 30/80 = 0.875 at the top,
    ("U0MIXED", "Large", 30),  # 100/125 + 30/40 = 1.55 at the bottom: within
]


@pytest.fixture
def app(serve_app: ServeApp, engine: Engine, tmp_path: Path) -> AppClient:
    team_csv = tmp_path / "team.csv"
    team_csv.write_text(TEAM_CSV, encoding="utf-8")
    rows = ["external_id,name,segment,arr,owner,start_date,renewal_date"]
    n = 0
    for owner, segment, count in BOOKS:
        for _ in range(count):
            n += 1
            rows.append(f'A{n:05d},Customer {n},{segment},"$12,500",{owner},2024-03-01,2027-03-01')
    accounts_csv = tmp_path / "accounts.csv"
    accounts_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_team(team_csv, engine=engine)
    import_accounts(accounts_csv, engine=engine, today=date(2026, 11, 23))
    return serve_app(admins=["U0ENVADMIN"])


def ask(app: AppClient, command: str, user_id: str, text: str = "") -> str:
    answer = app.post_command(command, text, user_id=user_id)
    assert answer.status == 200, answer.text
    reply = answer.json()
    assert reply["response_type"] == "ephemeral"
    assert_valid_message(reply)
    return message_text(reply)


@pytest.mark.parametrize(
    ("user_id", "accounts"), [("U0OVER", 140), ("U0WITHIN", 100), ("U0UNDER", 6), ("U0MIXED", 130)]
)
def test_myload_answers_each_csm_with_the_book_imported_for_them(
    app: AppClient, slack: SlackStandIn, user_id: str, accounts: int
) -> None:
    # Owners by id or e-mail, segments spelt loosely: each CSM's answer counts what the files gave them.
    # The verdicts and their wording are unit-tested in tests/slack/test_load_commands.py.
    assert f"Your book: {accounts} accounts" in ask(app, "/myload", user_id)
    slack.assert_quiet()  # answered in the response body; nothing else went to Slack


def test_myload_of_a_team_member_for_the_manager_and_admins_only(app: AppClient) -> None:
    assert "Olive Over's book: 140 accounts" in ask(app, "/myload", "U0MGR", "<@U0OVER|olive>")
    assert "Olive Over's book" in ask(app, "/myload", "U0ADMIN", "<@U0OVER>")
    assert "Olive Over's book" in ask(app, "/myload", "U0ENVADMIN", "<@U0OVER>")
    for outsider in ("U0OTHER", "U0WITHIN", "U0STRANGER"):
        text = ask(app, "/myload", outsider, "<@U0OVER>")
        assert "only as their manager or a csm-coach admin" in text and "140" not in text


def test_myload_for_someone_not_in_the_roster(app: AppClient) -> None:
    assert "not in the csm-coach roster" in ask(app, "/myload", "U0STRANGER")


def test_teamload_for_the_manager_lists_the_team(app: AppClient, slack: SlackStandIn) -> None:
    text = ask(app, "/teamload", "U0MGR")
    assert "Team Harbor: 4 CSMs, 376 accounts" in text  # the order and verdicts: test_load_commands.py
    assert all(f"<@{uid}>" in text for uid in ("U0OVER", "U0MIXED", "U0WITHIN", "U0UNDER"))
    slack.assert_quiet()  # answered in the response body; nothing else went to Slack


def test_teamload_refused_to_a_csm(app: AppClient) -> None:
    assert "for managers and csm-coach admins" in ask(app, "/teamload", "U0OVER")


def test_teamload_of_a_named_team_for_an_admin(app: AppClient) -> None:
    assert "Team Harbor" in ask(app, "/teamload", "U0ENVADMIN", "Harbor")
    assert "for managers and csm-coach admins" in ask(app, "/teamload", "U0OTHER", "Harbor")


def test_teamload_channel_is_kept_for_the_daily_post(app: AppClient, engine: Engine) -> None:
    answer = app.post_command("/teamload", "channel", user_id="U0MGR", channel_id="C0NEWHOME")
    assert answer.status == 200, answer.text
    assert "gets its daily post in <#C0NEWHOME>" in message_text(answer.json())

    with Session(engine) as session:
        team = session.exec(select(Team).where(Team.name == "Harbor")).one()
    assert team.channel_id == "C0NEWHOME"  # stored, not only said
