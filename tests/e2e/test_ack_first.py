"""Clicks acknowledged within Slack's 3 s whatever Slack or the database do, recorded before anything
is said, and refused to leavers and outsiders in words that stay text."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.domain.playbooks import Playbook, Step
from bot.models import Alert, Person, PlaybookStep, Team
from bot.slack.ids import ActionId, AlertRef, CallbackId, ModalContext, alert_block_id
from tests.support import factories
from tests.support.locks import write_lock_held
from tests.support.processes import ServedApp
from tests.support.signing import HttpResponse, block_actions_payload, view_submission_payload
from tests.support.slack_standin import Call, SlackStandIn

SLACK_ACK_SECONDS = 3.0
EVIL_ACCOUNT = "<!channel> Evil Corp <https://evil.example|re-auth>"


def seed(session: Session, *, account_name: str = "Acme", owner_active: bool = True) -> tuple[Person, Alert]:
    team = factories.team(session, "Harbor")
    owner = factories.person(session, team, "U0ANA", name="Ana CSM", active=owner_active)
    factories.person(session, team, "U0SAM", name="Sam Other")
    alert = factories.declining(
        session, owner, today=datetime.now(UTC).date(), external_id="ACME", name=account_name, arr=50_000.0
    )
    session.commit()
    return owner, alert


def click(
    app: ServedApp, alert: Alert, user: str, action: ActionId = ActionId.ALERT_REACHED_OUT
) -> tuple[HttpResponse, float]:
    """A click on a message showing the alert; (the HTTP answer, seconds until it came)."""
    block_id = alert_block_id(alert.id or 0)
    block = {"type": "section", "block_id": block_id, "text": {"type": "mrkdwn", "text": "Acme is declining"}}
    message = {"type": "message", "ts": "1700000000.000100", "text": "declining", "blocks": [block]}
    payload = block_actions_payload(
        action_id=action,
        value=AlertRef(alert_id=alert.id or 0).model_dump_json(),
        user_id=user,
        block_id=block_id,
        message=message,
    )
    started = time.monotonic()
    answer = app.post_action(payload)
    return answer, time.monotonic() - started


def reload(engine: Engine, alert: Alert) -> Alert:
    with Session(engine) as session:
        found = session.get(Alert, alert.id)
        assert found is not None
        return found


def wait_until_recorded(engine: Engine, alert: Alert, timeout: float = 5.0) -> Alert:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := reload(engine, alert)).reached_out_at is not None:
            return found
        time.sleep(0.05)
    raise AssertionError("the click was not recorded")


def ephemerals(slack: SlackStandIn, count: int = 1, timeout: float = 5.0) -> list[Call]:
    return slack.wait_for("chat.postEphemeral", count=count, timeout=timeout)


def test_a_click_is_acked_at_once_and_recorded_while_chat_update_takes_8_seconds(
    served_app: ServedApp, slack: SlackStandIn, session: Session, engine: Engine
) -> None:
    _, alert = seed(session)
    slack.hang("chat.update", seconds=8)

    answer, seconds = click(served_app, alert, "U0ANA")

    assert answer.status == 200 and seconds < SLACK_ACK_SECONDS, seconds
    assert wait_until_recorded(engine, alert).reached_out_by == "U0ANA"  # committed before Slack answered
    # The first chat.update times out (5 s); an edit is safe to send again, and the second one lands.
    updates = slack.wait_for("chat.update", count=2, timeout=15)
    assert updates[-1].ok
    assert "Reached out — <@U0ANA>" in str(updates[-1].blocks)
    slack.quiet(0.5)
    assert slack.calls("chat.postEphemeral") == []  # nothing to apologise for


def test_a_click_whose_message_slack_cannot_update_is_recorded_and_said_so(
    served_app: ServedApp, slack: SlackStandIn, session: Session, engine: Engine
) -> None:
    _, alert = seed(session)
    slack.error("chat.update", "message_not_found")

    answer, seconds = click(served_app, alert, "U0ANA")

    assert answer.status == 200 and seconds < SLACK_ACK_SECONDS
    (told,) = ephemerals(slack)
    assert "Recorded, but I couldn't update the message" in told.text and "message_not_found" in told.text
    assert "went wrong" not in told.text
    assert reload(engine, alert).reached_out_by == "U0ANA"


def test_a_click_while_the_database_is_locked_is_acked_and_told_busy_within_3_seconds(
    served_app: ServedApp, slack: SlackStandIn, session: Session, engine: Engine, database_url: str
) -> None:
    _, alert = seed(session)
    slack.clear()
    with write_lock_held(engine, database_url):
        started = time.monotonic()
        answer, seconds = click(served_app, alert, "U0ANA")
        (told,) = ephemerals(slack, timeout=10)
        busy_after = time.monotonic() - started

    assert answer.status == 200 and seconds < SLACK_ACK_SECONDS
    assert "busy" in told.text and "try again in a moment" in told.text and told.param("user") == "U0ANA"
    assert busy_after < SLACK_ACK_SECONDS, busy_after
    assert reload(engine, alert).reached_out_at is None  # nothing half-written
    assert slack.calls("chat.update") == []


def test_teamload_channel_while_the_database_is_locked_answers_busy_within_3_seconds(
    served_app: ServedApp, session: Session, engine: Engine, database_url: str
) -> None:
    team = factories.team(session, "Harbor")
    factories.person(session, team, "U0MGR", role="manager")
    session.commit()
    with write_lock_held(engine, database_url):
        started = time.monotonic()
        answer = served_app.post_command("/teamload", "channel", user_id="U0MGR", channel_id="C0NEWHOME")
        seconds = time.monotonic() - started

    assert answer.status == 200 and seconds < SLACK_ACK_SECONDS, seconds
    assert "try again in a moment" in answer.json()["text"]
    session.expire_all()
    assert session.get(Team, team.id).channel_id is None  # type: ignore[union-attr]


def test_a_leavers_click_on_their_own_old_message_is_refused_and_records_nothing(
    served_app: ServedApp, slack: SlackStandIn, session: Session, engine: Engine
) -> None:
    _, alert = seed(session, owner_active=False)

    for action in (ActionId.ALERT_REACHED_OUT, ActionId.ALERT_SNOOZE):
        answer, _ = click(served_app, alert, "U0ANA", action)
        assert answer.status == 200

    told = ephemerals(slack, count=2)
    assert all("no longer in the csm-coach roster" in t.text for t in told)
    assert slack.calls("chat.update") == []
    found = reload(engine, alert)
    assert found.reached_out_at is None and found.snoozed_until is None


def test_a_leaver_cannot_set_the_team_channel(served_app: ServedApp, session: Session) -> None:
    team = factories.team(session, "Harbor")
    factories.person(session, team, "U0MGR", role="manager", active=False)
    session.commit()

    answer = served_app.post_command("/teamload", "channel", user_id="U0MGR", channel_id="C0NEWHOME")

    assert "no longer in the csm-coach roster" in answer.json()["text"]
    session.expire_all()
    assert session.get(Team, team.id).channel_id is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "where", [{"channel_id": "D0ANADM"}, {"channel_id": "G0GROUP", "channel_name": "mpdm-ana--mia--sam-1"}]
)
def test_teamload_channel_in_a_dm_or_group_dm_is_refused(
    served_app: ServedApp, session: Session, where: dict[str, Any]
) -> None:
    team = factories.team(session, "Harbor")
    factories.person(session, team, "U0MGR", role="manager")
    session.commit()

    answer = served_app.post_command("/teamload", "channel", user_id="U0MGR", **where)

    assert "not a direct message" in answer.json()["text"]
    session.expire_all()
    assert session.get(Team, team.id).channel_id is None  # type: ignore[union-attr]


def test_hostile_names_stay_text_in_refusals_and_already_recorded_answers(
    served_app: ServedApp, slack: SlackStandIn, session: Session, engine: Engine
) -> None:
    _, alert = seed(session, account_name=EVIL_ACCOUNT)

    click(served_app, alert, "U0SAM")  # an outsider: refused, naming the account
    (refusal,) = ephemerals(slack)
    click(served_app, alert, "U0ANA")
    wait_until_recorded(engine, alert)
    click(served_app, alert, "U0ANA")  # a double click: "already recorded", naming the account
    already = ephemerals(slack, count=2)[1]

    for said in (refusal.text, already.text):
        assert "&lt;!channel&gt; Evil Corp &lt;https://evil.example|re-auth&gt;" in said, said
        assert "<!channel>" not in said and "<https://evil" not in said


def test_a_hostile_team_name_stays_text_in_the_teamload_channel_answer(
    served_app: ServedApp, session: Session
) -> None:
    team = factories.team(session, "<!here> Harbor")
    factories.person(session, team, "U0MGR", role="manager")
    session.commit()

    answer = served_app.post_command("/teamload", "channel", user_id="U0MGR", channel_id="C0NEWHOME")

    said = answer.json()["text"]
    assert "&lt;!here&gt; Harbor" in said and "<!here>" not in said


def test_a_leavers_modal_submission_is_refused_and_records_nothing(
    served_app: ServedApp, slack: SlackStandIn, session: Session, engine: Engine
) -> None:
    _, alert = seed(session, owner_active=False)
    step = PlaybookStep(
        account_id=alert.account_id,
        playbook=Playbook.REVIEW.value,
        step=Step.REVIEW.value,
        due_on=datetime.now(UTC).date(),
    )
    session.add(step)
    session.commit()
    values = {
        "step-results": {"value": {"type": "plain_text_input", "value": "Faster tickets"}},
        "step-next-outcomes": {"value": {"type": "plain_text_input", "value": "EMEA roll-out"}},
    }
    payload = view_submission_payload(
        callback_id=CallbackId.STEP_DONE_MODAL,
        values=values,
        user_id="U0ANA",
        private_metadata=ModalContext(step_id=step.id or 0).model_dump_json(),
    )

    started = time.monotonic()
    answer = served_app.post_action(payload)

    assert answer.status == 200 and time.monotonic() - started < SLACK_ACK_SECONDS
    (told,) = slack.wait_for("chat.postMessage")  # the modal is closed: the word comes as a DM
    assert told.param("channel") == "U0ANA" and "no longer in the csm-coach roster" in told.text
    session.expire_all()
    assert session.get(PlaybookStep, step.id).status == "open"  # type: ignore[union-attr]
