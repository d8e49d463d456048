"""Who acts in a payload, and where: the field Slack sends for each kind, never another beside it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.payload import acting_channel, acting_user
from tests.support import signing

CLICK = signing.block_actions_payload(action_id="step-done", user_id="U0CSM", channel_id="C0HERE")
MODAL = signing.view_submission_payload(callback_id="step-done-modal", values={}, user_id="U0CSM")
COMMAND = {"command": "/myload", "user_id": "U0CSM", "channel_id": "C0HERE", "text": ""}
EVENT = {"type": "event_callback", "event": signing.app_home_opened("U0CSM"), "user_id": "U0ADMIN"}


@pytest.mark.parametrize(
    "payload",
    [
        {**CLICK, "user_id": "U0ADMIN"},
        {**MODAL, "user_id": "U0ADMIN"},
        {"type": "view_closed", "user": {"id": "U0CSM"}, "user_id": "U0ADMIN"},
        {"type": "shortcut", "user": {"id": "U0CSM"}, "user_id": "U0ADMIN"},
        {**COMMAND, "user": {"id": "U0ADMIN"}},
        {**EVENT, "user": {"id": "U0ADMIN"}},
    ],
    ids=["click", "modal", "modal-closed", "shortcut", "command", "event"],
)
def test_the_acting_user_is_the_field_slack_sends_for_the_kind_whatever_sits_beside_it(
    payload: dict[str, Any],
) -> None:
    assert acting_user(payload) == "U0CSM"


@pytest.mark.parametrize(
    "payload",
    [{}, {"type": "block_actions"}, {"type": "block_actions", "user": ["U0CSM"]}, {"command": "/myload"}],
)
def test_a_payload_naming_nobody_has_no_acting_user(payload: dict[str, Any]) -> None:
    assert acting_user(payload) == ""


def test_the_channel_acted_in_is_the_clicked_messages_or_none() -> None:
    assert acting_channel(CLICK) == "C0HERE"
    assert acting_channel({**CLICK, "container": {"type": "view"}, "channel": "C0STRING"}) == "C0STRING"
    assert acting_channel(MODAL) is None
    assert acting_channel({"channel": 7}) is None
