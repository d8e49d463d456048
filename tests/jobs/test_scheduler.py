"""Schedules: each team's round at its local post time, across DST changes, re-read from the database;
a firing repeated by a DST change sends nothing twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.jobs import scheduler as sched
from bot.jobs.digest import morning_round
from bot.models import Team
from bot.services import teams
from bot.slack.client import make_round_client
from tests.support import company, factories
from tests.support.slack_standin import SlackStandIn

LONDON = ZoneInfo("Europe/London")
EVERY_DAY = frozenset(range(7))


def fire_times(
    post_time: str, zone: str, start: datetime, count: int, days: frozenset[int] = EVERY_DAY
) -> list[datetime]:
    trigger = sched.team_trigger(post_time, ZoneInfo(zone), days)
    times, previous, now = [], None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/London", datetime(2026, 3, 27, 12, tzinfo=UTC)),  # clocks go forward on Sun 29 March
        ("Europe/London", datetime(2026, 10, 23, 12, tzinfo=UTC)),  # and back on Sun 25 October
        ("America/New_York", datetime(2026, 3, 6, 18, tzinfo=UTC)),  # forward on Sun 8 March
        ("America/New_York", datetime(2026, 10, 30, 18, tzinfo=UTC)),  # back on Sun 1 November
    ],
)
def test_the_post_goes_at_nine_local_every_day_across_a_dst_change(zone: str, start: datetime) -> None:
    times = fire_times("09:00", zone, start, 5)
    local = [t.astimezone(ZoneInfo(zone)) for t in times]
    assert [(t.hour, t.minute) for t in local] == [(9, 0)] * 5
    assert len({t.date() for t in local}) == 5  # one a day, no day twice or skipped
    offsets = {t.utcoffset() for t in local}
    assert len(offsets) == 2  # the change really happened inside the five days


def test_the_post_goes_on_working_days_only_in_the_teams_zone() -> None:
    # Friday 4 December 2026, 20:00 UTC: already Saturday in Auckland.
    friday_evening = datetime(2026, 12, 4, 20, tzinfo=UTC)
    times = fire_times("09:00", "Pacific/Auckland", friday_evening, 6, frozenset(range(5)))
    local = [t.astimezone(ZoneInfo("Pacific/Auckland")) for t in times]
    days = ["Mon 07", "Tue 08", "Wed 09", "Thu 10", "Fri 11", "Mon 14"]
    assert [t.strftime("%a %d") for t in local] == days
    assert {(t.hour, t.minute) for t in local} == {(9, 0)}


def test_a_post_time_inside_the_repeated_hour_fires_twice_and_the_second_firing_sends_nothing(
    engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    # 01:30 happens twice in London on Sunday 25 October 2026 (BST, then GMT): APScheduler fires twice
    # on one local date, and the delivery key (kind, recipient, local date) keeps the second quiet.
    fires = fire_times("01:30", "Europe/London", datetime(2026, 10, 24, 12, tzinfo=UTC), 3)
    first, second = fires[0], fires[1]
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)  # really two firings
    assert first.astimezone(LONDON).date() == second.astimezone(LONDON).date() == date(2026, 10, 25)

    company.load(engine, tmp_path, today=date(2026, 10, 25))
    company.set_channels(session, "Harbor", post_time="01:30", timezone="Europe/London")
    settings = Settings(_env_file=None, slack_api_url=slack.base_url)
    client = make_round_client(settings, token="xoxb-test")
    # What the scheduled job does at each firing (`run_team_round`, with the firing's moment as now).
    rounds = [
        morning_round(engine=engine, client=client, now=fire, settings=settings, team_name="Harbor")
        for fire in (first, second)
    ]

    assert rounds[0].outcomes["sent"] == 3
    assert rounds[1].outcomes["sent"] == 0 and rounds[1].outcomes["already sent"] == 3
    posted = Counter(c.param("channel") for c in slack.calls("chat.postMessage"))
    assert posted == Counter({"C0HARBOR": 1, "U0ANA": 1, "U0BEN": 1})


def test_jobs_follow_the_teams_in_the_database(engine: Engine, session: Session) -> None:
    harbor = factories.team(session, "Harbor")
    factories.person(session, harbor, "U0A")
    summit = factories.team(session, "Summit", post_time="07:45", timezone="America/New_York")
    session.commit()
    scheduler = BackgroundScheduler()
    schedule = sched.configure(scheduler, engine, Settings(_env_file=None))
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            sched.SYNC_JOB_ID,
            sched.CATCH_UP_JOB_ID,
            sched.team_job_id(harbor.id),
            sched.team_job_id(summit.id),
        }
        summit_job = jobs[sched.team_job_id(summit.id)]
        assert "hour='7', minute='45'" in repr(summit_job.trigger) and "America/New_York" in repr(
            summit_job.trigger
        )
        assert "Europe/London" in repr(jobs[sched.team_job_id(harbor.id)].trigger)  # the members' zone
        assert summit_job.coalesce and summit_job.misfire_grace_time == 3600

        teams.configure(session=session, name="Summit", channel=None, post_time="10:15", timezone=None)
        session.commit()
        schedule.sync_teams()
        assert "hour='10', minute='15'" in repr(scheduler.get_job(sched.team_job_id(summit.id)).trigger)
        assert schedule.teams[sched.team_job_id(summit.id)].post_time == "10:15"
    finally:
        scheduler.shutdown(wait=False)


def test_the_daily_sync_is_scheduled_at_sync_time_only_with_a_sources_file(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    factories.team(session, "Harbor")
    session.commit()
    config = tmp_path / "csm-coach.toml"
    config.write_text("[sync.usage]\nurl = 'sqlite:///w.db'\nquery = 'SELECT 1'\n", encoding="utf-8")
    settings = Settings(_env_file=None, sync_time="05:30")
    with_file, without = BackgroundScheduler(), BackgroundScheduler()
    schedule = sched.configure(with_file, engine, settings, sync_config=config)
    sched.configure(without, engine, settings)
    for scheduler in (with_file, without):
        scheduler.start(paused=True)
    try:
        daily = with_file.get_job(sched.DAILY_SYNC_JOB_ID)
        assert "hour='5', minute='30'" in repr(daily.trigger) and "UTC" in repr(daily.trigger)
        assert with_file.get_job(sched.DAILY_SYNC_CATCH_UP_JOB_ID) is not None  # a late clock syncs at once
        schedule.sync_teams()  # re-reading the teams keeps the sync
        assert with_file.get_job(sched.DAILY_SYNC_JOB_ID) is not None
        assert without.get_job(sched.DAILY_SYNC_JOB_ID) is None
        assert without.get_job(sched.DAILY_SYNC_CATCH_UP_JOB_ID) is None
    finally:
        with_file.shutdown(wait=False)
        without.shutdown(wait=False)


def test_re_reading_unchanged_teams_leaves_their_jobs_and_drops_a_team_gone(
    engine: Engine, session: Session
) -> None:
    harbor = factories.team(session, "Harbor")
    summit = factories.team(session, "Summit", post_time="07:45", timezone="America/New_York")
    session.commit()
    scheduler = BackgroundScheduler()
    schedule = sched.configure(scheduler, engine, Settings(_env_file=None))
    scheduler.start(paused=True)
    try:
        first = scheduler.get_job(sched.team_job_id(harbor.id))
        schedule.sync_teams()
        assert scheduler.get_job(sched.team_job_id(harbor.id)) is first  # not scheduled again

        session.delete(summit)
        session.commit()
        schedule.sync_teams()
        assert scheduler.get_job(sched.team_job_id(summit.id)) is None
        assert set(schedule.teams) == {sched.team_job_id(harbor.id)}
    finally:
        scheduler.shutdown(wait=False)


def test_a_teams_job_fired_by_the_scheduler_sends_its_round(
    engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    """The job as the clock registers it, fired by APScheduler itself (not called by hand): its
    arguments are the ones the round needs, and it sends the team's post and DMs once."""
    now = datetime.now(LONDON)
    today = now.date()
    company.load(engine, tmp_path, today=today)
    # This minute: on a Monday the manager's week (due from the post time) goes with the round.
    company.set_channels(session, "Harbor", post_time=f"{now:%H:%M}", timezone="Europe/London")
    every_day = "mon,tue,wed,thu,fri,sat,sun"
    settings = Settings(
        _env_file=None, slack_api_url=slack.base_url, slack_bot_token="xoxb-test", post_days=every_day
    )
    harbor = session.exec(select(Team).where(Team.name == "Harbor")).one()
    assert harbor.id is not None
    scheduler = BackgroundScheduler()
    sched.configure(scheduler, engine, settings)
    scheduler.start(paused=True)
    try:
        scheduler.remove_job(sched.CATCH_UP_JOB_ID)  # only the team's own job fires here
        scheduler.modify_job(sched.team_job_id(harbor.id), next_run_time=datetime.now(UTC))
        scheduler.resume()
        wanted = {"C0HARBOR", "U0ANA", "U0BEN"} | ({"U0MIA"} if today.weekday() == 0 else set())
        slack.wait_for("chat.postMessage", count=len(wanted), timeout=60)
    finally:
        scheduler.shutdown(wait=True)
    posted = Counter(c.param("channel") for c in slack.calls("chat.postMessage"))
    assert posted == Counter(dict.fromkeys(wanted, 1))
