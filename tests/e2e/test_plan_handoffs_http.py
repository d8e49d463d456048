"""The plan's confirmation through `serve` when Slack or the database fail: the handoff DMs arrive once
(a 429 waited out, or sent by the clock's catch-up), never twice (in doubt), and every failure of the
submit or the click is answered where the manager is."""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db import get_engine
from bot.jobs.scheduler import run_catch_up
from bot.models import Delivery, PlanApplication
from tests.support.blockcheck import message_text
from tests.support.locks import write_lock_held
from tests.support.plan_flow import (
    click_apply,
    confirmation,
    handoff_dms,
    harbor_books,
    owners,
    submit,
    the_plan,
)
from tests.support.processes import BOT_TOKEN, ServeApp
from tests.support.slack_standin import Call, SlackStandIn

SLACK_ACK_SECONDS = 3.0


@pytest.fixture
def harbor(session: Session) -> dict[str, Any]:
    return harbor_books(session)


def clock_catch_up(database_url: str, slack: SlackStandIn) -> None:
    """The job `csm-coach clock` runs on start and every two minutes, run once to its end."""
    settings = Settings(
        _env_file=None, database_url=database_url, slack_bot_token=BOT_TOKEN, slack_api_url=slack.base_url
    )
    run_catch_up(get_engine(database_url), settings)


def received(slack: SlackStandIn) -> Counter[str]:
    """Handoff DMs Slack took, per recipient, whatever it answered."""
    return Counter(c.param("channel") for c in handoff_dms(slack, posted=True))


def statuses(session: Session) -> dict[str, str]:
    session.expire_all()
    return {d.recipient: d.status for d in session.exec(select(Delivery)).all() if d.kind.startswith("plan-")}


def told_the_manager(slack: SlackStandIn) -> list[Call]:
    """What the manager was told, but for the manager's week (the clock's catch-up sends it on Mondays)."""
    return [
        c
        for c in slack.calls("chat.postMessage")
        if c.param("channel") == "U0MGR" and ", week of " not in (c.text or "")
    ]


def test_a_rate_limited_handoff_dm_waits_for_its_retry_after_and_arrives_once(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, database_url: str, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    modal = confirmation(app, slack)
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)

    assert "Applied: 5 accounts" in message_text(submit(app, modal)["view"])
    app.wait_for_log("handoff DMs: 2 sent")

    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 200, 200]
    assert received(slack) == {"U0DANA": 1, "U0ELI": 1} and told_the_manager(slack) == []
    clock_catch_up(database_url, slack)  # nothing left for the clock
    assert received(slack) == {"U0DANA": 1, "U0ELI": 1}
    assert statuses(session) == {"U0DANA": "sent", "U0ELI": "sent"}


def test_a_handoff_dm_still_rate_limited_after_its_retries_is_sent_once_by_the_clocks_catch_up(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, database_url: str, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    modal = confirmation(app, slack)
    slack.rate_limit("chat.postMessage", times=4, retry_after=1)  # the client's 3 retries, and one more

    assert "Applied: 5 accounts" in message_text(submit(app, modal)["view"])
    app.wait_for_log("handoff DMs: 1 failed, 1 sent", timeout=30)

    assert received(slack) == {"U0ELI": 1} and statuses(session) == {"U0DANA": "failed", "U0ELI": "sent"}
    (told,) = told_the_manager(slack)
    assert "not every handoff DM went out" in told.text and "ratelimited" in told.text
    clock_catch_up(database_url, slack)
    assert received(slack) == {"U0DANA": 1, "U0ELI": 1}
    clock_catch_up(database_url, slack)  # and once only
    assert received(slack) == {"U0DANA": 1, "U0ELI": 1}
    assert statuses(session) == {"U0DANA": "sent", "U0ELI": "sent"}


def test_a_handoff_dm_in_doubt_is_never_sent_twice(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, database_url: str, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    modal = confirmation(app, slack)
    slack.store_then_fail("chat.postMessage", times=1)  # Slack posts Dana's DM, then answers 500

    assert "Applied: 5 accounts" in message_text(submit(app, modal)["view"])
    app.wait_for_log("handoff DMs: 1 in doubt, 1 sent")

    (told,) = told_the_manager(slack)
    assert "not every handoff DM went out" in told.text and "in doubt" in told.text
    clock_catch_up(database_url, slack)
    clock_catch_up(database_url, slack)
    assert received(slack) == {"U0DANA": 1, "U0ELI": 1}
    assert statuses(session) == {"U0DANA": "in_doubt", "U0ELI": "sent"}


def test_a_submit_while_the_database_is_locked_answers_busy_in_the_modal_within_3_seconds(
    serve_app: ServeApp,
    slack: SlackStandIn,
    session: Session,
    engine: Engine,
    database_url: str,
    harbor: dict[str, Any],
) -> None:
    app = serve_app()
    modal = confirmation(app, slack)
    before = owners(session)
    with write_lock_held(engine, database_url, tables="plan_application, account"):
        started = time.monotonic()
        answer = submit(app, modal)
        seconds = time.monotonic() - started
        app.wait_for_log("no application of theirs, so no handoff DMs")

    assert seconds < SLACK_ACK_SECONDS, seconds
    assert answer["response_action"] == "update"
    assert "busy" in message_text(answer["view"]) and "try again in a moment" in message_text(answer["view"])
    assert owners(session) == before and session.exec(select(PlanApplication)).all() == []
    assert slack.calls("chat.postMessage") == []


def test_an_unexpected_error_in_the_submit_answers_in_the_modal_with_a_reference_to_quote(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    modal = confirmation(app, slack)
    before = owners(session)

    answer = submit(app, modal, private_metadata='{"team_id": "Harbor"}')

    assert answer["response_action"] == "update"
    words = message_text(answer["view"])
    found = re.search(r"went wrong on my side \(ref `([0-9a-f]{8})`\)", words)
    assert found is not None, words
    app.wait_for_log(f"unexpected error (ref {found[1]})")
    assert owners(session) == before and session.exec(select(PlanApplication)).all() == []
    assert slack.calls("chat.postMessage") == []


def test_an_apply_button_with_a_forged_value_is_answered_and_opens_nothing(
    serve_app: ServeApp, slack: SlackStandIn, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    plan = the_plan(app, slack)

    click_apply(app, slack, plan, value='{"team_id": 1}')

    (told,) = slack.wait_for("chat.postEphemeral", timeout=15)  # the click's last word
    assert "That button is from an older plan" in told.text and told.param("user") == "U0MGR"
    assert slack.calls("views.open") == [] and slack.calls("chat.postMessage") == []
