"""Usage alerts: raised, kept up to date and closed from each morning's detection; snoozes and outreach."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.db import update_if
from bot.domain.usage import DeclineRules, Trend, money_at_risk
from bot.domain.week import LIFT_TO_DAYS, recovered
from bot.models import Account, Alert, AlertAction, AlertActionKind, Person
from bot.services.usage import Detection, daily_values, sparkline_window


@dataclass(frozen=True)
class Decline:
    """One declining account as a post shows it."""

    alert: Alert
    account: Account

    @property
    def at_risk(self) -> float:
        return money_at_risk(self.account.arr, self.alert.drop)

    def days_declining(self, today: date) -> int:
        return (today - self.alert.opened_on).days


@dataclass(frozen=True)
class DeclineView:
    """A declining account with what a post says about it."""

    decline: Decline
    values: Sequence[float]  # last weeks, one per day, for the sparkline


def with_sparklines(*, session: Session, declines: Sequence[Decline], today: date) -> list[DeclineView]:
    """Each decline with its sparkline: the days a sparkline shows, ending on the feed's newest day."""
    first, last = sparkline_window(today, session=session)
    series = daily_values(
        session=session, account_ids=[d.account.id for d in declines if d.account.id], first=first, last=last
    )
    return [DeclineView(d, series.get(d.account.id or 0, [])) for d in declines]


def refresh(*, session: Session, detection: Detection) -> None:
    """Open an alert for each newly declining account, update the open ones, close the recovered."""
    if detection.feed.stale:
        return
    today = detection.today
    open_alerts = {
        a.account_id: a for a in session.exec(select(Alert).where(col(Alert.closed_on).is_(None))).all()
    }
    for account_id, result in detection.assessments.items():
        found = open_alerts.get(account_id)
        if result.trend is Trend.DECLINING:
            if found is None:
                _insert_open_alert(
                    session, account_id, today, result.drop, result.recent_mean, result.baseline_mean
                )
            elif found.last_seen_on <= today:
                found.last_seen_on = today
                found.drop, found.recent_mean, found.baseline_mean = (
                    result.drop,
                    result.recent_mean,
                    result.baseline_mean,
                )
                session.add(found)
        elif result.trend is Trend.RECOVERED and found is not None and found.opened_on <= today:
            found.closed_on = today
            session.add(found)
    _mark_recoveries(session, detection)
    session.flush()


# The outreach lift looks at alerts raised 28 to 56 days before a report: a recovery is watched for that long.
RECOVERY_WATCH_DAYS = LIFT_TO_DAYS


def _mark_recoveries(session: Session, detection: Detection) -> None:
    """The first morning an alert's account is back to the recovery share of its baseline when raised.

    Judged against the baseline of the morning it was raised, not today's: the windows move on, and a
    baseline that has taken in the low weeks would call an account recovered that never came back.
    Closed alerts are watched too (an alert closes against today's baseline).
    """
    query = select(Alert).where(
        col(Alert.recovered_on).is_(None),
        col(Alert.raised_baseline_mean).is_not(None),
        col(Alert.opened_on) < detection.today,
        col(Alert.opened_on) >= detection.today - timedelta(days=RECOVERY_WATCH_DAYS),
    )
    if detection.team_id is not None:  # only the team's: each team's round reads its own
        query = (
            query.join(Account, col(Account.id) == col(Alert.account_id))
            .join(Person, col(Person.id) == col(Account.owner_id))
            .where(Person.team_id == detection.team_id)
        )
    watched = session.exec(query).all()
    for alert in watched:
        result = detection.assessments.get(alert.account_id)  # another team's account: its own round
        if result is not None and recovered(result.recent_mean, alert.raised_baseline_mean or 0.0):
            alert.recovered_on = detection.today
            session.add(alert)


def _insert_open_alert(
    session: Session, account_id: int, today: date, drop: float, recent: float, baseline: float
) -> None:
    """Insert unless another process just opened one for the account (the partial unique index)."""
    values = {
        "account_id": account_id,
        "opened_on": today,
        "last_seen_on": today,
        "drop": drop,
        "recent_mean": recent,
        "baseline_mean": baseline,
        "raised_baseline_mean": baseline,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Alert)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["account_id"], index_where=text("closed_on IS NULL"))
    )
    session.exec(statement)


def visible(alert: Alert, today: date, rules: DeclineRules) -> bool:
    """Open and not snoozed (or dropped a further 20 points since the snooze)."""
    if alert.closed_on is not None:
        return False
    if alert.snoozed_until is not None and today < alert.snoozed_until:
        return alert.drop >= (alert.snoozed_at_drop or 0) + rules.snooze_redrop - 1e-9
    return True


def shown_today(alert: Alert, today: date, rules: DeclineRules) -> bool:
    """Declining in today's detection and visible."""
    return alert.last_seen_on == today and visible(alert, today, rules)


def current_for(*, session: Session, owner_ids: list[int], today: date, rules: DeclineRules) -> list[Decline]:
    """An owner's declining accounts as of the latest round (today's, or yesterday's before it runs)."""
    if not owner_ids:
        return []
    rows = session.exec(
        select(Alert, Account)
        .join(Account, col(Account.id) == col(Alert.account_id))
        .where(
            col(Account.owner_id).in_(owner_ids),
            col(Alert.closed_on).is_(None),
            col(Alert.last_seen_on) >= today - timedelta(days=1),
        )
    ).all()
    found = [Decline(alert, account) for alert, account in rows if visible(alert, today, rules)]
    return sorted(found, key=lambda d: (-d.at_risk, d.account.name))


def declines(*, session: Session, detection: Detection, rules: DeclineRules) -> list[Decline]:
    """Today's declining accounts of the detection's scope, money at risk first."""
    accounts = detection.declining
    if detection.feed.stale or not accounts:
        return []
    alerts = session.exec(
        select(Alert).where(col(Alert.closed_on).is_(None), col(Alert.last_seen_on) == detection.today)
    ).all()
    found = [
        Decline(alert, accounts[alert.account_id])
        for alert in alerts
        if alert.account_id in accounts and shown_today(alert, detection.today, rules)
    ]
    return sorted(found, key=lambda d: (-d.at_risk, d.account.name))


def snooze(*, session: Session, alert: Alert, by: str, now: datetime, today: date, days: int) -> bool:
    """Hide the alert for `days`; False when it is already snoozed at least that long (a double click)."""
    until = today + timedelta(days=days)
    shorter = col(Alert.snoozed_until).is_(None) | (col(Alert.snoozed_until) < until)
    values = {"snoozed_until": until, "snoozed_at_drop": alert.drop, "snoozed_by": by, "snoozed_at": now}
    changed = update_if(session, alert, shorter, **values)
    if changed:
        _record_action(session, alert, AlertActionKind.SNOOZED, by, now)
    return changed


def reached_out(*, session: Session, alert: Alert, by: str, now: datetime) -> bool:
    """Record the outreach once; False when it was already recorded."""
    not_yet = col(Alert.reached_out_at).is_(None)
    changed = update_if(session, alert, not_yet, reached_out_by=by, reached_out_at=now)
    if changed:
        _record_action(session, alert, AlertActionKind.REACHED_OUT, by, now)
    return changed


def _record_action(session: Session, alert: Alert, kind: AlertActionKind, by: str, now: datetime) -> None:
    """Every action that changed the alert is kept (for the manager's week); the alert holds the latest."""
    assert alert.id is not None
    session.add(AlertAction(alert_id=alert.id, kind=kind, acted_by=by, acted_at=now))
    session.flush()
