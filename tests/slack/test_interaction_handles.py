"""The listeners' handle functions on a real database: a typed request in, the effects to send out.

No Slack here: what a click or a form would send is the list of effects each returns, and what it
records is in the database. The HTTP round trips are in tests/e2e."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.errors import UserFacingError
from bot.models import PlaybookStep, StepStatus
from bot.services.access import LEAVER_REFUSAL, authorised_account
from bot.slack.blocks.common import plain_message
from bot.slack.home import HomeRefresh
from bot.slack.ids import CallbackId, FieldId, ModalContext
from bot.slack.interactions import STALE_BUTTON, ButtonClick, HomeOpened, ModalSubmit, SlashCommand
from bot.slack.listeners.actions.alerts import alert_click
from bot.slack.listeners.actions.plan import STALE_PLAN, open_confirmation
from bot.slack.listeners.actions.steps import step_click
from bot.slack.listeners.commands.teamload import show_plan_later
from bot.slack.listeners.events.app_home import open_home
from bot.slack.listeners.views.plan_apply import tell_the_csms
from bot.slack.listeners.views.step_done import record_form
from bot.slack.message_edit import MessageEdit, Place
from bot.slack.work import OpenModal, Outlet, Respond, Scope, Tell, flush
from tests.support import factories
from tests.support.slack_standin import BOT_TOKEN, SlackStandIn

# 23:30 UTC on Sunday is already Monday in Tokyo: "today" is the team's, not UTC's.
NOW = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
SETTINGS = Settings(_env_file=None, csm_coach_admins=frozenset({"UADMIN"}))


@pytest.fixture
def scope(session: Session) -> Scope:
    return Scope(engine=session.get_bind(), settings=SETTINGS, now=NOW)  # type: ignore[arg-type]


@pytest.fixture
def harbor(session: Session) -> dict[str, Any]:
    team = factories.team(session, "Harbor", timezone="Asia/Tokyo")
    ana = factories.person(session, team, "U0ANA")
    factories.person(session, team, "U0BEN")
    factories.person(session, team, "U0LEFT", active=False)
    alert = factories.declining(session, ana, today=date(2026, 11, 22), external_id="X-1", name="Acme")
    review = PlaybookStep(
        account_id=alert.account_id, playbook="review", step="review", due_on=date(2026, 11, 1)
    )
    kickoff = PlaybookStep(
        account_id=alert.account_id, playbook="onboarding", step="kickoff", due_on=date(2026, 11, 1)
    )
    session.add_all([review, kickoff])
    session.commit()
    return {"alert": alert, "review": review, "kickoff": kickoff}


def click(
    action_id: str, value: dict[str, Any] | str, *, user: str = "U0ANA", place: Place | None = None
) -> ButtonClick:
    return ButtonClick(
        user_id=user,
        action_id=action_id,
        value=value if isinstance(value, str) else json.dumps(value),
        place=place or Place(),
        trigger_id="T-1",
        response_url=None,
    )


def test_authorisation_gives_the_account_and_the_day_in_its_teams_zone(
    session: Session, harbor: dict[str, Any]
) -> None:
    allowed = authorised_account(
        session=session, user_id="U0ANA", account_id=harbor["alert"].account_id, settings=SETTINGS, now=NOW
    )
    assert allowed.account.name == "Acme"
    assert str(allowed.zone) == "Asia/Tokyo" and allowed.today == date(2026, 11, 23)
    with pytest.raises(UserFacingError, match="Only the account's CSM"):
        authorised_account(
            session=session,
            user_id="U0BEN",
            account_id=harbor["alert"].account_id,
            settings=SETTINGS,
            now=NOW,
        )
    with pytest.raises(UserFacingError) as refused:
        authorised_account(
            session=session,
            user_id="U0LEFT",
            account_id=harbor["alert"].account_id,
            settings=SETTINGS,
            now=NOW,
        )
    assert str(refused.value) == LEAVER_REFUSAL


def test_a_snooze_from_app_home_redraws_it_and_a_second_says_it_was_done(
    session: Session, scope: Scope, harbor: dict[str, Any]
) -> None:
    snooze = click("alert-snooze", {"alert_id": harbor["alert"].id})

    first = alert_click(session, snooze, scope)
    session.commit()
    second = alert_click(session, snooze, scope)

    assert first == [HomeRefresh(user_id="U0ANA", settings=SETTINGS, now=NOW)]
    assert second[0] == first[0] and isinstance(second[1], Tell)
    # Snoozed for a week from Monday in Tokyo, not from Sunday in UTC.
    assert "Acme is already snoozed until Mon 30 Nov" in str(second[1].message)


def test_a_click_in_a_message_edits_its_line_as_the_message_showed_it(
    session: Session, scope: Scope, harbor: dict[str, Any]
) -> None:
    alert_id = harbor["alert"].id
    shown = [{"type": "section", "block_id": f"alert-{alert_id}"}, {"type": "divider", "block_id": "d"}]
    place = Place(channel="D0ANA", ts="1.2", shown=shown, text="Morning")

    (edit,) = alert_click(session, click("alert-reached-out", {"alert_id": alert_id}, place=place), scope)

    assert isinstance(edit, MessageEdit) and (edit.channel, edit.ts, edit.stored) == ("D0ANA", "1.2", False)
    assert edit.blocks[1] == shown[1] and "Reached out" in json.dumps(edit.blocks[0])


def test_stale_buttons_and_outsiders_are_refused_with_words(
    session: Session, scope: Scope, harbor: dict[str, Any]
) -> None:
    with pytest.raises(UserFacingError) as stale:
        alert_click(session, click("alert-snooze", '{"alert": 1}'), scope)
    assert str(stale.value) == STALE_BUTTON
    with pytest.raises(UserFacingError) as stale_plan:
        open_confirmation(session, click("plan-apply", '{"team_id": 1}'), scope)
    assert str(stale_plan.value) == STALE_PLAN
    with pytest.raises(UserFacingError, match="Only the account's CSM"):
        step_click(session, click("step-snooze", {"step_id": harbor["review"].id}, user="U0BEN"), scope)


def test_a_step_click_opens_the_form_it_needs_records_or_says_it_is_closed(
    session: Session, scope: Scope, harbor: dict[str, Any]
) -> None:
    review, kickoff = harbor["review"], harbor["kickoff"]

    (form,) = step_click(session, click("step-done", {"step_id": review.id}), scope)
    (skip,) = step_click(session, click("step-skip", {"step_id": kickoff.id}), scope)
    done = step_click(session, click("step-done", {"step_id": kickoff.id}), scope)
    session.commit()
    again = step_click(session, click("step-snooze", {"step_id": kickoff.id}), scope)

    assert isinstance(form, OpenModal) and form.view.callback_id == CallbackId.STEP_DONE_MODAL
    assert isinstance(skip, OpenModal) and skip.view.callback_id == CallbackId.STEP_SKIP_MODAL
    assert form.trigger_id == "T-1"
    assert done == [HomeRefresh(user_id="U0ANA", settings=SETTINGS, now=NOW)]
    session.refresh(kickoff)
    assert kickoff.status == StepStatus.DONE and kickoff.completed_on == date(2026, 11, 23)
    assert review.status == StepStatus.OPEN
    assert isinstance(again[-1], Tell) and "already done by <@U0ANA>" in str(again[-1].message)


def test_a_submitted_form_records_and_edits_the_message_the_modal_came_from(
    session: Session, scope: Scope, harbor: dict[str, Any]
) -> None:
    review = harbor["review"]
    values = {
        FieldId.RESULTS: {"value": {"value": "Adoption up"}},
        FieldId.NEXT_OUTCOMES: {"value": {"value": "Expand to EMEA"}},
    }
    meta = ModalContext(step_id=review.id, channel="D0ANA", ts="1.2").model_dump_json()
    submit = ModalSubmit(
        user_id="U0ANA", callback_id=CallbackId.STEP_DONE_MODAL, metadata=meta, values=values
    )

    effects = record_form(session, submit, scope)

    assert effects == []  # the message is neither stored nor shown to the modal: nothing to edit
    session.refresh(review)
    assert review.status == StepStatus.DONE and review.results_reviewed == "Adoption up"


def test_app_home_redraws_only_the_home_tab(session: Session, scope: Scope) -> None:
    assert open_home(session, HomeOpened(user_id="U0ANA", tab="messages"), scope) == []
    assert open_home(session, HomeOpened(user_id="U0ANA", tab="home"), scope) == [
        HomeRefresh(user_id="U0ANA", settings=SETTINGS, now=NOW)
    ]


def test_work_after_the_ack_asks_for_nothing_when_there_is_nothing_to_do(
    session: Session, scope: Scope, harbor: dict[str, Any]
) -> None:
    """`/teamload` without `plan` has no second answer; a modal that applied nothing sends no DM."""
    command = SlashCommand.of({"command": "/teamload", "user_id": "U0ANA", "text": "Harbor"})
    assert show_plan_later(session, command, scope) == []
    refused = SlashCommand.of({"command": "/teamload", "user_id": "U0ANA", "text": "plan"})
    assert show_plan_later(session, refused, scope) == []  # a CSM: the ack already refused
    junk = ModalSubmit(user_id="U0ANA", callback_id="plan-apply-modal", metadata='{"team": 1}', values={})
    assert tell_the_csms(session, junk, scope) == []
    unapplied = '{"team_id": 1, "fingerprint": "abc"}'
    assert tell_the_csms(session, ModalSubmit("U0ANA", "plan-apply-modal", unapplied, {}), scope) == []


def test_the_runner_sends_effects_in_order_and_says_recorded_when_slack_fails_after_the_commit(
    scope: Scope, slack: SlackStandIn
) -> None:
    """`flush` on the real stand-in: the edit Slack refuses is told as recorded, then the words follow."""
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    body = {"type": "block_actions", "user": {"id": "U0ANA"}, "container": {"channel_id": "C0TEAM"}}
    edit = MessageEdit(channel="C0TEAM", ts="1.2", text="csm-coach", blocks=[], stored=False)
    slack.error("chat.update", "message_not_found")

    flush([edit, Tell("Acme: outreach was already recorded.")], Outlet(body, client, None, scope))

    recorded, told = slack.wait_for("chat.postEphemeral", count=2)
    assert "Recorded, but I couldn't update the message" in recorded.text
    assert "message_not_found" in recorded.text
    assert told.text == "Acme: outreach was already recorded." and told.param("user") == "U0ANA"


def test_an_answer_for_the_response_url_goes_to_the_user_where_there_is_none(
    scope: Scope, slack: SlackStandIn
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    body = {"type": "view_submission", "user": {"id": "U0ANA"}}

    flush([Respond(plain_message("The plan changed."))], Outlet(body, client, None, scope))

    (dm,) = slack.wait_for("chat.postMessage")
    assert dm.param("channel") == "U0ANA" and dm.text == "The plan changed."
