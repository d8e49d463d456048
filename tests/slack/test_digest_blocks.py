"""The morning round's messages: a budget, a backlog plan, the rules in force, within Slack's limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from bot.domain.usage import FeedAge, FeedDip, feed_age
from bot.slack.blocks.common import Message
from bot.slack.blocks.digest import channel_post, morning_dm
from bot.slack.blocks.steps import morning_order
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.samples import RULES, TODAY, declines, due_steps, person

FRESH = feed_age(TODAY - timedelta(days=1), TODAY)


def payload(message: Message) -> dict[str, object]:
    out = {"text": message.text, "blocks": message.block_dicts()}
    assert_valid_message(out)
    return out


def buttons(message: Message) -> list[str]:
    return [e["text"]["text"] for b in message.block_dicts() if b["type"] == "actions" for e in b["elements"]]


def test_a_csm_with_300_declining_accounts_gets_the_five_most_at_risk_and_a_pointer() -> None:
    found = declines(300, name="A rather long customer name number {i} <&> Co")
    message = morning_dm(person(), TODAY, found, [], RULES)
    text = message_text(payload(message))
    assert "+295 more declining accounts" in text and "App Home" in text
    assert buttons(message) == ["Reached out", "Snooze a week"] * 5
    shown = [found[i].decline.account.name.replace("<&>", "&lt;&amp;&gt;") for i in range(5)]
    assert all(name in text for name in shown), "money at risk first: the five largest"
    assert "&lt;&amp;&gt;" in text  # names are escaped for mrkdwn


def test_the_budget_follows_the_settings() -> None:
    rules = replace(RULES, dm_max_accounts=2, dm_max_steps=3)
    message = morning_dm(person(), TODAY, declines(4), due_steps(9), rules)
    text = message_text(payload(message))
    assert (
        buttons(message) == ["Reached out", "Snooze a week"] * 2 + ["Mark done", "Snooze a week", "Skip"] * 3
    )
    assert "+2 more declining accounts" in text and "+6 more steps" in text


def test_steps_come_overdue_first_then_the_account_renewing_soonest() -> None:
    due = due_steps(12)
    ordered = morning_order(due, TODAY)
    overdue = [d for d in ordered if d.step.due_on < TODAY]
    assert ordered[: len(overdue)] == overdue, "overdue before due"
    renewals = [d.account.renewal_date or date.max for d in overdue]
    assert renewals == sorted(renewals), "renewing soonest first, no renewal date last"
    assert overdue[-1].account.renewal_date is None
    upcoming = [d.step.due_on for d in ordered[len(overdue) :]]
    assert upcoming == sorted(upcoming)


def test_a_backlog_gets_a_plan_at_the_pace_in_force() -> None:
    due = due_steps(40)  # 30 of them overdue
    text = message_text(payload(morning_dm(person(), TODAY, [], due, RULES)))
    # 30 at 3 a week: 10 weeks from Mon 23 Nov 2026.
    assert "the backlog of 30 clears by Mon 1 Feb 2027 at 3 a week" in text
    faster = message_text(payload(morning_dm(person(), TODAY, [], due, replace(RULES, catchup_per_week=10))))
    assert "the backlog of 30 clears by Mon 14 Dec at 10 a week" in faster


def test_no_backlog_line_when_the_dm_shows_every_overdue_step() -> None:
    text = message_text(payload(morning_dm(person(), TODAY, [], due_steps(4), RULES)))
    assert "backlog" not in text


def test_words_follow_the_settings_in_force() -> None:
    rules = replace(RULES, threshold=0.25, recent_days=14, baseline_days=56, snooze_days=3)
    dm = morning_dm(person(), TODAY, declines(2), due_steps(2), rules)
    post = channel_post("Harbor", TODAY, declines(2), {1: person()}, FRESH, rules)
    for message in (dm, post):
        text = message_text(payload(message))
        assert "down at least 25% over the last 14 days vs the 56 days before" in text
        assert "30%" not in text and "28" not in text
    assert set(buttons(dm)) == {"Reached out", "Snooze 3 days", "Mark done", "Skip"}
    week = morning_dm(person(), TODAY, declines(1), due_steps(1), RULES)
    assert "Snooze a week" in buttons(week) and "last 7 days vs the 28 days before" in message_text(
        payload(week)
    )


def test_a_feed_wide_dip_is_stated_in_the_post_and_the_dm() -> None:
    dip = FeedDip(median_ratio=0.52)
    dm = morning_dm(person(), TODAY, declines(2), [], RULES, feed=FRESH, dip=dip)
    post = channel_post("Harbor", TODAY, declines(2), {1: person()}, FRESH, RULES, dip)
    for message in (dm, post):
        text = message_text(payload(message))
        assert "Usage is down *48% across the board*" in text
        assert "only accounts falling at least 30% beyond it are flagged" in text


def test_a_stale_feed_says_how_old_the_data_is() -> None:
    stale = FeedAge(TODAY - timedelta(days=4), 4)
    post = channel_post("Harbor", TODAY, [], {}, stale, RULES)
    assert "The usage data is 4 days old" in message_text(payload(post))
    dm = morning_dm(person(), TODAY, [], due_steps(2), RULES, feed=stale)
    assert "The usage data is 4 days old" in message_text(payload(dm))


def test_a_team_post_with_2000_declining_accounts_fits_and_says_how_many_more() -> None:
    found = declines(2000, owners=40, name="A customer whose name runs long enough to matter {i}")
    owners = {i: person(i) for i in range(1, 41)}
    message = channel_post("Harbor", TODAY, found, owners, FRESH, RULES)
    text = message_text(payload(message))
    shown = text.count("    • ")
    assert shown > 10
    assert f"+{2000 - shown:,} more declining accounts" in text and "App Home" in text
    assert len(json.dumps(message.block_dicts())) <= 12_000


def test_the_post_groups_by_csm_money_at_risk_first() -> None:
    found = declines(6, owners=2)
    owners = {1: person(1, "Ana Alvarez"), 2: person(2, "Ben Brooks")}
    text = message_text(payload(channel_post("Harbor", TODAY, found, owners, FRESH, RULES)))
    assert text.index("<@U0001>") < text.index("Account 0") < text.index("Account 2") < text.index("<@U0002>")
    assert "more declining" not in text
    assert text.count("▁") > 0, "a sparkline per account"


def test_a_small_post_lists_everything_without_more() -> None:
    found = declines(3)
    message = channel_post("Harbor", TODAY, found, {1: person()}, FRESH, RULES)
    text = message_text(payload(message))
    assert "more declining" not in text
    assert text.count("Account ") == 3


def test_the_morning_dm_greets_a_last_first_name_by_its_given_name() -> None:
    dm = morning_dm(person(name="Doe, Jane"), TODAY, [], due_steps(1), RULES)
    assert dm.block_dicts()[0]["text"]["text"].startswith("Good morning Jane:")
