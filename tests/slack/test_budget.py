"""The one budget every builder fills: lines packed into sections, cut at a limit or at the room left."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.slack.blocks.common import Budget, context, section
from tests.support.blockcheck import message_text


def more(left: int) -> Block:
    return context(f"+{left} more")


def test_lines_past_the_limit_are_counted_in_the_more_line() -> None:
    budget = Budget()
    shown = budget.add_lines([f"line {k}" for k in range(20)], more, limit=15)
    text = message_text({"blocks": [b.to_dict() for b in budget.blocks]})
    assert shown == 15 and "line 14" in text and "line 15" not in text and text.endswith("+5 more")


def test_lines_that_do_not_fit_leave_room_for_what_is_reserved() -> None:
    tail = section("the end")
    budget = Budget(max_blocks=50, max_chars=2_000)
    shown = budget.add_lines([f"line {k} " + "x" * 40 for k in range(100)], more, reserve=[tail])
    assert budget.add(tail)
    text = message_text({"blocks": [b.to_dict() for b in budget.blocks]})
    assert 0 < shown < 100 and f"+{100 - shown} more" in text and text.endswith("the end")
    assert Budget.cost(budget.blocks) <= 2_000
