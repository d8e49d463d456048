"""Many processes, one truth: three `serve` and two `clock` processes share one database.

The round fires in both clocks at the same moment and every recipient still gets one message; the
same button clicked through two `serve` processes at the same moment is recorded once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.domain.playbooks import Step
from bot.models import Account, Alert, Delivery, PlaybookStep
from tests.support import company
from tests.support.blockcheck import message_text
from tests.support.clicks import click, click_step, dm_of, step_of, submit
from tests.support.processes import EVERY_DAY, Cli, ServeApp, ServedApp
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
def serve_app(serve_process: ServeApp) -> ServeApp:
    """Here `serve` runs as a process: several processes on one database."""
    return serve_process


@pytest.fixture
def cli(cli_process: Cli) -> Cli:
    """Here the verbs run as processes: several processes on one database."""
    return cli_process


ZONE = ZoneInfo("Europe/London")
BROKEN = ("Traceback", "something went wrong")


def at_once(*requests: Callable[[], Any]) -> list[Any]:
    """Run the requests in threads released together, so all of them are in flight at the same time."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int, request: Callable[[], Any]) -> None:
        barrier.wait(timeout=10)
        try:
            results[index] = request()
        except BaseException as err:  # re-raised below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results


def assert_nobody_saw_an_error(slack: SlackStandIn, apps: list[ServedApp]) -> None:
    said = [c.text + message_text({"blocks": c.blocks}) for c in slack.calls()]
    assert not [s for s in said if "went wrong" in s], said
    for app in apps:
        assert not any(sign in app.logs() for sign in BROKEN), app.logs()[-4000:]


def fire_the_round_in_two_clocks(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> frozenset[str]:
    """Load the company with this minute as its post time: both clocks, started together, find the
    round due and not sent, and fire it at once (the firing at the post time itself is
    tests/jobs/test_scheduler.py's; waiting here for the next whole minute cost up to 80 s)."""
    now = datetime.now(ZONE)
    if (now.hour, now.minute) == (23, 59):  # the clocks must start on the post time's own day
        time.sleep(61 - now.second)
    post = datetime.now(ZONE).replace(second=0, microsecond=0)
    company.load(engine, tmp_path, today=post.date())
    company.set_channels(session, post_time=f"{post:%H:%M}", timezone="Europe/London")
    recipients = company.clock_recipients(post.date())  # on a Monday, the manager's week too
    clocks = [cli.start("clock", env=EVERY_DAY), cli.start("clock", env=EVERY_DAY)]
    deadline = time.time() + 60
    while time.time() < deadline and len(slack.calls("chat.postMessage")) < len(recipients):
        assert all(c.poll() is None for c in clocks), "a clock process died"
        time.sleep(0.5)
    slack.quiet(3)  # anything doubled, and the other clock's round, would have come by now
    assert all(c.poll() is None for c in clocks), "a clock process died"
    cli.stop_all()
    said = [c.stdout.read() if c.stdout else "" for c in clocks]
    sent = Counter(c.param("channel") for c in slack.calls("chat.postMessage"))
    assert set(sent) == recipients and set(sent.values()) == {1}, (dict(sent), said)
    for output in said:
        assert "Traceback" not in output, output
    for team in ("Harbor", "Summit"):  # caught up by one clock or both, whichever claimed it first
        assert f"team {team} (catching up): Morning round" in "".join(said), said
    # Between them the clocks sent each message once (the other one found it sent, or being sent).
    assert sum(int(n) for n in re.findall(r"(\d+) sent", "".join(said))) == len(recipients), said
    return recipients


def test_three_serves_and_two_clocks_send_each_message_once_and_record_each_click_once(
    engine: Engine, session: Session, serve_app: ServeApp, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    apps = [serve_app(), serve_app(), serve_app()]  # all up before the round, all on the one database
    recipients = fire_the_round_in_two_clocks(engine, session, cli, slack, tmp_path)
    deliveries = session.exec(select(Delivery)).all()
    assert sorted((d.recipient, d.status) for d in deliveries) == [(r, "sent") for r in sorted(recipients)]

    # The CSM and her manager click "Reached out" on the same line, through two different processes.
    channel, ts, message = dm_of(slack, "U0ANA")
    slack.clear()
    at_once(
        lambda: click(apps[0], "U0ANA", channel, message, "alert-reached-out"),
        lambda: click(apps[1], "U0MIA", channel, message, "alert-reached-out"),
    )
    # The work runs after the ack; Slack is called only after the commit, so an update means recorded.
    updates = slack.wait_for("chat.update", count=2)
    silverline = session.exec(select(Account).where(Account.external_id == "SILENT")).one()
    session.expire_all()
    alert = session.exec(select(Alert).where(Alert.account_id == silverline.id)).one()
    first = alert.reached_out_by
    assert first in ("U0ANA", "U0MIA") and alert.reached_out_at is not None
    second = "U0MIA" if first == "U0ANA" else "U0ANA"
    # Both see the line turned into the one outreach recorded; the other clicker hears who was first.
    slack.wait_for("chat.postEphemeral")
    assert len(updates) == 2 and all(u.param("channel") == channel and u.param("ts") == ts for u in updates)
    for update in updates:
        assert f"Reached out — <@{first}>" in message_text({"blocks": update.blocks})
    told = slack.calls("chat.postEphemeral")
    assert [(t.param("user"), t.text) for t in told] == [
        (second, f"Silverline Health: outreach was already recorded by <@{first}>.")
    ]

    # The CSM and her manager submit the review form at the same moment, through two more processes.
    review = step_of(session, "SILENT", Step.REVIEW)
    slack.clear()
    where = {"channel": channel, "message": message}
    click_step(apps[2], "U0ANA", where, review.id, "step-done")  # type: ignore[arg-type]
    modal = slack.wait_for("views.open")[0].param("view")

    def done(app: ServedApp, user: str) -> Any:
        values = {
            "step-results": {"value": {"type": "plain_text_input", "value": f"Reviewed by {user}"}},
            "step-next-outcomes": {"value": {"type": "plain_text_input", "value": "Roll out to EMEA"}},
        }
        return submit(app, user, modal, values)

    answers = at_once(lambda: done(apps[1], "U0ANA"), lambda: done(apps[2], "U0MIA"))
    assert [a.status for a in answers] == [200, 200]
    settled = slack.wait_for("chat.update", count=2)  # after each submission's commit
    session.expire_all()
    reviews = session.exec(
        select(PlaybookStep)
        .where(PlaybookStep.account_id == review.account_id, PlaybookStep.step == Step.REVIEW.value)
        .order_by(col(PlaybookStep.sequence))
    ).all()
    assert [(r.sequence, r.status) for r in reviews] == [(1, "done"), (2, "open")]
    done_by = reviews[0].completed_by
    assert done_by in ("U0ANA", "U0MIA") and reviews[0].results_reviewed == f"Reviewed by {done_by}"
    for update in settled:  # the DM as it now stands: both lines settled
        text = message_text({"blocks": update.blocks})
        assert f"Done — <@{done_by}>" in text and f"Reached out — <@{first}>" in text
    assert_nobody_saw_an_error(slack, apps)


def test_clicks_on_two_lines_of_one_message_through_two_processes_both_stay(
    engine: Engine, session: Session, serve_app: ServeApp, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    company.set_channels(session)
    apps = [serve_app(), serve_app()]
    assert cli.run("digest", "--at", "2026-11-23T09:00:00+00:00").returncode == 0
    channel, ts, message = dm_of(slack, "U0ANA")
    review = step_of(session, "SILENT", Step.REVIEW)
    slack.clear()

    at_once(  # each process edits its own line of the same stored message
        lambda: click(apps[0], "U0ANA", channel, message, "alert-reached-out"),
        lambda: click_step(
            apps[1], "U0ANA", {"channel": channel, "message": message}, review.id, "step-snooze"
        ),  # type: ignore[arg-type]
    )

    updates = slack.wait_for("chat.update", count=2)
    session.expire_all()
    stored = session.exec(select(Delivery).where(Delivery.channel == channel, Delivery.ts == ts)).one()
    for blocks in (updates[-1].blocks, json.loads(stored.blocks_json or "[]")):
        text = message_text({"blocks": blocks})
        assert "Reached out — <@U0ANA>" in text and ":zzz: Snoozed until" in text, text
    assert_nobody_saw_an_error(slack, apps)
