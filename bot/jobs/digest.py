"""The morning round: per team, one channel post and one DM per CSM with something to act on.

`bot.jobs.compose` decides what each recipient gets; the outbox (`bot.outbox`) sends it, at most
once; `bot.jobs.rounds` records whether each team's round went out today, so a clock that starts
late catches up (`catch_up`) and a definite failure is tried again later the same day.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import session_scope
from bot.domain import weekdays
from bot.jobs import rounds
from bot.jobs.compose import plan_team, select_teams
from bot.outbox.delivery import deliver
from bot.outbox.report import DeliveryReport, describe
from bot.plaintext import plural
from bot.services import teams
from bot.services.usage import Medians

log = logging.getLogger(__name__)

WHAT = "Morning round"  # how its report starts


@dataclass
class Round:
    """One pass of the morning round over some teams: what every team's round in it shares.

    The workspace's median ratio (`medians`) is read once per pass, for the first team that needs it.
    """

    engine: Engine
    client: WebClient
    now: datetime
    settings: Settings
    stop: threading.Event | None = None
    medians: Medians = field(default_factory=Medians)

    def __post_init__(self) -> None:
        self.now = self.now.astimezone(UTC)  # stored moments are compared as UTC, on SQLite too

    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def teams(self, team_name: str | None = None) -> list[tuple[int, str]]:
        with session_scope(self.engine) as session:
            return [
                (t.id, t.name) for t in select_teams(session=session, team_name=team_name) if t.id is not None
            ]

    def run_team(self, team_id: int, *, force: bool) -> DeliveryReport | None:
        """One team's round, isolated: whatever fails is in the report, never raised. None when the
        round was not taken (done, running elsewhere, not due again yet)."""
        engine, now = self.engine, self.now
        report = DeliveryReport(WHAT)
        try:
            with session_scope(engine) as session:
                team = teams.get_team(session=session, team_id=team_id)
                if team is None:
                    return None
                name = team.name
                day = rounds.local_date(session=session, team=team, now=now)
            if not rounds.begin(engine=engine, team_id=team_id, day=day, now=now, force=force):
                return None
        except Exception as exc:  # noqa: BLE001 - no record taken: the next catch-up tries again
            log.exception("team %s: the round could not start", team_id)
            report.note(
                "failed", f"team {team_id}", f"the round could not start ({describe(exc)}); tried again later"
            )
            report.retry = True
            return report
        try:
            with session_scope(engine) as session:
                team = teams.get_team(session=session, team_id=team_id)
                assert team is not None
                plan = plan_team(
                    session=session, team=team, now=now, settings=self.settings, medians=self.medians
                )
        except Exception as exc:  # noqa: BLE001 - one team's failure never stops the next team
            log.exception("team %s: the round could not be composed", name)
            report.failures.append(f"team {name}: not composed ({describe(exc)}); tried again later")
            report.retry = True
        else:
            if plan.feed.stale:
                report.stale.append(plan.team)
            report.failures.extend(plan.unsent)
            for out in plan.outgoing:
                if self.stopping():
                    report.note("not started")
                    report.retry = True  # the next clock sends it
                    continue
                deliver(engine=engine, client=self.client, out=out, now=now, report=report)
        try:
            rounds.end(engine=engine, team_id=team_id, day=day, now=now, report=report)
        except Exception:  # noqa: BLE001 - left `running`: a later catch-up takes it again, safely
            log.exception("team %s: the round's outcome could not be recorded", name)
        return report


def morning_round(
    *,
    engine: Engine,
    client: WebClient,
    now: datetime,
    settings: Settings,
    team_name: str | None = None,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Every team's round now (or one team's), whatever was sent before: nothing goes twice."""
    total = DeliveryReport(WHAT)
    this = Round(engine=engine, client=client, now=now, settings=settings, stop=stop)
    for team_id, _name in this.teams(team_name):
        if this.stopping():
            break
        part = this.run_team(team_id, force=True)
        if part is not None:
            total.merge(part)
    return total


def catch_up(
    *,
    engine: Engine,
    client: WebClient,
    now: datetime,
    settings: Settings,
    stop: threading.Event | None = None,
) -> Iterator[tuple[str, DeliveryReport]]:
    """The round of each team whose post time has passed today and whose round has not gone out
    (or failed definitely and is due again): what a clock does on start and every few minutes."""
    this = Round(engine=engine, client=client, now=now, settings=settings, stop=stop)
    for team_id, name in this.teams():
        if this.stopping():
            return
        try:
            with session_scope(engine) as session:
                team = teams.get_team(session=session, team_id=team_id)
                if team is None:
                    continue
                where = rounds.standing(session=session, team=team, now=now, settings=settings)
            if where.due in (rounds.Due.OFF_DAY, rounds.Due.TOO_LATE):
                _pass_over(engine=engine, team_id=team_id, name=name, where=where, now=now, settings=settings)
                continue
        except Exception:  # noqa: BLE001 - one team's trouble never stops the next team
            log.exception("team %s: cannot tell whether its round is due", name)
            continue
        if where.due is rounds.Due.NOW:
            part = this.run_team(team_id, force=False)
            if part is not None:
                yield name, part


def _pass_over(
    *, engine: Engine, team_id: int, name: str, where: rounds.Standing, now: datetime, settings: Settings
) -> None:
    """Say once per team and day why the clock sends no round today, and when the next one goes."""
    if where.due is rounds.Due.OFF_DAY:
        why = f"{where.local.now:%A} is not a working day (POST_DAYS={weekdays.describe(settings.post_days)})"
    else:
        why = (
            f"it is {where.local.now:%H:%M}, more than {plural(settings.catch_up_hours, 'hour')} "
            "after the post time (CATCH_UP_HOURS)"
        )
    if rounds.pass_over(engine=engine, team_id=team_id, day=where.local.today, now=now, why=why):
        log.info(
            "team %s: no round today: %s; the next one goes %s",
            name,
            why,
            f"{where.next_post:%a %d %b %H:%M} {where.next_post.tzinfo}",
        )
