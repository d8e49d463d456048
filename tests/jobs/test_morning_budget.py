"""A CSM with a review backlog gets a short DM with a plan; App Home and /myload show the same plan."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.jobs.compose import plan_round
from bot.outbox.outgoing import MorningDm
from bot.slack.answers import myload
from bot.slack.home import home_view
from bot.slack.interactions import SlashCommand
from tests.support import factories
from tests.support.blockcheck import assert_valid_message, assert_valid_view, message_text

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
SETTINGS = Settings(_env_file=None)


@pytest.fixture
def backlog(engine: Engine, session: Session) -> Engine:
    """Ana: 60 mid-market and 40 SMB accounts since 2024, no review on record; ten renew soon."""
    team = factories.team(session, "Harbor", channel_id="C0HARBOR")
    ana = factories.person(session, team, "U0ANA", name="Ana Alvarez")
    accounts = factories.book(session, ana, mid_market=60, smb=40)
    for k, account in enumerate(accounts[:10]):
        account.name = f"Renewing {k}"
        account.renewal_date = TODAY + timedelta(days=90 - k)  # the tenth renews soonest
        session.add(account)
    session.commit()
    return engine


def dm_of(engine: Engine, settings: Settings = SETTINGS) -> dict[str, object]:
    (plan,) = plan_round(engine=engine, now=NOW, settings=settings, team_name=None, commit=False)
    (dm,) = [o for o in plan.outgoing if isinstance(o.key, MorningDm)]
    payload = {"text": dm.message.text, "blocks": dm.message.block_dicts()}
    assert_valid_message(payload)
    return payload


def test_the_dm_names_five_steps_renewing_soonest_and_plans_the_backlog(backlog: Engine) -> None:
    payload = dm_of(backlog)
    blocks = payload["blocks"]
    assert isinstance(blocks, list)
    text = message_text(payload)
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 5
    # 60 overdue reviews (mid-market, every 180 days from 2024); SMB has no review by default.
    assert "+55 more steps" in text and "App Home" in text
    # 60 at 3 a week: 20 weeks from Mon 23 Nov 2026.
    assert "the backlog of 60 clears by Mon 12 Apr 2027 at 3 a week" in text
    shown = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert [s.split("*")[1] for s in shown] == [f"Renewing {k}" for k in range(9, 4, -1)], "renewing soonest"
    assert len(json.dumps(blocks)) <= 12_000


def test_the_budget_and_pace_follow_the_settings(backlog: Engine) -> None:
    settings = Settings(_env_file=None, dm_max_steps=2, review_catchup_per_week=10, snooze_days=14)
    payload = dm_of(backlog, settings)
    text = message_text(payload)
    assert "+58 more steps" in text
    assert "the backlog of 60 clears by Mon 4 Jan 2027 at 10 a week" in text
    assert "Snooze 14 days" in text and "Snooze a week" not in text


def test_app_home_and_myload_show_the_same_plan(backlog: Engine, session: Session) -> None:
    plan_round(engine=backlog, now=NOW, settings=SETTINGS, team_name=None, commit=True)  # makes the steps
    view = home_view(session=session, settings=SETTINGS, user_id="U0ANA", now=NOW).to_dict()
    assert_valid_view(view)
    home = message_text({"blocks": view["blocks"]})
    plan = "the backlog of 60 clears by Mon 12 Apr 2027 at 3 a week"
    assert plan in home and "Playbook steps due (60)" in home
    assert "more step" in home, "App Home says how many it could not hold"
    answer = myload.answer(
        SlashCommand.of({"command": "/myload", "user_id": "U0ANA", "text": "", "channel_id": "C0"}),
        session=session,
        settings=SETTINGS,
        now=NOW,
    ).ephemeral()
    assert_valid_message(answer)
    assert plan in message_text(answer)
    assert date(2027, 4, 12) == TODAY + timedelta(weeks=20)
