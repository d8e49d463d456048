"""APScheduler: each team's morning round at its post time, in its own time zone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import session_scope
from bot.jobs.digest import morning_round
from bot.services import localtime, teams
from bot.slack.client import make_client

log = logging.getLogger(__name__)

SYNC_JOB_ID = "sync-team-schedules"
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}


def team_job_id(team_id: int) -> str:
    return f"morning-round-team-{team_id}"


def team_trigger(post_time: str, zone: ZoneInfo) -> CronTrigger:
    hour, minute = (int(part) for part in post_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=zone)


def run_team_round(engine: Engine, settings: Settings, team_name: str) -> None:
    """A scheduled job: the round for one team, as of the moment it fires."""
    client = make_client(settings, token=settings.secret("slack_bot_token"))
    summary = morning_round(
        engine=engine, client=client, now=datetime.now(UTC), settings=settings, team_name=team_name
    )
    log.info("team %s: %s", team_name, summary.line())


def sync_jobs(scheduler: BaseScheduler, engine: Engine, settings: Settings) -> None:
    """One job per team, re-read from the database so `team set` takes effect without a restart."""
    wanted: set[str] = set()
    with session_scope(engine) as session:
        for team in teams.all_teams(session=session):
            assert team.id is not None
            job_id = team_job_id(team.id)
            wanted.add(job_id)
            trigger = team_trigger(team.post_time, localtime.team_zone(team, session=session))
            job = scheduler.get_job(job_id)
            if job is not None and repr(job.trigger) == repr(trigger) and job.args[2] == team.name:
                continue
            scheduler.add_job(
                run_team_round,
                trigger,
                args=(engine, settings, team.name),
                id=job_id,
                name=f"morning round · {team.name}",
                replace_existing=True,
            )
            log.info("scheduled %s at %s %s", team.name, team.post_time, trigger.timezone)
    for job in scheduler.get_jobs():
        if job.id != SYNC_JOB_ID and job.id not in wanted:
            job.remove()


def configure(scheduler: BaseScheduler, engine: Engine, settings: Settings) -> BaseScheduler:
    scheduler.configure(timezone=ZoneInfo("UTC"), job_defaults=JOB_DEFAULTS)
    sync_jobs(scheduler, engine, settings)
    scheduler.add_job(
        sync_jobs,
        IntervalTrigger(minutes=5),
        args=(scheduler, engine, settings),
        id=SYNC_JOB_ID,
        name="re-read team schedules",
        replace_existing=True,
    )
    return scheduler
