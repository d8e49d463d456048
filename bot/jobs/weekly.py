"""The manager's week: on the team's first working day (`POST_DAYS`), at its post time in its zone, each
manager of the team gets one DM about the week just ended.

It goes through the outbox under a `WeeklyDm` key (manager, local week): a row claimed before the
send, so a second run, a second clock or a catch-up sends nothing twice, and a send in doubt is never
repeated. The local week is the Monday of the team's local day. The clock sends it at the post time
and catches it up, like the round, within `CATCH_UP_HOURS`; `digest --weekly` sends it whatever the day.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import session_scope
from bot.domain.week import is_report_day, week_key
from bot.jobs.compose import select_teams
from bot.jobs.rounds import post_time_of
from bot.models import Delivery, DeliveryKind, DeliveryStatus, Team
from bot.outbox.delivery import MAX_ATTEMPTS, deliver
from bot.outbox.outgoing import Outgoing, WeeklyDm
from bot.outbox.report import DeliveryReport, describe
from bot.services import localtime, teams
from bot.services.week import managers, week_report
from bot.slack.blocks.common import RulesInForce
from bot.slack.blocks.week import manager_week_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeamWeek:
    team: str
    outgoing: list[Outgoing]


def compose(*, session: Session, team: Team, now: datetime, settings: Settings) -> TeamWeek:
    """One DM per active manager of the team, keyed by the Monday of the team's local week."""
    assert team.id is not None
    report = week_report(session=session, team=team, now=now, post_days=settings.post_days)
    message = manager_week_message(report, RulesInForce.of(settings))
    return TeamWeek(
        team.name,
        [
            Outgoing(
                WeeklyDm(person.slack_user_id, report.week.key),
                team.id,
                f"Weekly DM to {person.name} ({person.slack_user_id}) · team {team.name}",
                message,
            )
            for person in managers(session=session, team_id=team.id)
        ],
    )


def due(*, session: Session, team: Team, now: datetime, settings: Settings) -> bool:
    """The team's first working day of the week, from its post time to `CATCH_UP_HOURS` after it."""
    local = localtime.for_team(team, session=session, now=now)
    if not is_report_day(local.today, settings.post_days):
        return False
    posted_at = datetime.combine(local.today, post_time_of(team), tzinfo=local.zone)
    return posted_at <= local.now <= posted_at + timedelta(hours=settings.catch_up_hours)


def unsettled(*, session: Session, team: Team, now: datetime) -> bool:
    """Whether some manager of the team has no weekly DM this local week yet (or one to try again)."""
    assert team.id is not None
    key = week_key(localtime.for_team(team, session=session, now=now).today)
    wanted = {p.slack_user_id for p in managers(session=session, team_id=team.id)}
    if not wanted:
        return False
    rows = session.exec(
        select(Delivery.recipient, Delivery.status, Delivery.attempts).where(
            Delivery.kind == DeliveryKind.WEEKLY_DM,
            Delivery.local_date == key,
            col(Delivery.recipient).in_(wanted),
        )
    ).all()
    settled = {
        who for who, status, attempts in rows if status != DeliveryStatus.FAILED or attempts >= MAX_ATTEMPTS
    }
    return bool(wanted - settled)


def weekly_round(
    *,
    engine: Engine,
    client: WebClient,
    now: datetime,
    settings: Settings,
    team_name: str | None = None,
    force: bool = False,
    stop: threading.Event | None = None,
    what: str = "The manager's week",
) -> DeliveryReport:
    """Every team's weekly DMs that are due now (`force`: whatever the day), each at most once a week."""
    now = now.astimezone(UTC)
    summary = DeliveryReport(what)
    with session_scope(engine) as session:
        names = [t.name for t in select_teams(session=session, team_name=team_name)]
    for name in names:
        if stop is not None and stop.is_set():
            break
        try:
            with session_scope(engine) as session:
                team = teams.find_team(session=session, name=name)
                if team is None:
                    continue
                if not force and not (
                    due(session=session, team=team, now=now, settings=settings)
                    and unsettled(session=session, team=team, now=now)
                ):
                    continue
                week = compose(session=session, team=team, now=now, settings=settings)
        except Exception as exc:  # noqa: BLE001 - one team's trouble never stops the next team
            log.exception("team %s: the manager's week could not be composed", name)
            summary.failures.append(f"team {name}: the manager's week not composed ({describe(exc)})")
            summary.retry = True
            continue
        for out in week.outgoing:
            if stop is not None and stop.is_set():
                summary.note("not started")
                continue
            deliver(engine=engine, client=client, out=out, now=now, report=summary)
    return summary


def plan_weeks(*, engine: Engine, now: datetime, settings: Settings, team_name: str | None) -> list[TeamWeek]:
    """What `digest --weekly --dry-run` prints: every team's weekly DMs, composed, nothing written."""
    with session_scope(engine, commit=False) as session:
        return [
            compose(session=session, team=team, now=now, settings=settings)
            for team in select_teams(session=session, team_name=team_name)
        ]
