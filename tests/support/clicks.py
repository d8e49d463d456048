"""Clicks and submissions on what the app posted, as Slack would send them back to `serve`.

`dm_of` finds a message in the stand-in's calls; `click` and `click_step` press one of its buttons
(with the message as Slack stores it, so the app edits it in place); `submit` sends a modal back.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from bot.domain.playbooks import Step
from bot.models import Account, PlaybookStep
from tests.support.signing import AppClient, HttpResponse, block_actions_payload, view_submission_payload
from tests.support.slack_standin import SlackStandIn

Message = dict[str, Any]


def dm_of(slack: SlackStandIn, user_id: str) -> tuple[str, str, Message]:
    """(channel, ts, message) of the first message posted to `user_id`, as Slack would show it."""
    call = next(c for c in slack.calls("chat.postMessage") if c.param("channel") == user_id)
    message = {"type": "message", "ts": call.answer["ts"], "text": call.text, "blocks": call.blocks}
    return call.answer["channel"], call.answer["ts"], message


def _press(
    app: AppClient, user_id: str, channel: str, message: Message, row: dict[str, Any], action_id: str
) -> dict[str, Any]:
    button = next(e for e in row["elements"] if e["action_id"] == action_id)
    payload = block_actions_payload(
        action_id=action_id,
        value=button["value"],
        user_id=user_id,
        block_id=row["block_id"],
        channel_id=channel,
        message_ts=message["ts"],
        message=message,
    )
    answer = app.post_action(payload)
    assert answer.status == 200, answer.text
    return button


def click(
    app: AppClient, user_id: str, channel: str, message: Message, action_id: str, index: int = 0
) -> dict[str, Any]:
    """Press `action_id` in the message's `index`-th actions block; the button pressed."""
    row = [b for b in message["blocks"] if b["type"] == "actions"][index]
    return _press(app, user_id, channel, message, row, action_id)


def click_step(app: AppClient, user_id: str, where: dict[str, Any], step_id: int, action_id: str) -> None:
    """Press `action_id` on the step's row of `where["message"]`, posted in `where["channel"]`."""
    message = where["message"]
    row = next(b for b in message["blocks"] if b.get("block_id") == f"step-{step_id}")
    _press(app, user_id, where["channel"], message, row, action_id)


def step_of(session: Session, external_id: str, step: Step) -> PlaybookStep:
    """The account's first step of this kind."""
    account = session.exec(select(Account).where(Account.external_id == external_id)).one()
    found = session.exec(
        select(PlaybookStep)
        .where(PlaybookStep.account_id == account.id, PlaybookStep.step == step.value)
        .order_by(col(PlaybookStep.sequence))
    ).first()
    assert found is not None, (external_id, step)
    return found


def submit(app: AppClient, user_id: str, modal: dict[str, Any], values: dict[str, Any]) -> HttpResponse:
    """Submit the modal the app opened, with these input values."""
    payload = view_submission_payload(
        callback_id=modal["callback_id"],
        values=values,
        user_id=user_id,
        private_metadata=modal["private_metadata"],
    )
    payload["view"]["blocks"] = modal["blocks"]
    return app.post_action(payload)
