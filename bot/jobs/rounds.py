"""Whether each team's round went out today: the record that lets a late clock catch up.

A `TeamRound` row per (team, local date) says the round is running, done, or to be tried again
at `retry_at` after a definite failure (backoff: attempts × 2 minutes, at most 30, for at most
`MAX_ATTEMPTS` tries). A round left `running` by a killed process is taken again after
`STALE_RUNNING`; the delivery keys make any repeat send nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Engine, and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import session_scope
from bot.domain import weekdays
from bot.models import RoundState, Team, TeamRound
from bot.outbox.report import DeliveryReport
from bot.services import localtime

BACKOFF_STEP = timedelta(minutes=2)
BACKOFF_CAP = timedelta(minutes=30)
MAX_ATTEMPTS = 12
STALE_RUNNING = timedelta(minutes=20)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_STEP * max(attempts, 1), BACKOFF_CAP)


def post_time_of(team: Team) -> time:
    hour, minute = (int(part) for part in team.post_time.split(":"))
    return time(hour, minute)


def local_date(*, session: Session, team: Team, now: datetime) -> date:
    return localtime.for_team(team, session=session, now=now).today


class Due(StrEnum):
    """Where a team's round of today stands for the clock's catch-up."""

    NOW = "due"
    NOT_YET = "before the post time"
    TAKEN = "taken"  # done, running elsewhere, or waiting for its retry
    OFF_DAY = "not a working day"
    TOO_LATE = "past the catch-up window"


@dataclass(frozen=True)
class Standing:
    due: Due
    local: localtime.LocalTime
    next_post: datetime  # the next working day's post time after now, in the team's zone


def standing(*, session: Session, team: Team, now: datetime, settings: Settings) -> Standing:
    """Whether the clock should send the team's round of today now (docs/how-it-works.md, "Working days").

    Only on a working day (`POST_DAYS`), from the post time to `CATCH_UP_HOURS` after it; a round
    already begun is taken again after a definite failure (all day) or when left running (in the window).
    """
    local = localtime.for_team(team, session=session, now=now)
    post = post_time_of(team)
    following = weekdays.next_post(local.now, post, settings.post_days)
    posted_at = datetime.combine(local.today, post, tzinfo=local.zone)
    in_window = posted_at <= local.now <= posted_at + timedelta(hours=settings.catch_up_hours)
    row = session.exec(
        select(TeamRound).where(TeamRound.team_id == team.id, TeamRound.local_date == local.today)
    ).first()
    if row is not None:
        retry = row.state == RoundState.RETRY or in_window
        return Standing(Due.NOW if retry and _may_take(row, now) else Due.TAKEN, local, following)
    if local.today.weekday() not in settings.post_days:
        return Standing(Due.OFF_DAY, local, following)
    if local.now < posted_at:
        return Standing(Due.NOT_YET, local, following)
    return Standing(Due.NOW if in_window else Due.TOO_LATE, local, following)


def pass_over(*, engine: Engine, team_id: int, day: date, now: datetime, why: str) -> bool:
    """Record that the clock lets today's round go (an off day, too late to catch up); True the first
    time only, so the reason is said once per team and day, whatever the number of clocks."""
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                session.add(
                    TeamRound(
                        team_id=team_id,
                        local_date=day,
                        state=RoundState.PASSED,
                        attempts=0,
                        started_at=now,
                        finished_at=now,
                        summary=why[:500],
                    )
                )
        except IntegrityError:
            return False
    return True


def _may_take(row: TeamRound, now: datetime) -> bool:
    if row.attempts >= MAX_ATTEMPTS:
        return False
    if row.state == RoundState.RETRY:
        return row.retry_at is None or _aware(row.retry_at) <= now
    return row.state == RoundState.RUNNING and _aware(row.started_at) <= now - STALE_RUNNING


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=localtime.UTC_ZONE)


def begin(*, engine: Engine, team_id: int, day: date, now: datetime, force: bool) -> bool:
    """Take today's round of the team; False when it is done, running elsewhere or not yet due again.

    `force` (a `digest` run by hand, or the post time itself) takes it whatever its state: the
    delivery keys still send nothing twice.
    """
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                session.add(
                    TeamRound(team_id=team_id, local_date=day, state=RoundState.RUNNING, started_at=now)
                )
            return True
        except IntegrityError:
            pass
        this = (col(TeamRound.team_id) == team_id, col(TeamRound.local_date) == day)
        condition = and_(
            col(TeamRound.attempts) < MAX_ATTEMPTS,
            or_(
                and_(
                    col(TeamRound.state) == RoundState.RETRY,
                    or_(col(TeamRound.retry_at).is_(None), col(TeamRound.retry_at) <= now),
                ),
                and_(
                    col(TeamRound.state) == RoundState.RUNNING,
                    col(TeamRound.started_at) <= now - STALE_RUNNING,
                ),
            ),
        )
        taken = session.exec(
            update(TeamRound)
            .where(*this, *(() if force else (condition,)))
            .values(
                state=RoundState.RUNNING,
                started_at=now,
                attempts=col(TeamRound.attempts) + 1,
                retry_at=None,
                finished_at=None,
            )
        )
        return bool(taken.rowcount == 1)


def end(*, engine: Engine, team_id: int, day: date, now: datetime, report: DeliveryReport) -> None:
    """Done, unless something failed definitely and attempts remain: then again after a backoff."""
    with session_scope(engine) as session:
        row = session.exec(
            select(TeamRound).where(TeamRound.team_id == team_id, TeamRound.local_date == day)
        ).one()
        again = report.retry and row.attempts < MAX_ATTEMPTS
        row.state = RoundState.RETRY if again else RoundState.DONE
        # Messages left unstarted by a stopping clock are due at once: the next clock sends them.
        wait = timedelta(0) if report.outcomes["not started"] else backoff(row.attempts)
        row.retry_at = now + wait if again else None
        row.finished_at = now
        row.summary = report.line()[:500]
        session.add(row)
