"""`csm-coach demo`: a synthetic company in an embedded database, and what the bot would say to it."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.rule import Rule
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.cli.common import as_text
from bot.cli.plan import show_demo_plan
from bot.cli.render import render_message
from bot.config import Settings
from bot.db import get_engine, migrate, session_scope
from bot.demo.build import FlagCounts, build_company, flag_counts
from bot.demo.history import live_history
from bot.domain.bands import Verdict
from bot.jobs import weekly
from bot.jobs.compose import RoundPlan, plan_round
from bot.models import Person, Role
from bot.outbox.outgoing import MorningDm
from bot.plaintext import plural
from bot.services import books, teams
from bot.slack.answers import myload, teamload
from bot.slack.interactions import SlashCommand


def run_demo(console: Console, *, db_path: Path, today: date, seed: int = 7, holiday: bool = False) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = get_engine(f"sqlite:///{db_path.resolve()}")
    migrate(engine)

    week = ", in a holiday week" if holiday else ""
    console.print(Rule(f"csm-coach demo — a synthetic company{week}, today {today.isoformat()}"))
    with tempfile.TemporaryDirectory() as tmp:
        files, summaries = build_company(
            # The holiday demo shows the feed-wide dip on its own, without the weeks before it.
            engine,
            Path(tmp),
            today=today,
            seed=seed,
            holiday=holiday,
            history=not holiday,
        )
    for line in summaries:
        console.print(f"[dim]{as_text(line)}[/]")
    console.print(
        f"[dim]Database: {as_text(str(db_path))} (open it with any SQLite tool; run the demo again to "
        "rebuild it).[/]\n"
    )

    settings = Settings(_env_file=None)
    now = morning(today)
    if files.history:
        # The eight weeks before today, morning by morning, so the manager's week has a history to tell.
        mornings, actions = live_history(engine, files.history, today=today, settings=settings)
        console.print(
            f"[dim]The last {mornings} working mornings lived through the round: "
            f"{plural(actions, 'alert')} answered with Reached out or Snooze.[/]\n"
        )
    with session_scope(engine) as session:
        names = {p.slack_user_id: p.name for p in session.exec(select(Person)).all()}
        for index, team in enumerate(teams.teams_by_age(session=session), start=1):
            # Made-up channels, so the demo shows the team posts.
            teams.set_channel(session=session, team=team, channel=f"C0DEMO{index:04d}")
    # The round first (quietly), so /myload can count today's declining accounts and steps due.
    plans = plan_round(engine=engine, now=now, settings=settings, team_name=None, commit=True)
    with session_scope(engine) as session:
        if holiday:
            show_holiday(console, flag_counts(session=session, today=today, rules=settings.decline_rules()))
        backlog = session.exec(select(Person).where(Person.slack_user_id == files.backlog_csm)).one()
        for person in [*showcase_csms(session), backlog]:
            title = f"/myload — as {person.name} (only they see this)"
            show(console, title, myload, person, session=session, settings=settings, names=names, now=now)
        manager = session.exec(
            select(Person).where(Person.role == Role.MANAGER).order_by(col(Person.id))
        ).first()
        if manager is not None:
            title = f"/teamload — as {manager.name}, manager"
            show(console, title, teamload, manager, session=session, settings=settings, names=names, now=now)
    show_round(console, plans=plans, names=names, first=backlog.slack_user_id)
    show_week(console, engine=engine, settings=settings, now=now, names=names)
    show_demo_plan(console, engine=engine, settings=settings, now=now, names=names)
    console.print(
        "[dim]Connect a real workspace: create the app from manifest.yml, set SLACK_BOT_TOKEN and "
        "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), then `csm-coach serve` (or `csm-coach run`).[/]"
    )


def morning(today: date) -> datetime:
    return datetime.combine(today, time(9), tzinfo=ZoneInfo("UTC"))


def show_holiday(console: Console, counts: FlagCounts) -> None:
    """The holiday week in figures: what the plain rule would flag, and what the dip rule flags."""
    console.print(Rule("Holiday week: a feed-wide dip is not an account drop"))
    depth = f"down {counts.dip.depth:.0%} across the board" if counts.dip else "not down across the board"
    console.print(
        f"Usage is {depth}. The plain rule would flag {counts.plainly:,} of the {counts.eligible:,} "
        f"eligible accounts; csm-coach flags {counts.flagged:,}, the accounts that fell beyond everyone "
        "else.\n"
    )


def show_round(console: Console, *, plans: list[RoundPlan], names: dict[str, str], first: str) -> None:
    """This morning's round as `csm-coach digest --dry-run` prints it: team posts and two DMs.

    The DMs shown are the one to `first` (the CSM with the review backlog) and the round's first other.
    """
    console.print(Rule("The morning round (csm-coach digest --dry-run)"))
    outgoing = [out for plan in plans for out in plan.outgoing]
    dms = [out for out in outgoing if isinstance(out.key, MorningDm)]
    shown = sorted(dms, key=lambda out: out.recipient != first)[:2]
    for out in [o for o in outgoing if not isinstance(o.key, MorningDm)] + shown:
        blocks = out.message.block_dicts()
        render_message(console, title=out.title, blocks=blocks, text=out.message.text, names=names)
        console.print()
    if len(dms) > len(shown):
        console.print(
            f"[dim]… and {plural(len(dms) - len(shown), 'more DM')}, one per CSM with something to act on.[/]"
        )


def show_week(
    console: Console, *, engine: Engine, settings: Settings, now: datetime, names: dict[str, str]
) -> None:
    """The manager's week of the first team (the one with the history), as its manager gets it."""
    with session_scope(engine) as session:
        first = next(iter(teams.teams_by_age(session=session)), None)
        if first is None:
            return
        week = weekly.compose(session=session, team=first, now=now, settings=settings)
        session.rollback()
    console.print(Rule("The manager's week (csm-coach digest --weekly --dry-run)"))
    for out in week.outgoing[:1]:
        blocks = out.message.block_dicts()
        render_message(console, title=out.title, blocks=blocks, text=out.message.text, names=names)
        console.print()


def showcase_csms(session: Session) -> list[Person]:
    """One CSM over band, one within, one under; a mixed book preferred where there is one."""
    all_books = [
        b
        for t in teams.teams_by_age(session=session)
        if t.id is not None
        for b in books.team_books(session=session, team_id=t.id)
    ]
    chosen: list[Person] = []
    for verdict in (Verdict.OVER, Verdict.WITHIN, Verdict.UNDER):
        candidates = sorted(
            (b for b in all_books if b.load.verdict is verdict),
            key=lambda b: (-len(b.load.segments), b.person.id or 0),
        )
        if candidates:
            chosen.append(candidates[0].person)
    return chosen


def show(
    console: Console,
    title: str,
    command: Any,
    person: Person,
    *,
    session: Session,
    settings: Settings,
    names: dict[str, str],
    now: datetime,
) -> None:
    name = "/myload" if command is myload else "/teamload"
    message = command.answer(
        SlashCommand(command=name, user_id=person.slack_user_id, text="", channel_id="", channel_name=""),
        session=session,
        settings=settings,
        now=now,
    )
    render_message(console, title=title, blocks=message.block_dicts(), text=message.text, names=names)
    console.print()
