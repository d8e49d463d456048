"""The morning round: a team's channel post and a CSM's DM, within Slack's limits at any size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, PlainTextObject

from bot.domain.usage import FeedAge, sparkline
from bot.models import Person
from bot.services.alerts import Decline
from bot.services.steps import DueStep
from bot.slack.blocks.common import MAX_MESSAGE_BLOCKS, Message, context, escape, pack_lines, section
from bot.slack.blocks.load import money
from bot.slack.blocks.steps import step_buttons, step_line
from bot.slack.ids import ActionId, AlertRef, alert_block_id


@dataclass(frozen=True)
class DeclineView:
    """A declining account with what a post says about it."""

    decline: Decline
    values: Sequence[float]  # last weeks, one per day, for the sparkline


def account_line(view: DeclineView, today: date) -> str:
    decline = view.decline
    days = decline.days_declining(today)
    age = "new today" if days == 0 else f"declining for {days} day{'s' if days != 1 else ''}"
    reached = ""
    if decline.alert.reached_out_by:
        reached = f" · :white_check_mark: reached out (<@{decline.alert.reached_out_by}>)"
    return (
        f"*{escape(decline.account.name)}* · {money(decline.account.arr)} ARR · "
        f"*−{round(decline.alert.drop * 100)}%* `{sparkline(list(view.values))}` · {age}{reached}"
    )


def stale_line(feed: FeedAge) -> str:
    if feed.newest is None:
        return (
            ":warning: No usage data yet, so no account can be checked for a drop. "
            "Import usage with `csm-coach import usage`."
        )
    return (
        f":warning: The usage data is {feed.days_old} days old (newest day {feed.newest.isoformat()}), "
        "so nothing is flagged today. A stale feed is not a drop: check the usage import."
    )


def channel_post(
    team_name: str, today: date, views: Sequence[DeclineView], owners: Mapping[int, Person], feed: FeedAge
) -> Message:
    title = f"Usage drops · {team_name} · {today:%a %-d %b}"
    if feed.stale:
        text = stale_line(feed)
        return Message(
            text=f"{team_name}: {text}", blocks=[HeaderBlock(text=PlainTextObject(text=title)), section(text)]
        )
    at_risk = sum(v.decline.at_risk for v in views)
    summary = (
        f"*{len(views)} account{'s' if len(views) != 1 else ''}* used the product at least 30% less in the "
        f"last 7 days than in the 28 before · *{money(at_risk)}* at risk (ARR × drop), money at risk first."
    )
    by_owner: dict[int, list[DeclineView]] = {}
    for view in views:
        by_owner.setdefault(view.decline.account.owner_id, []).append(view)
    lines: list[str] = []
    for owner_id, group in sorted(by_owner.items(), key=lambda kv: -sum(v.decline.at_risk for v in kv[1])):
        owner = owners.get(owner_id)
        who = (
            f"<@{owner.slack_user_id}>"
            if owner and owner.active
            else escape(owner.name if owner else "unassigned")
        )
        lines.append(f"*{who}* — {len(group)} account{'s' if len(group) != 1 else ''}")
        lines.extend(f"    • {account_line(v, today)}" for v in group)
    head = [HeaderBlock(text=PlainTextObject(text=title[:150])), section(summary)]
    body, left_out = pack_lines(lines, max_blocks=MAX_MESSAGE_BLOCKS - len(head) - 2)
    blocks = [*head, *body]
    if left_out:
        blocks.append(
            context(f"+{left_out} more lines: each CSM sees their whole list in csm-coach's App Home.")
        )
    blocks.append(context("Each CSM has their accounts in a DM with *Reached out* and *Snooze* buttons."))
    return Message(text=f"{title}: {len(views)} declining accounts, {money(at_risk)} at risk.", blocks=blocks)


def alert_buttons(view: DeclineView) -> ActionsBlock:
    alert_id = view.decline.alert.id
    assert alert_id is not None
    value = AlertRef(alert_id=alert_id).model_dump_json()
    return ActionsBlock(
        block_id=alert_block_id(alert_id),
        elements=[
            ButtonElement(
                text="Reached out", action_id=ActionId.ALERT_REACHED_OUT, value=value, style="primary"
            ),
            ButtonElement(text="Snooze a week", action_id=ActionId.ALERT_SNOOZE, value=value),
        ],
    )


def morning_dm(person: Person, today: date, views: Sequence[DeclineView], due: Sequence[DueStep]) -> Message:
    """The one DM of the morning: declining accounts, then playbook steps due, each with its buttons."""
    # Two blocks per item; share what fits, keeping room for both lists when both are long.
    room = (MAX_MESSAGE_BLOCKS - 6) // 2
    show_declines = min(len(views), room - min(len(due), room // 3))
    show_steps = min(len(due), room - show_declines)
    n, k = len(views), len(due)
    parts = []
    if n:
        parts.append(f"{n} account{'s' if n != 1 else ''} to call")
    if k:
        parts.append(f"{k} playbook step{'s' if k != 1 else ''} due")
    title = f"Good morning {person.name.split()[0]}: {' and '.join(parts)}"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=title[:150]))]
    if n:
        at_risk = sum(v.decline.at_risk for v in views)
        blocks.append(
            context(
                ":chart_with_downwards_trend: Usage down at least 30% over the last 7 days vs the 28 "
                f"before · {money(at_risk)} at risk · money at risk first. A quick note offering help "
                "often finds a bug or a new team member who is lost."
            )
        )
        for view in views[:show_declines]:
            blocks.append(section(account_line(view, today)))
            blocks.append(alert_buttons(view))
        if n > show_declines:
            blocks.append(
                context(f"+{n - show_declines} more declining accounts: csm-coach's App Home lists them all.")
            )
    if k:
        blocks.append(context(":clipboard: Playbook steps overdue or due within 7 days, most overdue first."))
        for item in due[:show_steps]:
            blocks.append(section(step_line(item, today)))
            blocks.append(step_buttons(item.step))
        if k > show_steps:
            blocks.append(context(f"+{k - show_steps} more steps due: csm-coach's App Home lists them all."))
    names = ", ".join([v.decline.account.name for v in views[:2]] + [d.account.name for d in due[:1]])
    return Message(text=f"{title}: {names}{'…' if n + k > 3 else ''}", blocks=blocks)
