"""What an import leaves behind besides its rows: playbook steps for new accounts and alerts that
match the data, so `/myload` and App Home tell the truth before the first morning round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import refresh_statistics, session_scope
from bot.plaintext import plural
from bot.services import alerts, localtime, steps, teams
from bot.services.usage import Medians, detect


@dataclass(frozen=True)
class Freshened:
    new_accounts: int  # accounts that got their playbook steps
    declining: int  # accounts declining as of each team's today


def after_import(*, session: Session, now: datetime, settings: Settings) -> Freshened:
    """Steps for accounts that have none, and each team's alerts judged for its local day, as the
    morning round would judge them; the caller commits."""
    started = steps.generate(session=session, today=now.date(), cadence=settings.review_cadence_days)
    rules = settings.decline_rules()
    medians = Medians()
    declining = 0
    for team in teams.all_teams(session=session):
        today = localtime.for_team(team, session=session, now=now).today
        detection = detect(session=session, today=today, rules=rules, team_id=team.id, medians=medians)
        alerts.refresh(session=session, detection=detection)
        declining += len(detection.declining)
    return Freshened(new_accounts=started, declining=declining)


def settle_import(kind: str, *, engine: Engine, now: datetime, settings: Settings) -> Freshened | None:
    """What follows every committed import, whatever brought it (a file, the API): the planner's
    statistics refreshed and, after accounts or usage, `after_import` in its own unit of work."""
    refresh_statistics(engine)
    if kind not in ("accounts", "usage"):
        return None
    with session_scope(engine) as session:
        return after_import(session=session, now=now, settings=settings)


def settle(kind: str, *, engine: Engine, now: datetime, settings: Settings) -> list[str]:
    """`settle_import`, and the lines that say what it did (a CSV import, a sync)."""
    fresh = settle_import(kind, engine=engine, now=now, settings=settings)
    if fresh is None:
        return []
    lines = []
    if kind == "accounts":
        lines.append(f"Playbook steps generated for {plural(fresh.new_accounts, 'new account')}.")
    lines.append(f"Declining usage now: {plural(fresh.declining, 'account')}.")
    return lines
