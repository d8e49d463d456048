"""The App Home tab: the whole picture for one person, within Slack's 100 blocks and the size budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.backlog import backlog_plan
from bot.domain.playbooks import NUDGE_AHEAD_DAYS
from bot.services.alerts import DeclineView
from bot.services.books import Book
from bot.services.steps import DueStep
from bot.slack.blocks.common import MAX_VIEW_BLOCKS, Budget, RulesInForce, context, header, plural, section
from bot.slack.blocks.digest import account_line, alert_buttons, money_first, rule_line
from bot.slack.blocks.load import myload_message
from bot.slack.blocks.steps import backlog_line, morning_order, overdue_count, step_buttons, step_line

Item = TypeVar("Item")
BUTTONS_SHARE = 0.6  # of a list's room: the rest lists the others as plain lines


def home_blocks(
    book: Book, today: date, views: Sequence[DeclineView], due: Sequence[DueStep], rules: RulesInForce
) -> list[Block]:
    """Book, declining accounts and steps due, sorted as the DM sorts them.

    Each list gets its share of the budget: the first items with their buttons, the others as plain
    lines, then "+N more" for what even lines cannot hold.
    """
    views, due = money_first(views), morning_order(due, today)
    budget = Budget(max_blocks=MAX_VIEW_BLOCKS)
    steps_head = [DividerBlock(), header(f"Playbook steps due ({len(due):,})")]
    # The survey's context is /myload's: App Home keeps its room for the accounts and steps.
    for block in myload_message(book, own=True, rules=rules, industry=False).blocks:
        budget.add(block, reserve=steps_head)
    budget.add(DividerBlock(), header(f"Declining accounts ({len(views):,})"), reserve=steps_head)
    if views:
        intro = f"Usage {rule_line(rules, None)}, money at risk first."
    else:
        intro = "No account of yours is declining. :tada:"
    budget.add(context(intro), reserve=steps_head)
    # The declines may take half of what is left when steps follow.
    with budget.share(0.5 if due else 1.0, reserve=steps_head):
        _list(
            budget,
            views,
            lambda v: [section(account_line(v, today)), alert_buttons(v, rules)],
            lambda v: account_line(v, today),
            "declining account",
        )
    budget.add(*steps_head)
    plan = backlog_plan(overdue_count(due, today), per_week=rules.catchup_per_week, today=today)
    if not due:
        budget.add(context(f"Nothing overdue or due within {NUDGE_AHEAD_DAYS} days."))
    elif plan is not None and plan.overdue > rules.dm_max_steps:
        budget.add(context(backlog_line(plan, today)))
    _list(
        budget,
        due,
        lambda d: [section(step_line(d, today)), step_buttons(d.step, rules)],
        lambda d: step_line(d, today),
        "step",
    )
    return budget.blocks


def _list(
    budget: Budget,
    items: Sequence[Item],
    with_buttons: Callable[[Item], Sequence[Block]],
    line: Callable[[Item], str],
    what: str,
) -> None:
    """The first items with their buttons, the next as lines in packed sections, then "+N more"."""

    def more(left: int) -> Block:
        return context(f"+{plural(left, 'more ' + what)}, less urgent than those above.")

    worst = [more(len(items))] if items else []
    with budget.share(BUTTONS_SHARE, reserve=worst):
        shown = 0
        for item in items:
            if not budget.add(*with_buttons(item)):
                break
            shown += 1
    budget.add_lines([f"• {line(item)}" for item in items[shown:]], more)
