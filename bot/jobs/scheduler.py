"""APScheduler: each team's morning round at its post time, in its own time zone, and a catch-up.

The catch-up runs on start and every `CATCH_UP_EVERY`: it sends the round of any team whose post
time has passed today and whose round has not gone out (a clock started after the post time, a
restart, a deploy), and tries again what failed definitely, plan handoff DMs included; the same for the
managers' weekly DMs (`bot.jobs.weekly`) on the team's first working day. The delivery keys make it safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import session_scope
from bot.domain import weekdays
from bot.jobs.daily_sync import daily_sync, sync_time
from bot.jobs.digest import catch_up, morning_round
from bot.jobs.stopping import Stopper
from bot.jobs.weekly import weekly_round
from bot.services import localtime, teams
from bot.slack.client import make_round_client
from bot.slack.plan_dms import retry_failed_handoffs

log = logging.getLogger(__name__)

SYNC_JOB_ID = "sync-team-schedules"
CATCH_UP_JOB_ID = "catch-up-rounds"
CATCH_UP_EVERY = timedelta(minutes=2)
DAILY_SYNC_JOB_ID = "daily-sync"
DAILY_SYNC_CATCH_UP_JOB_ID = "daily-sync-catch-up"
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}


def team_job_id(team_id: int) -> str:
    return f"morning-round-team-{team_id}"


def team_trigger(post_time: str, zone: ZoneInfo, days: frozenset[int]) -> CronTrigger:
    """The team's post time on its working days, in its zone."""
    hour, minute = (int(part) for part in post_time.split(":"))
    return CronTrigger(day_of_week=weekdays.cron_days(days), hour=hour, minute=minute, timezone=zone)


def run_team_round(
    engine: Engine, settings: Settings, team_name: str, stopper: Stopper | None = None
) -> None:
    """A scheduled job: the round for one team, as of the moment it fires."""
    client = make_round_client(settings, token=settings.secret("slack_bot_token"))
    summary = morning_round(
        engine=engine,
        client=client,
        now=datetime.now(UTC),
        settings=settings,
        team_name=team_name,
        stop=stopper.event if stopper else None,
    )
    log.info("team %s: %s", team_name, summary.line())
    weekly = weekly_round(
        engine=engine, client=client, now=datetime.now(UTC), settings=settings, team_name=team_name
    )
    if weekly.outcomes or weekly.failures:
        log.info("team %s: %s", team_name, weekly.line())


def run_catch_up(engine: Engine, settings: Settings, stopper: Stopper | None = None) -> None:
    """A scheduled job: every team whose round is due and has not gone out today, and the plan
    handoff DMs Slack refused definitely."""
    client = make_round_client(settings, token=settings.secret("slack_bot_token"))
    stop = stopper.event if stopper else None
    for name, summary in catch_up(
        engine=engine, client=client, now=datetime.now(UTC), settings=settings, stop=stop
    ):
        log.info("team %s (catching up): %s", name, summary.line())
    now = datetime.now(UTC)
    what = "The manager's week (catching up)"
    weekly = weekly_round(engine=engine, client=client, now=now, settings=settings, stop=stop, what=what)
    if weekly.outcomes or weekly.failures:
        log.info("%s", weekly.line())
    handoffs = retry_failed_handoffs(engine=engine, client=client, now=datetime.now(UTC), stop=stop)
    if handoffs.outcomes:
        log.info("%s", handoffs.line())


def run_daily_sync(engine: Engine, settings: Settings, path: Path) -> None:
    """A scheduled job: today's sync from the SQL sources, unless a clock already took it."""
    for line in daily_sync(engine=engine, settings=settings, now=datetime.now(UTC), path=path):
        log.info("%s", line)


@dataclass(frozen=True)
class TeamJob:
    """What the clock scheduled for one team: the round's arguments and when it fires."""

    team_name: str
    post_time: str
    zone: str
    days: frozenset[int]


class Schedule:
    """The jobs this clock scheduled, as it scheduled them: one per team, re-read from the database
    so `team set` takes effect without a restart."""

    def __init__(
        self, scheduler: BaseScheduler, engine: Engine, settings: Settings, stopper: Stopper | None = None
    ) -> None:
        self.scheduler, self.engine, self.settings, self.stopper = scheduler, engine, settings, stopper
        self.teams: dict[str, TeamJob] = {}  # by job id

    def sync_teams(self) -> None:
        wanted: dict[str, TeamJob] = {}
        with session_scope(self.engine) as session:
            for team in teams.all_teams(session=session):
                assert team.id is not None
                zone = localtime.team_zone(team, session=session)
                wanted[team_job_id(team.id)] = TeamJob(
                    team.name, team.post_time, zone.key, self.settings.post_days
                )
        for job_id, job in wanted.items():
            if self.teams.get(job_id) == job:
                continue
            trigger = team_trigger(job.post_time, ZoneInfo(job.zone), job.days)
            run = self.stopper.guard(run_team_round) if self.stopper else run_team_round
            self.scheduler.add_job(
                run,
                trigger,
                args=(self.engine, self.settings, job.team_name, self.stopper),
                id=job_id,
                name=f"morning round · {job.team_name}",
                replace_existing=True,
            )
            self.teams[job_id] = job
            log.info("scheduled %s at %s %s", job.team_name, job.post_time, trigger.timezone)
        for job_id in set(self.teams) - set(wanted):
            self.scheduler.remove_job(job_id)
            del self.teams[job_id]


def configure(
    scheduler: BaseScheduler,
    engine: Engine,
    settings: Settings,
    stopper: Stopper | None = None,
    *,
    sync_config: Path | None = None,
) -> Schedule:
    """The rounds' jobs, and the daily sync when a configuration file names SQL sources."""
    scheduler.configure(timezone=ZoneInfo("UTC"), job_defaults=JOB_DEFAULTS)
    schedule = Schedule(scheduler, engine, settings, stopper)
    schedule.sync_teams()
    scheduler.add_job(
        schedule.sync_teams,
        IntervalTrigger(minutes=5),
        id=SYNC_JOB_ID,
        name="re-read team schedules",
        replace_existing=True,
    )
    scheduler.add_job(
        stopper.guard(run_catch_up) if stopper else run_catch_up,
        IntervalTrigger(seconds=CATCH_UP_EVERY.total_seconds()),
        args=(engine, settings, stopper),
        id=CATCH_UP_JOB_ID,
        name="catch up on rounds not sent today",
        next_run_time=datetime.now(UTC),  # at start: a clock that comes back late sends at once
        replace_existing=True,
    )
    if sync_config is not None:
        at = sync_time(settings)
        job = stopper.guard(run_daily_sync) if stopper else run_daily_sync
        scheduler.add_job(
            job,
            CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo("UTC")),
            args=(engine, settings, sync_config),
            id=DAILY_SYNC_JOB_ID,
            name=f"sync from {sync_config.name} at {settings.sync_time} UTC",
            replace_existing=True,
        )
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=CATCH_UP_EVERY.total_seconds()),
            args=(engine, settings, sync_config),
            id=DAILY_SYNC_CATCH_UP_JOB_ID,
            name="catch up on today's sync",
            next_run_time=datetime.now(UTC),  # at start: a clock started after SYNC_TIME syncs at once
            replace_existing=True,
        )
    return schedule
