"""Day one: steps whose dates fell before csm-coach first saw the account are due from that day, said as
"no review on record", never as hundreds of days overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.jobs.digest import morning_round
from bot.slack.client import make_round_client
from tests.support import company
from tests.support.blockcheck import message_text
from tests.support.slack_standin import SlackStandIn

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the company's import day


def dm_text(slack: SlackStandIn, user: str) -> str:
    dms = [c for c in slack.posted() if c.param("channel") == user]
    assert dms, f"no DM to {user}"
    return message_text({"blocks": dms[-1].param("blocks")})


def test_the_first_morning_says_no_review_on_record_and_a_week_later_counts_from_first_sight(
    engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)  # accounts started 2024-01-15: every first review "due" in 2024
    settings = Settings(_env_file=None, slack_api_url=slack.base_url, dm_max_steps=20)
    client = make_round_client(settings, token="xoxb-test")
    morning_round(engine=engine, client=client, now=NOW, settings=settings)
    first = dm_text(slack, "U0ANA")
    assert "Executive Outcomes Review · no review on record · *due now*" in first, first
    assert "2024" not in first and "2025" not in first, first

    later = NOW + timedelta(days=9)
    morning_round(engine=engine, client=client, now=later, settings=settings)
    again = dm_text(slack, "U0ANA")
    assert "Executive Outcomes Review · no review on record · *9 days overdue*" in again, again
