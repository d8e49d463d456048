"""`/myload` and `/teamload` messages: pure builders from books to Block Kit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block, DividerBlock, SectionBlock

from bot.domain.backlog import backlog_plan
from bot.domain.bands import BookLoad, Verdict, survey_position, totango_reference
from bot.services.books import Book, Renewal
from bot.services.steps import ReviewOutcomes
from bot.slack.blocks.common import (
    Budget,
    Message,
    RulesInForce,
    context,
    escape,
    header,
    mention,
    money,
    mrkdwn,
    plain,
    plural,
    section,
)
from bot.slack.blocks.steps import backlog_line

MAX_FIELD_TEXT = 2000

VERDICT_ICON = {
    Verdict.OVER: ":red_circle:",
    Verdict.WITHIN: ":large_green_circle:",
    Verdict.UNDER: ":large_yellow_circle:",
}


def headroom_line(load: BookLoad) -> str:
    main = load.main_segment
    if main is None or load.headroom is None:
        return "No accounts yet, so the whole band is free."
    label = escape(main.label)
    if load.headroom < 0:
        over = plural(-load.headroom, "account")
        return f"*{over} over* the top of the band (counted in {label}, the main segment)."
    if load.verdict is Verdict.UNDER:
        to_bottom = math.ceil((1 - load.load_at_bottom) * main.low)
        return (
            f"*{plural(to_bottom, 'account')}* more in {label} would bring you to the bottom of the band; "
            f"room for {load.headroom:,} before its top."
        )
    if load.headroom == 0:
        return f"Exactly at the top of the band: no room for another {label} account."
    more = plural(load.headroom, "more account")
    return f"Room for *{more}* in {label} (the main segment) before the top of the band."


def segment_shares(load: BookLoad) -> str:
    """Each segment's share of a full book of its own, then the sum: "67 Large = 84% of a full Large
    book, 22 Enterprise = 55% of a full Enterprise book: 139% of one CSM's book". One basis everywhere:
    a full book is each segment at the top of its band."""
    parts = [
        f"{s.count:,} {escape(s.band.label)} = {round(100 * s.count / s.band.high)}% "
        f"of a full {escape(s.band.label)} book"
        for s in load.segments
    ]
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts)}: {load.percent_of_top}% of one CSM's book"


def band_starts_at(load: BookLoad) -> int:
    """Where the band begins for this book's mix, in the same basis (share of one CSM's full book)."""
    return round(100 * load.load_at_top / load.load_at_bottom) if load.load_at_bottom else 0


def verdict_line(load: BookLoad) -> str:
    icon = VERDICT_ICON[load.verdict]
    shares = segment_shares(load)
    mixed = len(load.segments) > 1
    if load.verdict is Verdict.OVER:
        detail = f"{shares}."
        if mixed and all(s.count <= s.band.high for s in load.segments):
            detail += " Each segment is within its own band, but together they are more than one book."
    elif load.verdict is Verdict.UNDER:
        mix = " for this mix" if mixed else ""
        detail = f"{shares}; the band starts at {band_starts_at(load)}% of a full book{mix}."
    else:
        detail = f"{shares}."
    return f"{icon} *{load.verdict.words.capitalize()}:* {detail}"


def load_words(load: BookLoad) -> str:
    """The load in one phrase, for a notification or a line: "139% of one CSM's book, over band"."""
    return f"{load.percent_of_top}% of one CSM's book, {load.verdict.words}"


def industry_context(book: Book) -> str:
    total = book.load.total
    position = survey_position(total)
    survey = "Vitally's survey of B2B SaaS companies"
    if position.bracket is None:
        said = f"No company in {survey} gives a CSM {total:,} customers (its largest bracket is 101–200)"
    else:
        said = f"In {survey}, {position.share_in_bracket}% give a CSM {position.bracket} customers, like you"
    main = book.load.main_segment
    if main is not None and position.share_fewer > 50:
        said += (
            f"; most ({position.share_fewer}%) give fewer, since most surveyed companies serve larger "
            f"accounts. The band of your main segment ({escape(main.label)}, {main.low}–{main.high}) is the "
            "fairer yardstick."
        )
    elif position.share_more > 50:
        said += f"; most ({position.share_more}%) give more."
    else:
        said += "."
    reference, which = totango_reference(book.mean_arr)
    totango = f"Totango's data: ~{reference} per CSM for {which}"
    if total:
        totango += f" (yours average {money(book.mean_arr)} ARR)"
    return f"{said} {totango}; outliers run 400–500."


@dataclass(frozen=True)
class BookStatus:
    """What needs the CSM now, shown under the verdict."""

    declining: int
    overdue_steps: int
    renewals: Sequence[Renewal]
    today: date  # for the backlog plan's date


def status_line(status: BookStatus, rules: RulesInForce) -> str:
    declining = plural(status.declining, "declining account")
    overdue = plural(status.overdue_steps, "overdue playbook step")
    text = f"*Now:* {declining} · {overdue}"
    if status.renewals:
        upcoming = ", ".join(
            f"{escape(r.name)} ({money(r.arr)}, {r.renewal_date:%-d %b %Y})" for r in status.renewals
        )
        text += f"\n*Next renewals:* {upcoming}"
    plan = backlog_plan(status.overdue_steps, per_week=rules.catchup_per_week, today=status.today)
    if plan is not None and plan.overdue > rules.dm_max_steps:
        text += "\n" + backlog_line(plan, status.today)
    return text


def myload_message(
    book: Book, *, own: bool, rules: RulesInForce, status: BookStatus | None = None, industry: bool = True
) -> Message:
    load = book.load
    who = "Your" if own else f"{plain(book.person.name)}'s"
    title = f"{who} book: {plural(load.total, 'account')}"
    budget = Budget()
    budget.add(header(title))
    whose = "Your" if own else f"{escape(book.person.name)}'s"
    fallback = f"{whose} book: {plural(load.total, 'account')}"
    if load.total == 0:
        body = (
            f"{'You own' if own else escape(book.person.name) + ' owns'} no accounts yet. "
            "Accounts arrive with "
            "`csm-coach import accounts FILE.csv`, the `owner` column naming a Slack id or email."
        )
        budget.add(section(body))
        return budget.message(f"{fallback}.")

    fields = [
        mrkdwn(
            f"*{escape(s.band.label)}*\n{plural(s.count, 'account')} · band {s.band.low}–{s.band.high}",
            MAX_FIELD_TEXT,
        )
        for s in load.segments
    ]
    blocks: list[Block] = [
        section(verdict_line(load)),
        SectionBlock(fields=fields[:10]),
        section(headroom_line(load)),
        *([section(status_line(status, rules))] if status else []),
        *([DividerBlock(), context(industry_context(book))] if industry else []),
    ]
    for block in blocks:
        budget.add(block)
    return budget.message(f"{fallback}: {load_words(load)}.")


def outcomes_line(outcomes: Sequence[ReviewOutcomes], days: int) -> str:
    done = sum(o.done for o in outcomes)
    if not done:
        return f"Executive Outcomes Reviews in the last {days} days: none recorded yet."
    on_time = sum(o.on_time for o in outcomes)
    expansion = sum(o.expansion for o in outcomes)
    return (
        f"Executive Outcomes Reviews in the last {days} days: *{done}* done, {on_time} on time "
        f"({round(100 * on_time / done)}%), {expansion} found an expansion opportunity "
        f"({round(100 * expansion / done)}%)."
    )


def teamload_line(book: Book, outcomes: ReviewOutcomes | None = None) -> str:
    load = book.load
    mix = ", ".join(f"{escape(s.band.label)} {s.count}" for s in load.segments) or "no accounts"
    if load.headroom is None:
        room = ""
    elif load.headroom < 0:
        room = f", {-load.headroom} over"
    else:
        room = f", room for {load.headroom}"
    if not book.person.active:
        return (
            f":warning: {mention(book.person.slack_user_id)} *has left* — {plural(load.total, 'account')} "
            f"({mix}) still to hand over: `/teamload plan` moves them first"
        )
    reviews = ""
    if outcomes is not None and outcomes.done:
        reviews = f" · reviews {outcomes.done} ({outcomes.on_time} on time, {outcomes.expansion} expansion)"
    return (
        f"{VERDICT_ICON[load.verdict]} `{load.percent_of_top:>4}%` "
        f"{mention(book.person.slack_user_id)} — "
        f"{plural(load.total, 'account')} ({mix}) · {load.verdict.words}{room}{reviews}"
    )


def teamload_message(
    team_name: str, books: Sequence[Book], outcomes: Sequence[ReviewOutcomes] = (), outcome_days: int = 90
) -> Message:
    ordered = sorted(books, key=lambda b: (-b.load.load_at_top, b.person.name))
    total = sum(b.load.total for b in ordered)
    tally = {v: sum(1 for b in ordered if b.load.verdict is v) for v in Verdict}
    title = f"Team {plain(team_name)}: {len(ordered)} CSMs, {plural(total, 'account')}"
    summary = (
        f"{tally[Verdict.OVER]} over band · {tally[Verdict.WITHIN]} within · {tally[Verdict.UNDER]} under"
    )
    budget = Budget()
    if not ordered:
        budget.add(section(f"Team *{escape(team_name)}* has no CSMs in the roster yet."))
        return budget.message(f"Team {escape(team_name)} has no CSMs in the roster yet.")
    budget.add(header(title), section(summary))
    by_person = {o.person.id: o for o in outcomes}
    footer = context(
        "Sorted by load: the share of one CSM's book, where a full book is each segment at the top "
        "of its own band. " + outcomes_line(outcomes, outcome_days)
    )
    budget.add_lines(
        [teamload_line(b, by_person.get(b.person.id)) for b in ordered],
        lambda n: context(f"+{plural(n, 'more CSM')} with lower load not shown."),
        reserve=[footer],
    )
    budget.add(footer)
    return budget.message(
        f"Team {escape(team_name)}: {plural(len(ordered), 'CSM')}, {plural(total, 'account')} — {summary}."
    )
