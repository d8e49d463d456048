"""The App Home tab: the whole picture for one person, within Slack's 100 blocks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, PlainTextObject

from bot.services.books import Book
from bot.services.steps import DueStep
from bot.slack.blocks.common import context, section
from bot.slack.blocks.digest import DeclineView, account_line, alert_buttons
from bot.slack.blocks.load import myload_message
from bot.slack.blocks.steps import step_buttons, step_line

MAX_HOME_BLOCKS = 100
HOME_ITEMS = 20  # per list; two blocks each


def home_blocks(book: Book, today: date, views: Sequence[DeclineView], due: Sequence[DueStep]) -> list[Block]:
    blocks: list[Block] = list(myload_message(book, own=True).blocks)
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=PlainTextObject(text=f"Declining accounts ({len(views)})")))
    if not views:
        blocks.append(context("No account of yours is declining. :tada:"))
    for view in views[:HOME_ITEMS]:
        blocks.extend([section(account_line(view, today)), alert_buttons(view)])
    if len(views) > HOME_ITEMS:
        blocks.append(context(f"+{len(views) - HOME_ITEMS} more declining accounts, money at risk first."))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=PlainTextObject(text=f"Playbook steps due ({len(due)})")))
    if not due:
        blocks.append(context("Nothing overdue or due within 7 days."))
    for item in due[:HOME_ITEMS]:
        blocks.extend([section(step_line(item, today)), step_buttons(item.step)])
    if len(due) > HOME_ITEMS:
        blocks.append(context(f"+{len(due) - HOME_ITEMS} more steps due; the most overdue are shown."))
    return blocks[:MAX_HOME_BLOCKS]
