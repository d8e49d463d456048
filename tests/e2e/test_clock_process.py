"""A real `csm-coach clock`: started after the post time it sends the day's round within a minute, a
restart sends nothing twice, and SIGTERM in the middle of a round exits within 10 s, doubling nothing."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.models import Delivery, DeliveryStatus
from tests.support import company
from tests.support.processes import EVERY_DAY, Cli
from tests.support.slack_standin import SlackStandIn

pytestmark = pytest.mark.process  # `clock` runs until SIGTERM stops it

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Output:
    """A process's output, read line by line in the background so the test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, *words: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(all(w in line for w in words) for line in self.lines):
                return
            time.sleep(0.2)
        raise AssertionError(f"no line with {words} within {timeout}s:\n{self.text()[-3000:]}")


def zone_at_noon(utc_now: datetime) -> str:
    """A place's zone (IANA, not a fixed offset) where it is between 11:00 and 13:00 at `utc_now`."""
    for name in sorted(available_timezones()):
        place = "/" in name and not name.startswith(("Etc/", "SystemV/"))
        if place and 11 <= utc_now.astimezone(ZoneInfo(name)).hour <= 12:
            return name
    raise AssertionError("no zone at noon")


def past_post_time(
    engine: Engine, session: Session, tmp_path: Path, minutes_ago: int = 15, zone: str | None = None
) -> datetime:
    """The company, in a zone where it is about noon now, with its post time `minutes_ago` ago."""
    utc_now = datetime.now(UTC)
    zone = zone or zone_at_noon(utc_now)
    post = utc_now.astimezone(ZoneInfo(zone)) - timedelta(minutes=minutes_ago)
    company.load(engine, tmp_path, today=post.date())
    company.set_channels(session, post_time=f"{post:%H:%M}", timezone=zone)
    return post


def posted(slack: SlackStandIn) -> Counter[str]:
    return Counter(c.param("channel") for c in slack.posted())


def wait_posted(slack: SlackStandIn, count: int, timeout: float) -> float:
    """Seconds until Slack holds `count` messages."""
    started = time.monotonic()
    while len(slack.posted()) < count:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{len(slack.posted())} of {count} messages within {timeout}s")
        time.sleep(0.2)
    return time.monotonic() - started


def stop(process: subprocess.Popen[str], within: float) -> float:
    """SIGTERM, as a platform does; the seconds the process took to exit."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=within + 20)
    return time.monotonic() - started


def test_a_clock_started_after_the_post_time_sends_the_round_within_a_minute_and_a_restart_nothing_twice(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    post = past_post_time(engine, session, tmp_path, minutes_ago=15)
    recipients = company.clock_recipients(post.date())  # on a Monday, the manager's week too
    first = cli.start("clock", env=EVERY_DAY)
    output = Output(first)
    seconds = wait_posted(slack, len(recipients), timeout=60)
    slack.quiet(1)
    assert posted(slack) == Counter(dict.fromkeys(recipients, 1)), output.text()
    assert stop(first, 10) < 10 and first.returncode == 0, output.text()
    assert "team Harbor (catching up): Morning round: 3 sent" in output.text(), output.text()
    print(f"late clock: the round reached Slack {seconds:.1f} s after the clock started")

    second = cli.start("clock", env=EVERY_DAY)  # a restart, a deploy: the same day, after the post time
    again = Output(second)
    again.wait_for("catch up on rounds not sent today", "executed successfully", timeout=60)
    assert posted(slack) == Counter(dict.fromkeys(recipients, 1)), again.text()
    assert "catching up" not in again.text()  # it found both rounds done
    assert stop(second, 10) < 10


def test_sigterm_in_the_middle_of_a_round_finishes_the_message_in_flight_and_exits_within_ten_seconds(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    post = past_post_time(engine, session, tmp_path, minutes_ago=5)
    recipients = company.clock_recipients(post.date())
    slack.hang("chat.postMessage", times=None, seconds=2.5)  # a slow Slack: each post takes 2.5 s
    clock = cli.start("clock", env=EVERY_DAY)
    output = Output(clock)
    slack.wait_for("chat.postMessage", timeout=60)
    seconds = stop(clock, 10)
    assert seconds < 10, f"exited {seconds:.1f} s after SIGTERM\n{output.text()}"
    assert clock.returncode == 0, output.text()
    assert "starting no new message" in output.text()
    before = posted(slack)
    assert 1 <= len(before) < len(recipients) and set(before.values()) == {1}, dict(before)
    session.expire_all()
    rows = {d.recipient: d.status for d in session.exec(select(Delivery)).all()}
    # The message in flight was finished and recorded; nothing else was started.
    assert rows == dict.fromkeys(before, DeliveryStatus.SENT), (rows, output.text())

    slack.reset()  # Slack is fast again; a new clock sends what the first one did not start
    restarted = cli.start("clock", env=EVERY_DAY)
    later = Output(restarted)
    wait_posted(slack, len(recipients) - len(before), timeout=60)
    slack.quiet(1)
    after = posted(slack)
    assert set(after.values()) == {1} and not set(after) & set(before), (dict(before), dict(after))
    assert set(after) | set(before) == recipients, later.text()
    assert stop(restarted, 10) < 10


def test_a_clock_started_on_a_day_off_sends_nothing_and_says_when_the_next_round_goes(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    post = past_post_time(engine, session, tmp_path, minutes_ago=15)
    days_off = ",".join(d for i, d in enumerate(WEEKDAYS) if i != post.weekday())  # every day but today
    clock = cli.start("clock", env={"POST_DAYS": days_off})
    output = Output(clock)
    output.wait_for("team Harbor: no round today", timeout=60)
    output.wait_for("team Summit: no round today", timeout=30)
    output.wait_for("catch up on rounds not sent today", "executed successfully", timeout=30)
    assert stop(clock, 10) < 10
    assert slack.posted() == [], output.text()
    line = next(line for line in output.lines if "team Harbor: no round today" in line)
    assert f"{post:%A} is not a working day" in line and "the next one goes" in line, line
    assert output.text().count("no round today") == 2  # one line per team, not one per catch-up


def test_a_clock_started_past_the_catch_up_window_sends_nothing_until_the_next_working_day(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    past_post_time(engine, session, tmp_path, minutes_ago=90)
    clock = cli.start("clock", env={**EVERY_DAY, "CATCH_UP_HOURS": "1"})
    output = Output(clock)
    output.wait_for("team Harbor: no round today", "CATCH_UP_HOURS", timeout=60)
    output.wait_for("catch up on rounds not sent today", "executed successfully", timeout=30)
    assert stop(clock, 10) < 10
    assert slack.posted() == [], output.text()

    restarted = cli.start("clock", env={**EVERY_DAY, "CATCH_UP_HOURS": "1"})  # says it once per day
    again = Output(restarted)
    again.wait_for("catch up on rounds not sent today", "executed successfully", timeout=60)
    assert stop(restarted, 10) < 10
    assert "no round today" not in again.text() and slack.posted() == [], again.text()
