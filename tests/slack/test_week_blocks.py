"""The manager's week within Slack's limits at any size: 25 CSMs with long, hostile names and 500 open
alerts nobody claimed, built from the database and sent through the stand-in, which refuses what
Slack refuses."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.jobs.weekly import weekly_round
from bot.services.week import week_report
from bot.slack.blocks.common import RulesInForce
from bot.slack.blocks.week import manager_week_message
from bot.slack.client import make_round_client
from tests.support import factories
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.slack_limits import message_refusal
from tests.support.slack_standin import SlackStandIn

MONDAY = date(2026, 11, 30)
HOSTILE = "<!channel> *Bold* `code` :skull: <https://evil.example|click> & ~Strike~ "


def test_25_csms_and_500_open_alerts_fit_one_weekly_dm(
    engine: Engine, session: Session, slack: SlackStandIn
) -> None:
    team = factories.team(session, "T" * 190 + " <!here>")
    factories.person(session, team, "U0BOSS", role="manager", name="Boss")
    csms = [
        factories.person(session, team, f"U0C{i:02d}", name=(HOSTILE * 3)[:190] + f" {i}") for i in range(25)
    ]
    for i, csm in enumerate(csms):
        factories.book(session, csm, enterprise=5, large=30, mid_market=40)
        for k in range(20):
            alert = factories.declining(
                session,
                csm,
                today=MONDAY - timedelta(days=10 + k),
                external_id=f"X-{i}-{k}",
                name=(HOSTILE * 6)[:290] + f" {i}-{k}",
                arr=10_000.0 * (k + 1),
            )
            alert.raised_baseline_mean = 10
    session.commit()

    settings = Settings(_env_file=None, dm_max_accounts=20)  # the most names a DM may take
    report = week_report(
        session=session, team=team, now=datetime(2026, 11, 30, 9, tzinfo=UTC), post_days=settings.post_days
    )
    assert len(report.declines.unclaimed) == 500 and len(report.books) == 25
    message = manager_week_message(report, RulesInForce.of(settings))
    payload = {"text": message.text, "blocks": message.block_dicts()}
    assert_valid_message(payload)
    assert message_refusal(payload) is None
    text = message_text(payload)
    assert "more unclaimed alert" in text and "Does reaching out work?" in text
    assert "<!channel>" not in text and "<!here>" not in text and "<https://" not in text
    assert "<!channel>" not in message.text and "<!here>" not in message.text
    loads = text.split("(as `/teamload` shows it)")[1]
    assert all(f"<@U0C{i:02d}>" in loads for i in range(25))  # every CSM's load, whatever else is cut
    named = text.split("unclaimed now")[1].split("*Executive Outcomes Reviews*")[0].count("• *")
    assert 1 <= named < 20  # the room, not DM_MAX_ACCOUNTS, stopped the list

    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    sent = weekly_round(
        engine=engine, client=client, now=datetime(2026, 11, 30, 9, 5, tzinfo=UTC), settings=settings
    )
    assert sent.outcomes == Counter({"sent": 1}), sent.line()
    assert [c.param("channel") for c in slack.calls("chat.postMessage") if c.ok] == ["U0BOSS"]
