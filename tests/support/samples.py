"""Plain records for the message builders (no database): people, declines, steps and books of any size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.config import Settings
from bot.domain.bands import DEFAULT_BANDS, Band, book_load
from bot.domain.plan import Holder, PlanAccount, Protection, plan_moves
from bot.domain.playbooks import Playbook, Step
from bot.domain.usage import FeedDip, feed_age
from bot.models import Account, Alert, Person, PlaybookStep, Team
from bot.services.alerts import Decline, DeclineView
from bot.services.books import Book, Renewal
from bot.services.plan import AccountFacts, TeamPlan
from bot.services.plan_handoff import Handoff, HandoffLine
from bot.services.steps import DueStep, ReviewOutcomes
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, RulesInForce
from bot.slack.blocks.digest import channel_post, morning_dm
from bot.slack.blocks.home import home_blocks
from bot.slack.blocks.load import BookStatus, myload_message, teamload_message
from bot.slack.blocks.plan import handoff_dm, plan_message, plan_modal
from bot.slack.blocks.steps import done_modal, skip_modal
from bot.slack.ids import ModalContext, PlanRef

TODAY = date(2026, 11, 23)
RULES = RulesInForce.of(Settings(_env_file=None))


def person(i: int = 1, name: str | None = None, *, active: bool = True) -> Person:
    return Person(
        id=i,
        slack_user_id=f"U{i:04d}",
        email=f"p{i}@example.com",
        name=name or f"Person {i}",
        team_id=1,
        active=active,
    )


def account(
    i: int, name: str, *, owner: int = 1, arr: float = 10_000.0, renewal: date | None = None
) -> Account:
    return Account(
        id=i,
        external_id=f"A{i}",
        name=name,
        segment_key="mid_market",
        arr=arr,
        owner_id=owner,
        start_date=date(2024, 1, 1),
        renewal_date=renewal,
    )


def declines(
    n: int, *, name: str = "Account {i}", owners: int = 1, reached_by: str | None = None
) -> list[DeclineView]:
    found = []
    for i in range(n):
        acc = account(i + 1, name.format(i=i), owner=1 + i % owners, arr=1000.0 * (n - i))
        alert = Alert(
            id=i + 1,
            account_id=i + 1,
            opened_on=TODAY - timedelta(days=i % 5),
            last_seen_on=TODAY,
            drop=0.5,
            recent_mean=5,
            baseline_mean=10,
            reached_out_by=reached_by,
        )
        found.append(DeclineView(Decline(alert, acc), [float(d % 7) for d in range(28)]))
    return found


def due_steps(n: int, *, name: str = "Account {i}", overdue_days: int = 600) -> list[DueStep]:
    """`n` steps: reviews long overdue on accounts renewing at different dates, and a few due soon."""
    found = []
    for i in range(n):
        overdue = i % 4 != 3
        due_on = TODAY - timedelta(days=overdue_days - i) if overdue else TODAY + timedelta(days=i % 7)
        renewal = None if i % 5 == 0 else TODAY + timedelta(days=30 * (i % 11))
        acc = account(10_000 + i, name.format(i=i), renewal=renewal)
        step = PlaybookStep(
            id=50_000 + i,
            account_id=acc.id or 0,
            playbook=Playbook.REVIEW.value if overdue else Playbook.ONBOARDING.value,
            step=Step.REVIEW.value if overdue else Step.KICKOFF.value,
            sequence=1 + i % 3,
            due_on=due_on,
            status="open",
        )
        found.append(DueStep(step, acc))
    return found


def book(who: Person, *, label: str | None = None, **segments: int) -> Book:
    bands = [Band(b.key, label or b.label, b.low, b.high) for b in DEFAULT_BANDS]
    return Book(person=who, load=book_load(segments or {"mid_market": 60, "smb": 40}, bands), total_arr=9e5)


def team_plan(
    *, name: str, person_name: str, team_name: str, label: str | None, per_csm: int = 130
) -> TeamPlan:
    """Two mid-market CSMs, one over band and one with room: a plan with moves and protected accounts."""
    holders, facts, ids = [], {}, iter(range(1, 10**6))
    for k, n in enumerate((per_csm, per_csm // 3)):
        accounts = []
        for j in range(n):
            i = next(ids)
            kept = Protection.RENEWING if j % 25 == 0 else None
            accounts.append(PlanAccount(i, "mid_market", 1000.0 + i, None, kept))
            facts[i] = AccountFacts(i, f"X-{i}", name.format(i=i), "mid_market", 1000.0 + i, k, TODAY, None)
        holders.append(Holder(f"U{k:04d}", tuple(accounts)))
    people = {h.key: person(k, person_name) for k, h in enumerate(holders)}
    bands = [Band(b.key, label or b.label, b.low, b.high) for b in DEFAULT_BANDS]
    return TeamPlan(
        team=Team(id=1, name=team_name),
        today=TODAY,
        bands=bands,
        people=people,
        accounts=facts,
        plan=plan_moves(holders, bands),
        fingerprint="f" * 64,
        new_accounts={"mid_market": 12},
        runs_out_on=None,
        renewal_days=60,
    )


def handoff(tp: TeamPlan) -> Handoff:
    """What the CSM with room takes over in `tp`, as the handoff DM lists it."""
    lines = [
        HandoffLine(
            tp.accounts[m.account.id].name,
            tp.label("mid_market"),
            m.account.arr,
            TODAY + timedelta(days=90),
            m.giver,
            (("Executive Outcomes Review", TODAY + timedelta(days=9)),),
        )
        for m in tp.plan.moves
    ]
    return Handoff("U0001", gains=lines, hands_over=lines[:2])


@dataclass(frozen=True)
class Sizes:
    declines: int = 3
    steps: int = 3
    owners: int = 1
    name: str = "Account {i}"
    person_name: str = "Dana Ortiz"
    team_name: str = "Harbor"
    label: str | None = None
    dip: float | None = None
    stale: bool = False


def every_message(sizes: Sizes, rules: RulesInForce = RULES) -> dict[str, Any]:
    """Every builder's output for one set of sizes: Message for messages, a dict for views."""
    who = person(1, sizes.person_name)
    views = declines(sizes.declines, name=sizes.name, owners=sizes.owners, reached_by="U0001")
    due = due_steps(sizes.steps, name=sizes.name)
    owners = {i: person(i, sizes.person_name) for i in range(1, sizes.owners + 1)}
    feed = feed_age(TODAY - timedelta(days=5 if sizes.stale else 1), TODAY)
    if sizes.stale:
        feed = type(feed)(feed.newest, 5)
    dip = FeedDip(1 - sizes.dip) if sizes.dip is not None else None
    mine = book(who, label=sizes.label)
    status = BookStatus(
        declining=len(views),
        overdue_steps=len(due),
        renewals=[Renewal(sizes.name.format(i=0), 5e4, TODAY + timedelta(days=40))],
        today=TODAY,
    )
    team_books = [book(person(i, sizes.person_name), label=sizes.label) for i in range(1, sizes.owners + 1)]
    outcomes = [ReviewOutcomes(b.person, 3, 2, 1) for b in team_books]
    step = due[0] if due else due_steps(1, name=sizes.name)[0]
    where = ModalContext(step_id=step.step.id or 0, channel="D1", ts="1.2")
    plan = team_plan(
        name=sizes.name, person_name=sizes.person_name, team_name=sizes.team_name, label=sizes.label
    )
    messages: dict[str, Message] = {
        "dm": morning_dm(who, TODAY, views, due, rules, feed=feed, dip=dip),
        "channel_post": channel_post(sizes.team_name, TODAY, views, owners, feed, rules, dip),
        "myload": myload_message(mine, own=True, rules=rules, status=status),
        "myload_other": myload_message(mine, own=False, rules=rules, status=status),
        "teamload": teamload_message(sizes.team_name, team_books, outcomes),
        "myload_help": help_blocks.myload_help(rules),
        "teamload_help": help_blocks.teamload_help(rules),
        "not_in_roster": help_blocks.not_in_roster("U0001"),
        "plan": plan_message(plan),
        "handoff_dm": handoff_dm(handoff(plan), team_name=sizes.team_name, applied_by="U0MGR"),
    }
    views_ = {
        "home": {
            "type": "home",
            "blocks": [b.to_dict() for b in home_blocks(mine, TODAY, views, due, rules)],
        },
        "done_modal": done_modal(step.step, step.account, where).to_dict(),
        "skip_modal": skip_modal(step.step, step.account, where).to_dict(),
        "plan_modal": plan_modal(plan, PlanRef(team_id=1, fingerprint=plan.fingerprint)).to_dict(),
    }
    return {**messages, **views_}
