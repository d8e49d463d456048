"""The click context: where a button was clicked (a message or App Home), and what showing the result
there takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from bot.errors import UserFacingError
from bot.slack.home import HomeRefresh
from bot.slack.message_edit import stage_line
from bot.slack.payload import acting_channel, acting_user
from bot.slack.work import Scope, Shown

Ref = TypeVar("Ref", bound=BaseModel)


@dataclass(frozen=True)
class Click:
    user_id: str
    channel: str | None  # None in App Home or a modal
    ts: str | None
    shown: list[dict[str, Any]]
    text: str | None
    trigger_id: str | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Click:
        container = body.get("container") or {}
        message = body.get("message") or {}
        return cls(
            user_id=acting_user(body),
            channel=acting_channel(body),
            ts=container.get("message_ts") or message.get("ts"),
            shown=message.get("blocks") or [],
            text=message.get("text"),
            trigger_id=body.get("trigger_id"),
        )

    def stage(self, *, session: Session, scope: Scope, block_id: str, note: dict[str, Any]) -> Shown | None:
        """Inside the click's transaction: the message's line becomes `note`, or App Home is redrawn."""
        if self.channel and self.ts:
            return stage_line(
                session=session,
                channel=self.channel,
                ts=self.ts,
                block_id=block_id,
                replacement=note,
                shown=self.shown,
                text=self.text,
            )
        return HomeRefresh(user_id=self.user_id, settings=scope.settings, now=scope.now)


def button_value(body: dict[str, Any]) -> tuple[str, str]:
    """(action_id, value) of the button clicked."""
    action = (body.get("actions") or [{}])[0]
    return str(action.get("action_id") or ""), str(action.get("value") or "")


def button_ref(model: type[Ref], value: str) -> Ref:
    """The typed value a button of ours carries; one from an older message gets a clear answer."""
    try:
        return model.model_validate_json(value)
    except ValidationError:
        raise UserFacingError(
            "That button is from an older csm-coach message; today's has a fresh one."
        ) from None
