"""Playbook steps from the morning DM and App Home, through Slack-signed block_actions and view_submission."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.domain.playbooks import Step
from bot.models import PlaybookStep
from tests.support import company
from tests.support.blockcheck import message_text
from tests.support.clicks import click_step, dm_of, step_of, submit
from tests.support.processes import Cli, ServeApp
from tests.support.signing import app_home_opened, block_actions_payload, view_submission_payload
from tests.support.slack_standin import SlackStandIn

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def morning(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> dict[str, Any]:
    """A company whose data is current today, and this morning's round already sent."""
    now = datetime.now(UTC)
    company.load(engine, tmp_path, today=now.astimezone(LONDON).date())
    company.set_channels(session, "Harbor")
    result = cli.run("digest", "--at", now.isoformat())
    assert result.returncode == 0, result.stdout
    channel, _, message = dm_of(slack, "U0ANA")
    slack.clear()
    return {"channel": channel, "message": message}


def test_review_marked_done_through_the_modal_records_once_and_schedules_the_next(
    morning: dict[str, Any], session: Session, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    app = serve_app()
    review = step_of(session, "SILENT", Step.REVIEW)
    click_step(app, "U0ANA", morning, review.id, "step-done")  # type: ignore[arg-type]
    opened = slack.wait_for("views.open")[0]
    modal = opened.param("view")
    assert opened.param("trigger_id") and modal["callback_id"] == "step-done-modal"
    for block in modal["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]

    blank = submit(
        app, "U0ANA", modal, {"step-results": {"value": {"type": "plain_text_input", "value": "  "}}}
    )
    assert blank.status == 200 and blank.json()["response_action"] == "errors"
    assert set(blank.json()["errors"]) == {"step-results", "step-next-outcomes"}

    values = {
        "step-results": {"value": {"type": "plain_text_input", "value": "Tickets resolved 40% faster"}},
        "step-next-outcomes": {"value": {"type": "plain_text_input", "value": "Roll out to the EMEA team"}},
        "step-expansion": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
    }
    assert submit(app, "U0ANA", modal, values).status == 200
    update = slack.wait_for("chat.update")[0]
    assert update.param("channel") == morning["channel"] and update.param("ts") == morning["message"]["ts"]
    assert "Done — <@U0ANA>" in message_text({"blocks": update.blocks})

    session.expire_all()
    reviews = session.exec(
        select(PlaybookStep)
        .where(PlaybookStep.account_id == review.account_id, PlaybookStep.step == "review")
        .order_by(PlaybookStep.sequence)
    ).all()
    today = datetime.now(LONDON).date()
    assert [(r.sequence, r.status) for r in reviews] == [(1, "done"), (2, "open")]
    assert reviews[0].results_reviewed == "Tickets resolved 40% faster" and reviews[0].expansion_found is True
    assert reviews[1].due_on == today + timedelta(days=90)  # enterprise cadence from the done date

    assert submit(app, "U0ANA", modal, values).status == 200  # the modal submitted again
    session.expire_all()
    again = session.exec(
        select(PlaybookStep).where(
            PlaybookStep.account_id == review.account_id, PlaybookStep.step == "review"
        )
    ).all()
    assert len(again) == 2


def test_an_outsider_is_refused_and_nothing_opens(
    morning: dict[str, Any], session: Session, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    app = serve_app()
    review = step_of(session, "SILENT", Step.REVIEW)
    click_step(app, "U0SAM", morning, review.id, "step-done")  # type: ignore[arg-type]
    refusal = slack.wait_for("chat.postEphemeral")[0]
    assert refusal.param("user") == "U0SAM" and "Only the account's CSM" in refusal.text
    assert slack.calls("views.open") == []


REVIEW_DONE = {
    "step-results": {"value": {"type": "plain_text_input", "value": "Tickets resolved 40% faster"}},
    "step-next-outcomes": {"value": {"type": "plain_text_input", "value": "Roll out to the EMEA team"}},
}


def submitted_with_user_id(modal: dict[str, Any], user_id: str, forged: str) -> dict[str, Any]:
    """The review's form submitted by `user_id`, with another person's id in a top-level `user_id`."""
    payload = view_submission_payload(
        callback_id=modal["callback_id"],
        values=REVIEW_DONE,
        user_id=user_id,
        private_metadata=modal["private_metadata"],
    )
    payload["view"]["blocks"] = modal["blocks"]
    payload["user_id"] = forged
    return payload


@pytest.mark.parametrize("forged", ["U0BOSS", "U0MIA"], ids=["admin", "harbors-manager"])
def test_a_user_id_beside_the_modals_user_lends_the_submitter_nothing(
    morning: dict[str, Any], session: Session, serve_app: ServeApp, slack: SlackStandIn, forged: str
) -> None:
    """Who acts is `user.id`: Summit's plain CSM, naming an admin (or Harbor's manager) in a top-level
    `user_id`, is refused on Harbor's account and nothing is recorded."""
    app = serve_app(admins=["U0BOSS"])
    review = step_of(session, "SILENT", Step.REVIEW)
    click_step(app, "U0ANA", morning, review.id, "step-done")  # type: ignore[arg-type]
    modal = slack.wait_for("views.open")[0].param("view")
    slack.clear()

    assert app.post_action(submitted_with_user_id(modal, "U0SAM", forged)).status == 200

    refusal = slack.wait_for("chat.postMessage")[0]  # after the rollback
    assert refusal.param("channel") == "U0SAM" and "Only the account's CSM" in refusal.text
    assert slack.calls("chat.update") == []
    session.expire_all()
    assert (step := session.get(PlaybookStep, review.id)) is not None and step.status == "open"


def test_the_steps_csm_acts_as_herself_whatever_user_id_says(
    morning: dict[str, Any], session: Session, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    app = serve_app()
    review = step_of(session, "SILENT", Step.REVIEW)
    click_step(app, "U0ANA", morning, review.id, "step-done")  # type: ignore[arg-type]
    modal = slack.wait_for("views.open")[0].param("view")

    assert app.post_action(submitted_with_user_id(modal, "U0ANA", "U0SAM")).status == 200

    assert "Done — <@U0ANA>" in message_text({"blocks": slack.wait_for("chat.update")[0].blocks})
    session.expire_all()
    done = session.get(PlaybookStep, review.id)
    assert done is not None and (done.status, done.completed_by) == ("done", "U0ANA")


def test_skip_asks_why_records_it_in_place_and_a_second_click_says_so(
    morning: dict[str, Any], session: Session, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    app = serve_app()
    review = step_of(session, "DECL", Step.REVIEW)
    click_step(app, "U0MIA", morning, review.id, "step-skip")  # type: ignore[arg-type]
    modal = slack.wait_for("views.open")[0].param("view")
    assert modal["callback_id"] == "step-skip-modal"
    why = {
        "step-skip-reason": {"value": {"type": "plain_text_input", "value": "Merged into the parent account"}}
    }
    assert submit(app, "U0MIA", modal, why).status == 200
    update = slack.wait_for("chat.update")[0]
    assert "Skipped — <@U0MIA>" in message_text({"blocks": update.blocks})
    session.expire_all()
    skipped = session.get(PlaybookStep, review.id)
    assert skipped is not None and (skipped.status, skipped.skip_reason) == (
        "skipped",
        "Merged into the parent account",
    )
    click_step(app, "U0ANA", morning, review.id, "step-skip")  # type: ignore[arg-type]
    assert "already skipped" in slack.wait_for("chat.postEphemeral")[0].text


def test_app_home_shows_the_whole_picture_and_its_buttons_work(
    morning: dict[str, Any], session: Session, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    app = serve_app()
    assert app.post_event(app_home_opened("U0ANA")).status == 200
    home = slack.wait_for("views.publish")[0].param("view")
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    for block in home["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    text = message_text({"blocks": home["blocks"]})
    assert (
        "Your book: 4 accounts" in text
        and "Declining accounts (2)" in text
        and "Playbook steps due (4)" in text
    )

    review = step_of(session, "RECOV", Step.REVIEW)
    row = next(b for b in home["blocks"] if b.get("block_id") == f"step-{review.id}")
    snooze = next(e for e in row["elements"] if e["action_id"] == "step-snooze")
    payload = block_actions_payload(
        action_id="step-snooze",
        value=snooze["value"],
        user_id="U0ANA",
        block_id=row["block_id"],
        view={"id": "V0HOME", "type": "home", "blocks": home["blocks"]},
    )
    assert app.post_action(payload).status == 200
    refreshed = slack.wait_for("views.publish", count=2)[1].param("view")
    assert "Playbook steps due (3)" in message_text({"blocks": refreshed["blocks"]})
    assert json.dumps(refreshed).count(f"step-{review.id}") == 0
