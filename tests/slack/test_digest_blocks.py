"""The morning round's messages stay within Slack's limits at any size."""

from __future__ import annotations

from datetime import date

from bot.domain.usage import feed_age
from bot.models import Account, Alert, Person
from bot.services.alerts import Decline
from bot.slack.blocks.digest import DeclineView, channel_post, morning_dm
from tests.blockcheck import assert_valid_message, message_text

TODAY = date(2026, 11, 23)


def views(n: int, owners: int = 1) -> tuple[list[DeclineView], dict[int, Person]]:
    people = {
        i: Person(id=i, slack_user_id=f"U{i:04d}", email=f"p{i}@x.com", name=f"Person {i}", team_id=1)
        for i in range(1, owners + 1)
    }
    found = []
    for i in range(n):
        account = Account(
            id=i + 1,
            external_id=f"A{i}",
            name=f"A rather long customer name number {i} <&> Co",
            segment_key="smb",
            arr=1000.0 * (n - i),
            owner_id=1 + i % owners,
            start_date=date(2024, 1, 1),
        )
        alert = Alert(
            id=i + 1,
            account_id=i + 1,
            opened_on=TODAY,
            last_seen_on=TODAY,
            drop=0.5,
            recent_mean=5,
            baseline_mean=10,
        )
        found.append(DeclineView(Decline(alert, account), [float(d % 7) for d in range(28)]))
    return found, people


def test_a_csm_with_300_declining_accounts_gets_a_valid_dm_with_plus_n_more() -> None:
    found, people = views(300)
    message = morning_dm(people[1], TODAY, found, [])
    payload = {"text": message.text, "blocks": message.block_dicts()}
    assert_valid_message(payload)
    text = message_text(payload)
    assert "+278 more declining accounts" in text
    assert "&lt;&amp;&gt;" in text  # names are escaped for mrkdwn


def test_a_team_post_with_2000_declining_accounts_is_valid_and_says_how_many_more() -> None:
    found, people = views(2000, owners=40)
    message = channel_post("Harbor", TODAY, found, people, feed_age(TODAY, TODAY))
    payload = {"text": message.text, "blocks": message.block_dicts()}
    assert_valid_message(payload)
    assert "more lines" in message_text(payload) and "App Home" in message_text(payload)


def test_a_small_post_lists_everything_without_more() -> None:
    found, people = views(3)
    message = channel_post("Harbor", TODAY, found, people, feed_age(TODAY, TODAY))
    payload = {"text": message.text, "blocks": message.block_dicts()}
    assert_valid_message(payload)
    assert "more lines" not in message_text(payload)
    assert message_text(payload).count("new today") == 3
