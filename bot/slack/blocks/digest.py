"""The morning round: a team's channel post and a CSM's DM, within Slack's limits at any size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.domain.backlog import backlog_plan
from bot.domain.names import first_name
from bot.domain.playbooks import NUDGE_AHEAD_DAYS
from bot.domain.usage import FeedAge, FeedDip, sparkline
from bot.models import Person
from bot.plaintext import flatten
from bot.services.alerts import DeclineView
from bot.services.steps import DueStep
from bot.services.sync_runs import SyncFailure
from bot.slack.blocks.common import (
    Budget,
    Message,
    RulesInForce,
    button,
    context,
    escape,
    header,
    mention,
    money,
    percent,
    plural,
    section,
)
from bot.slack.blocks.steps import backlog_line, morning_order, overdue_count, step_buttons, step_line
from bot.slack.ids import ActionId, AlertRef, alert_block_id

APP_HOME = "csm-coach's App Home"


def money_first(views: Sequence[DeclineView]) -> list[DeclineView]:
    return sorted(views, key=lambda v: (-v.decline.at_risk, v.decline.account.name))


def account_line(view: DeclineView, today: date) -> str:
    decline = view.decline
    days = decline.days_declining(today)
    age = "new today" if days == 0 else f"declining for {plural(days, 'day')}"
    reached = ""
    if decline.alert.reached_out_by:
        reached = f" · :white_check_mark: reached out ({mention(decline.alert.reached_out_by)})"
    return (
        f"*{escape(decline.account.name)}* · {money(decline.account.arr)} ARR · "
        f"*−{round(decline.alert.drop * 100)}%* `{sparkline(list(view.values))}` · {age}{reached}"
    )


def stale_line(feed: FeedAge, failed: SyncFailure | None = None) -> str:
    """Why nothing is flagged; with the reason of the daily usage sync when it failed."""
    cause = f" {sync_failed(failed)}" if failed else ""
    if feed.newest is None:
        return (
            f":warning: No usage data yet, so no account can be checked for a drop.{cause} "
            "Import usage with `csm-coach import usage` or `csm-coach sync usage`."
        )
    return (
        f":warning: The usage data is {plural(feed.days_old or 0, 'day')} old (newest day "
        f"{feed.newest.isoformat()}), so nothing is flagged today.{cause} A stale feed is not a drop: "
        f"check the usage {'sync' if failed else 'import'}."
    )


def sync_failed(failed: SyncFailure) -> str:
    """The daily sync's failure, its reason inert text: "The 06:00 UTC usage sync failed: …"."""
    return (
        f"The {failed.started_at:%H:%M} UTC {failed.source} sync of {failed.run_date:%a %-d %b} failed: "
        f"{escape(failed.reason)}."
    )


def sync_lines(failures: Sequence[SyncFailure], feed: FeedAge | None) -> list[str]:
    """The failed syncs a post must say besides the stale line (which says the usage one itself)."""
    stale = feed is not None and feed.stale
    return [
        f":warning: {sync_failed(f)} The {f.source} {'are' if f.source == 'accounts' else 'is'} as of the "
        "last sync that worked."
        for f in failures
        if not (stale and f.source == "usage")
    ]


def usage_failure(failures: Sequence[SyncFailure]) -> SyncFailure | None:
    return next((f for f in failures if f.source == "usage"), None)


def rule_line(rules: RulesInForce, dip: FeedDip | None) -> str:
    """What "declining" means this morning, in the settings in force."""
    if dip is None:
        return f"down at least {rules.percent} over {rules.windows}"
    return f"down at least {rules.percent} beyond the dip over {rules.windows}"


def dip_line(dip: FeedDip, rules: RulesInForce) -> str:
    return (
        f":umbrella_with_rain_drops: Usage is down *{percent(dip.depth)} across the board* over "
        f"{rules.windows} (a holiday or a tracking gap, not one customer), so only accounts falling "
        f"at least {rules.percent} beyond it are flagged."
    )


def channel_post(
    team_name: str,
    today: date,
    views: Sequence[DeclineView],
    owners: Mapping[int, Person],
    feed: FeedAge,
    rules: RulesInForce,
    dip: FeedDip | None = None,
    failures: Sequence[SyncFailure] = (),
) -> Message:
    """The team's declining accounts grouped by CSM, money at risk first, cut to fit with "+N more"."""
    title = f"Usage drops · {flatten(team_name)} · {today:%a %-d %b}"
    budget = Budget()
    budget.add(header(title))
    for line in sync_lines(failures, feed):
        budget.add(context(line))
    if feed.stale:
        text = stale_line(feed, usage_failure(failures))
        budget.add(section(text))
        return budget.message(f"{escape(team_name)}: {text}")
    views = money_first(views)
    at_risk = sum(v.decline.at_risk for v in views)
    if dip is not None:
        budget.add(context(dip_line(dip, rules)))
    budget.add(
        section(
            f"*{plural(len(views), 'account')}* with usage {rule_line(rules, dip)} · "
            f"*{money(at_risk)}* at risk (ARR × drop), money at risk first."
        )
    )
    by_owner: dict[int, list[DeclineView]] = {}
    for view in views:
        by_owner.setdefault(view.decline.account.owner_id, []).append(view)
    lines: list[str] = []
    for owner_id, group in sorted(by_owner.items(), key=lambda kv: -sum(v.decline.at_risk for v in kv[1])):
        owner = owners.get(owner_id)
        if owner is None:
            who = "Unassigned"
        elif owner.active:
            who = mention(owner.slack_user_id)
        else:  # nobody gets these in a DM: the team sees who must pick them up
            who = f":warning: unowned: {escape(owner.name)} has left"
        heading = f"*{who}* — {plural(len(group), 'account')}"
        for k, view in enumerate(group):
            # The CSM's name travels with their first account, so a cut never leaves a name alone.
            lines.append(("" if k else heading + "\n") + f"    • {account_line(view, today)}")
    leavers = any(not o.active for o in owners.values() if o.id in by_owner)
    unowned = " Accounts of CSMs who have left are in nobody's DM: `/teamload plan` moves them."
    pointer = context(
        "Each CSM has their accounts in a DM with *Reached out* and *Snooze* buttons."
        + (unowned if leavers else "")
    )

    def more(n: int) -> Block:
        return context(
            f"+{plural(n, 'more declining account')}: each CSM sees their whole list in {APP_HOME}."
        )

    budget.add_lines(lines, more, reserve=[pointer])
    budget.add(pointer)
    return budget.message(
        f"{escape(title)}: {plural(len(views), 'declining account')}, {money(at_risk)} at risk."
    )


def alert_buttons(view: DeclineView, rules: RulesInForce) -> ActionsBlock:
    alert_id = view.decline.alert.id
    assert alert_id is not None
    value = AlertRef(alert_id=alert_id).model_dump_json()
    return ActionsBlock(
        block_id=alert_block_id(alert_id),
        elements=[
            button("Reached out", action_id=ActionId.ALERT_REACHED_OUT, value=value, style="primary"),
            button(rules.snooze, action_id=ActionId.ALERT_SNOOZE, value=value),
        ],
    )


def morning_dm(
    person: Person,
    today: date,
    views: Sequence[DeclineView],
    due: Sequence[DueStep],
    rules: RulesInForce,
    *,
    feed: FeedAge | None = None,
    dip: FeedDip | None = None,
    failures: Sequence[SyncFailure] = (),
) -> Message:
    """The one DM of the morning: a budget of declining accounts and steps, each with its buttons."""
    views, due = money_first(views), morning_order(due, today)
    n, k = len(views), len(due)
    parts = [plural(n, "account") + " to call"] if n else []
    if k:
        parts.append(plural(k, "playbook step") + " due")
    first = first_name(flatten(person.name)) or "there"
    title = f"Good morning {first}: {' and '.join(parts) or 'nothing urgent'}"
    budget = Budget()
    budget.add(header(title))
    if feed is not None and feed.stale:
        budget.add(context(stale_line(feed, usage_failure(failures))))
    for line in sync_lines(failures, feed):
        budget.add(context(line))
    if dip is not None:
        budget.add(context(dip_line(dip, rules)))

    overdue = overdue_count(due, today)
    plan = backlog_plan(overdue, per_week=rules.catchup_per_week, today=today)
    # Room kept for the steps' intro, one step and the backlog line, whatever the declines take.
    steps_intro = context(
        f":clipboard: Playbook steps overdue or due within {NUDGE_AHEAD_DAYS} days: overdue first, the "
        "account renewing soonest first."
    )
    backlog = context(backlog_line(plan, today)) if plan else None

    def more_steps(left: int) -> Block:
        return context(f"+{plural(left, 'more step')}: {APP_HOME} lists them all.")

    tail: list[Block] = []
    if due:
        tail = [steps_intro, *step_blocks(due[0], today, rules), *([more_steps(k)] if k > 1 else [])]
        tail += [backlog] if backlog else []

    if n:
        at_risk = sum(v.decline.at_risk for v in views)
        budget.add(
            context(
                f":chart_with_downwards_trend: Usage {rule_line(rules, dip)} · {money(at_risk)} at risk · "
                "money at risk first. A quick note offering help often finds a bug or a new team member "
                "who is lost."
            ),
            reserve=tail,
        )
        budget.add_items(
            views,
            lambda v: [section(account_line(v, today)), alert_buttons(v, rules)],
            lambda left: context(f"+{plural(left, 'more declining account')}: {APP_HOME} lists them all."),
            limit=rules.dm_max_accounts,
            reserve=tail,
        )
    if k:
        budget.add(steps_intro)
        shown = budget.add_items(
            due,
            lambda item: step_blocks(item, today, rules),
            more_steps,
            limit=rules.dm_max_steps,
            reserve=[backlog] if backlog else [],
        )
        if backlog is not None and overdue > overdue_count(due[:shown], today):
            budget.add(backlog)
    names = [escape(v.decline.account.name) for v in views[:2]] + [escape(d.account.name) for d in due[:1]]
    return budget.message(f"{escape(title)}: {', '.join(names)}{'…' if n + k > 3 else ''}")


def step_blocks(item: DueStep, today: date, rules: RulesInForce) -> list[Block]:
    """A step's line and its buttons."""
    return [section(step_line(item, today)), step_buttons(item.step, rules)]
