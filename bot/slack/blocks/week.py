"""The manager's week: one message a team's managers get on its first working day, and `/teamload week`."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import Block

from bot.domain import weekdays
from bot.domain.week import (
    COMPARISON_NOT_EXPERIMENT,
    LIFT_FROM_DAYS,
    LIFT_TO_DAYS,
    RECOVERY_SHARE,
    UNCLAIMED_AFTER_DAYS,
    AlertFacts,
    Lift,
)
from bot.services.week import WeekReport
from bot.slack.blocks.common import (
    Budget,
    Message,
    RulesInForce,
    context,
    escape,
    header,
    mention,
    money,
    percent,
    plain,
    plural,
    section,
)
from bot.slack.blocks.load import teamload_line

UNCLAIMED_SHARE = 0.35


def span(first: date, last: date) -> str:
    return f"{first:%a %-d %b} – {last:%a %-d %b}"


def points(share: float) -> str:
    """A difference of two shares in percentage points, signed."""
    return f"{share * 100:+.0f} points"


def unclaimed_line(alert: AlertFacts, today: date) -> str:
    days = (today - alert.opened_on).days
    return (
        f"• *{escape(alert.account)}* ({mention(alert.owner)}) · {money(alert.at_risk)} at risk of "
        f"{money(alert.arr)} ARR · *−{round(alert.drop * 100)}%* · flagged {plural(days, 'day')} ago"
    )


def group_line(label: str, recovered: int, total: int) -> str:
    if not total:
        return f"{label}: no account"
    return f"{label}: *{recovered}* of {plural(total, 'account')} recovered ({percent(recovered / total)})"


def lift_text(lift: Lift) -> str:
    head = (
        f"*Does reaching out work?* Of the accounts flagged {span(lift.first, lift.last)} "
        f"({LIFT_FROM_DAYS} to {LIFT_TO_DAYS} days ago), recovered means back to {percent(RECOVERY_SHARE)} "
        "of the baseline they had when flagged.\n"
    )
    groups = (
        f"{group_line('• The CSM reached out', lift.reached_recovered, lift.reached)}\n"
        f"{group_line('• Nobody reached out', lift.untouched_recovered, lift.untouched)}\n"
    )
    interval = lift.interval
    if interval is None or lift.difference is None:
        verdict = f"Too few to tell: a difference takes at least {lift.min_group} accounts in each group."
    else:
        verdict = (
            f"Difference: *{points(lift.difference)}* (90% confidence interval {points(interval.low)} to "
            f"{points(interval.high)}, Newcombe's method on two Wilson intervals)."
        )
    return head + groups + verdict


def manager_week_message(report: WeekReport, wording: RulesInForce) -> Message:
    """The week just ended: declines and who acted, unclaimed alerts by name, reviews, the outreach lift,
    and each CSM's load in `/teamload`'s words; within Slack's limits at any size."""
    week, found, reviews = report.week, report.declines, report.reviews
    title = f"Team {plain(report.team)}: the week of {span(week.start, week.end)}"
    days = weekdays.describe(report.post_days)
    summary = (
        f"*Declines* (usage down {wording.percent} or more, {wording.windows}): *{found.raised}* raised · "
        f"*{found.acted_on}* acted on ({found.reached_out} reached out, {found.snoozed} snoozed) · "
        f"*{found.recovered}* recovered · *{len(found.unclaimed)}* unclaimed now (open with no Reached out "
        f"or Snooze for {UNCLAIMED_AFTER_DAYS} working days, POST_DAYS={days})"
    )
    review_text = (
        f"*Executive Outcomes Reviews*: *{reviews.done}* done in the week, {reviews.on_time} on time · "
        f"*{reviews.overdue}* overdue now"
    )
    tail = [section(review_text), section(lift_text(report.lift)), context(COMPARISON_NOT_EXPERIMENT)]
    budget = Budget()
    budget.add(header(title), section(summary))
    named = found.unclaimed[: wording.dm_max_accounts]  # the DM's budget of accounts (DM_MAX_ACCOUNTS)
    left = len(found.unclaimed) - len(named)

    def more(n: int) -> Block:
        return context(f"+{plural(n + left, 'more unclaimed alert')}, less money at risk.")

    # The names take at most a third of the room, so each CSM's load keeps its place after them.
    with budget.share(UNCLAIMED_SHARE, reserve=tail):
        shown = budget.add_lines([unclaimed_line(a, week.day) for a in named], more, reserve=tail)
    if left and shown == len(named):
        budget.add(more(0), reserve=tail)
    budget.add(*tail)
    ordered = sorted(report.books, key=lambda b: (-b.load.load_at_top, b.person.name))
    if ordered:
        budget.add(section("*Load* (as `/teamload` shows it)"))
        budget.add_lines(
            [teamload_line(b) for b in ordered],
            lambda n: context(f"+{plural(n, 'more CSM')} with lower load not shown: `/teamload`."),
        )
    return budget.message(
        f"Team {escape(report.team)}, week of {span(week.start, week.end)}: {found.raised} declines raised, "
        f"{found.acted_on} acted on, {found.recovered} recovered, {len(found.unclaimed)} unclaimed; "
        f"{reviews.done} reviews done, {reviews.overdue} overdue."
    )
