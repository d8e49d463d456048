"""The morning round through the CLI, and its buttons through Slack-signed requests to `serve`."""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.models import Account, Alert
from tests.support import company
from tests.support.blockcheck import message_text
from tests.support.clicks import click, dm_of
from tests.support.processes import Cli, ServeApp
from tests.support.slack_standin import SlackStandIn

AT = "2026-11-23T09:00:00+00:00"


@pytest.fixture
def loaded(engine: Engine, session: Session, tmp_path: Path) -> Engine:
    company.load(engine, tmp_path)
    company.set_channels(session)
    return engine


def delivered(slack: SlackStandIn) -> Counter[str]:
    return Counter(c.param("channel") for c in slack.calls("chat.postMessage"))


def test_digest_sends_once_and_a_second_run_sends_nothing(
    loaded: Engine, cli: Cli, slack: SlackStandIn
) -> None:
    first = cli.run("digest", "--at", AT)
    assert first.returncode == 0, first.stdout
    assert "5 sent" in first.stdout
    second = cli.run("digest", "--at", "2026-11-23T17:30:00+00:00")
    assert second.returncode == 0 and "5 already sent" in second.stdout
    assert set(delivered(slack).values()) == {1} and len(delivered(slack)) == 5


def test_a_team_without_a_channel_is_told_its_post_was_not_sent_and_how_to_set_one(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    company.set_channels(session, "Summit")  # Harbor has declines and no channel
    unsent = (
        "team Harbor: the team post was not sent: no channel is set (csm-coach team set Harbor "
        "--channel C…, or /teamload channel in the channel)"
    )

    dry = cli.run("digest", "--dry-run", "--at", AT, env={"COLUMNS": "250"})
    sent = cli.run("digest", "--at", AT)

    assert dry.returncode == 0 and "Team Harbor: the team post was not sent: no channel is set" in dry.stdout
    assert sent.returncode == 0, sent.stdout
    assert f"problems: {unsent}" in sent.stdout
    assert "C0HARBOR" not in delivered(slack) and delivered(slack)["C0SUMMIT"] == 1


def test_dry_run_prints_and_sends_nothing(loaded: Engine, cli: Cli, slack: SlackStandIn) -> None:
    result = cli.run("digest", "--dry-run", "--at", AT, env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stdout
    assert "Silverline Health" in result.stdout and "DM to Ana Alvarez" in result.stdout
    assert slack.calls() == []
    assert "5 sent" in cli.run("digest", "--at", AT).stdout  # the dry run claimed nothing


@pytest.mark.process  # `cli.start`: a round killed with SIGKILL is a process
def test_a_round_killed_half_way_delivers_the_rest_and_none_twice(
    loaded: Engine, cli: Cli, slack: SlackStandIn
) -> None:
    # Slack takes the third message but its answer never comes: the process is killed waiting for it.
    slack.hang("chat.postMessage", after=2, seconds=60)
    victim = cli.start("digest", "--at", AT)
    slack.wait_for("chat.postMessage", count=3, timeout=90)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    first_run = delivered(slack)
    assert sum(first_run.values()) == 3 and len(slack.posted()) == 3

    again = cli.run("digest", "--at", AT)
    assert again.returncode == 0, again.stdout
    assert "2 sent" in again.stdout and "2 already sent" in again.stdout and "1 in doubt" in again.stdout
    # Over both runs, every recipient's message reached Slack exactly once: the rerun sent the two
    # nobody had, and not the one in doubt.
    both_runs = delivered(slack)
    assert set(both_runs) == company.RECIPIENTS and set(both_runs.values()) == {1}, both_runs
    assert Counter(c.param("channel") for c in slack.posted()) == both_runs


def test_a_500_after_slack_stored_a_post_is_reported_in_doubt_and_a_second_digest_sends_nothing(
    loaded: Engine, session: Session, cli: Cli, slack: SlackStandIn
) -> None:
    slack.store_then_fail("chat.postMessage", times=1)
    first = cli.run("digest", "--at", AT)
    assert first.returncode == 0, first.stdout
    assert "4 sent" in first.stdout and "1 in doubt" in first.stdout, first.stdout
    assert "Slack may have posted it" in first.stdout
    second = cli.run("digest", "--at", "2026-11-23T11:00:00+00:00")
    assert second.returncode == 0 and "4 already sent, 1 in doubt" in second.stdout, second.stdout
    held = Counter(c.param("channel") for c in slack.posted())
    assert len(held) == 5 and set(held.values()) == {1}  # each message is in Slack once
    assert len(slack.calls("chat.postMessage")) == 5  # and nothing was tried twice


def test_reached_out_updates_the_dm_in_place_and_records_once(
    loaded: Engine, session: Session, cli: Cli, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    assert cli.run("digest", "--at", AT).returncode == 0
    channel, ts, message = dm_of(slack, "U0ANA")
    app = serve_app()
    slack.clear()

    click(app, "U0ANA", channel, message, "alert-reached-out")
    update = slack.wait_for("chat.update")[0]
    assert update.param("channel") == channel and update.param("ts") == ts
    text = message_text({"blocks": update.blocks})
    assert "Reached out — <@U0ANA>" in text
    alert_rows = [b for b in update.blocks if b["type"] == "actions" and b["block_id"].startswith("alert-")]
    assert len(alert_rows) == 1  # the other declining account keeps its buttons
    silverline = session.exec(select(Account).where(Account.external_id == "SILENT")).one()
    alert = session.exec(select(Alert).where(Alert.account_id == silverline.id)).one()
    first_at = alert.reached_out_at
    assert alert.reached_out_by == "U0ANA" and first_at is not None

    click(app, "U0ANA", channel, message, "alert-reached-out")  # a double click
    slack.wait_for("chat.postEphemeral")
    session.expire_all()
    assert session.get(Alert, alert.id).reached_out_at == first_at  # type: ignore[union-attr]
    assert "already recorded" in slack.calls("chat.postEphemeral")[0].text


def test_buttons_refuse_outsiders_and_let_the_manager_snooze(
    loaded: Engine, session: Session, cli: Cli, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    assert cli.run("digest", "--at", AT).returncode == 0
    channel, _, message = dm_of(slack, "U0ANA")
    app = serve_app()
    slack.clear()

    click(app, "U0SAM", channel, message, "alert-snooze")
    refusal = slack.wait_for("chat.postEphemeral")[0]
    assert refusal.param("user") == "U0SAM" and "Only the account's CSM" in refusal.text
    assert slack.calls("chat.update") == []
    assert session.exec(select(Alert).where(Alert.snoozed_by.is_not(None))).all() == []  # type: ignore[union-attr]

    click(app, "U0MIA", channel, message, "alert-snooze", index=1)
    update = slack.wait_for("chat.update")[0]
    # The click happens now (the server's clock), so the snooze runs a week from today in London.
    until = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=7)
    assert f"Snoozed until {until:%a %-d %b} — <@U0MIA>" in message_text({"blocks": update.blocks})
    session.expire_all()
    snoozed = session.exec(select(Alert).where(Alert.snoozed_by == "U0MIA")).one()
    dunmore = session.exec(select(Account).where(Account.external_id == "DECL")).one()
    assert snoozed.account_id == dunmore.id
