"""What a user did, read once from the payload (`bot/slack/payload.py` checked its shape): a slash command,
a button clicked, a modal submitted, App Home opened. Each listener parses its body into one of these and
hands it to its handle function (`bot/slack/work.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import UserFacingError
from bot.slack.message_edit import Place
from bot.slack.payload import acting_channel, acting_user

Ref = TypeVar("Ref", bound=BaseModel)

STALE_BUTTON = "That button is from an older csm-coach message; today's has a fresh one."


@dataclass(frozen=True)
class SlashCommand:
    command: str
    user_id: str
    text: str
    channel_id: str
    channel_name: str

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> SlashCommand:
        return cls(
            command=str(body.get("command") or ""),
            user_id=acting_user(body),
            text=str(body.get("text") or "").strip(),
            channel_id=str(body.get("channel_id") or ""),
            channel_name=str(body.get("channel_name") or ""),
        )


@dataclass(frozen=True)
class ButtonClick:
    """A button of ours clicked: which, its value, and where (a message's line, or App Home)."""

    user_id: str
    action_id: str
    value: str
    place: Place
    trigger_id: str | None
    response_url: str | None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> ButtonClick:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        return cls(
            user_id=acting_user(body),
            action_id=str(action.get("action_id") or ""),
            value=str(action.get("value") or ""),
            place=Place(
                channel=acting_channel(body),
                ts=container.get("message_ts") or message.get("ts"),
                shown=message.get("blocks") or [],
                text=message.get("text"),
            ),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
        )

    def ref(self, model: type[Ref], *, stale: str = STALE_BUTTON) -> Ref:
        """The typed value the button carries; one from an older message gets a clear answer."""
        try:
            return model.model_validate_json(self.value)
        except ValidationError:
            raise UserFacingError(stale) from None


@dataclass(frozen=True)
class ModalSubmit:
    """A modal of ours submitted: which, what it carries in its metadata, and its inputs."""

    user_id: str
    callback_id: str
    metadata: str
    values: dict[str, Any]

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> ModalSubmit:
        view = body.get("view") or {}
        return cls(
            user_id=acting_user(body),
            callback_id=str(view.get("callback_id") or ""),
            metadata=str(view.get("private_metadata") or "{}"),
            values=(view.get("state") or {}).get("values") or {},
        )

    def context(self, model: type[Ref]) -> Ref | None:
        """The typed context the modal carries in its metadata; None when it is not one of ours."""
        try:
            return model.model_validate_json(self.metadata)
        except ValidationError:
            return None


@dataclass(frozen=True)
class HomeOpened:
    user_id: str
    tab: str

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> HomeOpened:
        event = body.get("event") or {}
        return cls(user_id=acting_user(body), tab=str(event.get("tab", "home")))
