"""A leaver is handled out loud: the team import names them, the post lists their declining accounts
as unowned, /teamload flags them, and the plan moves every account of theirs first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.importers.team import import_team
from bot.jobs.digest import morning_round
from bot.services import plan as plans
from bot.services import teams
from bot.slack.answers import teamload
from bot.slack.client import make_round_client
from bot.slack.interactions import SlashCommand
from tests.support import company
from tests.support.blockcheck import message_text
from tests.support.slack_standin import SlackStandIn

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)


def ana_leaves(engine: Engine, tmp_path: Path) -> str:
    """The company, then a team file without Ana: the summary the import prints."""
    company.load(engine, tmp_path)
    roster = tmp_path / "team-without-ana.csv"
    roster.write_text(
        "\n".join(line for line in company.TEAM_CSV.splitlines() if not line.startswith("U0ANA")) + "\n",
        encoding="utf-8",
    )
    return import_team(roster, engine=engine).summary()


def test_the_team_import_names_each_leaver_and_the_accounts_they_still_own(
    engine: Engine, tmp_path: Path
) -> None:
    said = ana_leaves(engine, tmp_path)
    assert "1 deactivated" in said
    assert (
        "Left the team: Ana Alvarez (U0ANA), still owns 4 accounts: `csm-coach plan` (or `/teamload plan`) "
        "moves them first." in said
    ), said


def test_the_post_lists_a_leavers_declining_accounts_as_unowned_and_nobody_dms_the_leaver(
    engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    ana_leaves(engine, tmp_path)
    company.set_channels(session)
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    morning_round(engine=engine, client=client, now=NOW, settings=SETTINGS)
    posts = {c.param("channel"): c for c in slack.posted()}
    assert "U0ANA" not in posts
    harbor = message_text({"blocks": posts["C0HARBOR"].param("blocks")})
    assert "unowned: Ana Alvarez has left" in harbor and "Dunmore Freight" in harbor, harbor
    assert "Accounts of CSMs who have left are in nobody's DM" in harbor


def test_teamload_flags_the_leaver_and_the_plan_moves_their_accounts_first(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    ana_leaves(engine, tmp_path)
    answer = teamload.answer(
        SlashCommand.of({"command": "/teamload", "user_id": "U0MIA", "text": "", "channel_id": "C0X"}),
        session=session,
        settings=SETTINGS,
        now=NOW,
    )
    text = message_text(answer.ephemeral())
    assert "<@U0ANA> *has left* — 4 accounts" in text and "moves them first" in text, text

    harbor = teams.find_team(session=session, name="Harbor")
    assert harbor is not None
    plan = plans.compute(session=session, team=harbor, today=NOW.date(), settings=SETTINGS).plan
    assert plan.leaver_moves == 4 and {m.giver for m in plan.moves[:4]} == {"U0ANA"}
    assert {m.receiver for m in plan.moves[:4]} == {"U0BEN"}  # the one CSM left on the team
    # Silverline Health has an open decline alert once a round ran; here, the largest ARR leads.
    assert plan.after["U0ANA"] == 0
