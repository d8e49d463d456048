"""The demo's last eight weeks, lived morning by morning: each working day the round's detection raises,
updates and closes alerts (and marks recoveries), and the CSMs reach out on or snooze chosen ones the
next working day, so the manager's week has a real outreach lift to show."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import Settings
from bot.db import session_scope
from bot.demo.company import Episode
from bot.domain.week import LIFT_TO_DAYS
from bot.models import Account, Alert, Person
from bot.services import alerts, teams
from bot.services.usage import Medians, detect


def live_history(
    engine: Engine, episodes: tuple[Episode, ...], *, today: date, settings: Settings
) -> tuple[int, int]:
    """Every working day from `LIFT_TO_DAYS` before today up to yesterday; (mornings, actions taken)."""
    by_id = {e.external_id: e for e in episodes}
    mornings = actions = 0
    day = today - timedelta(days=LIFT_TO_DAYS)
    while day < today:
        if day.weekday() in settings.post_days:
            mornings += 1
            actions += _morning(engine, day, by_id, settings=settings)
        day += timedelta(days=1)
    return mornings, actions


def _morning(engine: Engine, day: date, episodes: dict[str, Episode], *, settings: Settings) -> int:
    medians = Medians()
    decline_rules = settings.decline_rules()
    with session_scope(engine) as session:
        for team in teams.all_teams(session=session):
            detection = detect(
                session=session, today=day, rules=decline_rules, team_id=team.id, medians=medians
            )
            alerts.refresh(session=session, detection=detection)
        # Yesterday's (or Friday's) alerts of the episodes get their CSM's answer this morning.
        rows = session.exec(
            select(Alert, Account.external_id, Person.slack_user_id)
            .join(Account, col(Account.id) == col(Alert.account_id))
            .join(Person, col(Person.id) == col(Account.owner_id))
            .where(
                col(Alert.closed_on).is_(None),
                col(Alert.opened_on) < day,
                col(Alert.reached_out_at).is_(None),
                col(Alert.snoozed_at).is_(None),
                col(Account.external_id).in_(list(episodes)),
            )
        ).all()
        now = datetime.combine(day, time(10), tzinfo=UTC)
        taken = 0
        for alert, external_id, owner in rows:
            episode = episodes[external_id]
            if episode.reach:
                taken += alerts.reached_out(session=session, alert=alert, by=owner, now=now)
            elif episode.snooze:
                days = settings.snooze_days
                taken += alerts.snooze(session=session, alert=alert, by=owner, now=now, today=day, days=days)
    return taken
