"""The manager's week over the database: a team's alerts, actions, reviews and books, as plain facts
for `bot.domain.week`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from bot.domain import week as rules
from bot.domain.playbooks import Step
from bot.models import (
    Account,
    Alert,
    AlertAction,
    AlertActionKind,
    Person,
    PlaybookStep,
    Role,
    StepStatus,
    Team,
)
from bot.services import books, localtime
from bot.services.books import Book

_CHUNK = 500


@dataclass(frozen=True)
class WeekReport:
    team: str
    week: rules.Week
    post_days: frozenset[int]
    books: list[Book]
    declines: rules.Declines
    reviews: rules.Reviews
    lift: rules.Lift


def managers(*, session: Session, team_id: int) -> Sequence[Person]:
    """The team's active managers: who gets its weekly DM."""
    return session.exec(
        select(Person)
        .where(Person.team_id == team_id, col(Person.active).is_(True), Person.role == Role.MANAGER)
        .order_by(col(Person.name), col(Person.id))
    ).all()


def week_report(*, session: Session, team: Team, now: datetime, post_days: frozenset[int]) -> WeekReport:
    """The week just ended for the team, with its figures as they stand at `now` (the team's local day)."""
    assert team.id is not None
    local = localtime.for_team(team, session=session, now=now)
    week = rules.week_before(local.today)
    facts = alert_facts(session=session, team_id=team.id, week=week, now=now, zone=local.zone)
    return WeekReport(
        team=team.name,
        week=week,
        post_days=post_days,
        books=books.team_books(session=session, team_id=team.id),
        declines=rules.declines(facts, week, post_days),
        reviews=rules.reviews(review_facts(session=session, team_id=team.id, week=week), week),
        lift=rules.lift(rules.flagged_for_lift(facts, week.day), week.day),
    )


def alert_facts(
    *, session: Session, team_id: int, week: rules.Week, now: datetime, zone: ZoneInfo
) -> list[rules.AlertFacts]:
    """The alerts of the team's accounts that any figure of the week can need, with their actions up to `now`.

    That is: open ones, ones closed since the week began, and ones raised since the lift's window began.
    """
    since = week.start - timedelta(days=rules.LIFT_TO_DAYS)  # a recovery is watched that long (and the lift)
    rows = session.exec(
        select(Alert, Account.name, Account.arr, Person.slack_user_id)
        .join(Account, col(Account.id) == col(Alert.account_id))
        .join(Person, col(Person.id) == col(Account.owner_id))
        .where(
            Person.team_id == team_id,
            col(Alert.opened_on) <= week.day,
            or_(
                col(Alert.closed_on).is_(None),
                col(Alert.closed_on) >= week.start,
                col(Alert.opened_on) >= since,
            ),
        )
    ).all()
    actions = _actions(session, [alert.id for alert, *_ in rows if alert.id is not None], now, zone)
    return [
        rules.AlertFacts(
            alert_id=alert.id or 0,
            account_id=alert.account_id,
            account=name,
            owner=owner,
            arr=float(arr),
            drop=alert.drop,
            opened_on=alert.opened_on,
            closed_on=alert.closed_on,
            recovered_on=alert.recovered_on,
            raised_baseline=alert.raised_baseline_mean,
            reached_out_on=tuple(actions[(alert.id or 0, AlertActionKind.REACHED_OUT)]),
            snoozed_on=tuple(actions[(alert.id or 0, AlertActionKind.SNOOZED)]),
        )
        for alert, name, arr, owner in rows
    ]


def _actions(
    session: Session, alert_ids: list[int], now: datetime, zone: ZoneInfo
) -> defaultdict[tuple[int, AlertActionKind], list[date]]:
    """Each alert's actions up to `now`, as the team's local days."""
    found: defaultdict[tuple[int, AlertActionKind], list[date]] = defaultdict(list)
    for start in range(0, len(alert_ids), _CHUNK):
        chunk = alert_ids[start : start + _CHUNK]
        rows = session.exec(
            select(AlertAction.alert_id, AlertAction.kind, AlertAction.acted_at).where(
                col(AlertAction.alert_id).in_(chunk)
            )
        ).all()
        for alert_id, kind, at in rows:
            aware = at if at.tzinfo else at.replace(tzinfo=localtime.UTC_ZONE)  # SQLite drops the zone
            if aware <= now:
                found[(alert_id, AlertActionKind(kind))].append(aware.astimezone(zone).date())
    return found


def review_facts(*, session: Session, team_id: int, week: rules.Week) -> list[rules.ReviewFacts]:
    """The team's Executive Outcomes Reviews done in the week or open and due by the report's day."""
    rows = session.exec(
        select(
            col(PlaybookStep.due_on),
            col(PlaybookStep.completed_on),
            col(PlaybookStep.status),
            col(PlaybookStep.from_first_sight),
        )
        .join(Account, col(Account.id) == col(PlaybookStep.account_id))
        .join(Person, col(Person.id) == col(Account.owner_id))
        .where(
            Person.team_id == team_id,
            PlaybookStep.step == Step.REVIEW.value,
            or_(
                (col(PlaybookStep.status) == StepStatus.DONE)
                & (col(PlaybookStep.completed_on) >= week.start),
                (col(PlaybookStep.status) == StepStatus.OPEN) & (col(PlaybookStep.due_on) <= week.day),
            ),
        )
    ).all()
    return [
        rules.ReviewFacts(
            due_on=due_on,
            completed_on=completed_on if status == StepStatus.DONE else None,
            open=status == StepStatus.OPEN,
            from_first_sight=bool(first_sight),
        )
        for due_on, completed_on, status, first_sight in rows
    ]
