"""App Home lists everything it can hold, sorted as the DM is; App Home and help state the settings."""

from __future__ import annotations

from dataclasses import replace

from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.home import home_blocks
from bot.slack.blocks.steps import morning_order
from tests.support.blockcheck import assert_valid_message, assert_valid_view, message_text
from tests.support.samples import RULES, TODAY, book, declines, due_steps, person


def home(views: list, due: list, rules=RULES) -> tuple[str, list[dict]]:  # type: ignore[no-untyped-def,type-arg]
    blocks = [b.to_dict() for b in home_blocks(book(person()), TODAY, views, due, rules)]
    assert_valid_view({"type": "home", "blocks": blocks})
    return message_text({"blocks": blocks}), blocks


def test_app_home_lists_every_item_of_an_ordinary_book_in_the_dm_order() -> None:
    due = due_steps(30, name="Reviewed {i}")
    text, blocks = home(declines(8), due)
    assert all(f"*Account {i}*" in text for i in range(8))
    order = [text.index(f"*{d.account.name}*") for d in morning_order(due, TODAY)]
    assert order == sorted(order), "the same order as the DM"
    assert "more step" not in text and "more declining" not in text
    assert sum(1 for b in blocks if b["type"] == "actions") >= 6, "the first items keep their buttons"


def test_app_home_says_how_many_more_when_even_lines_cannot_hold_them() -> None:
    text, _ = home(declines(2000), due_steps(500))
    assert "Declining accounts (2,000)" in text and "Playbook steps due (500)" in text
    assert "more declining accounts, less urgent" in text and "more steps, less urgent" in text
    assert "the backlog of 375 clears by" in text


def test_app_home_and_help_state_the_settings_in_force() -> None:
    rules = replace(
        RULES,
        threshold=0.25,
        recent_days=14,
        baseline_days=56,
        snooze_days=3,
        catchup_per_week=10,
        dm_max_accounts=2,
        dm_max_steps=4,
    )
    text, blocks = home(declines(3), due_steps(12), rules)
    assert "down at least 25% over the last 14 days vs the 56 days before" in text
    labels = {e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    assert labels == {"Reached out", "Snooze 3 days", "Mark done", "Skip"}
    assert "at 10 a week" in text
    for message in (help_blocks.myload_help(rules), help_blocks.teamload_help(rules)):
        payload = {"text": message.text, "blocks": message.block_dicts()}
        assert_valid_message(payload)
        words = message_text(payload)
        assert "at most 2 declining accounts" in words and "4 playbook steps" in words
        assert "25%" in words and "last 14 days vs the 56 days before" in words
        assert "for 3 days" in words and "10 a week" in words
        assert "30%" not in words and "28 days" not in words
