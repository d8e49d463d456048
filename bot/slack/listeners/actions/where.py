"""Where a button was clicked (a message or App Home), and how to answer there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.slack.surfaces import edit_line


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
            user_id=body["user"]["id"],
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=container.get("message_ts") or message.get("ts"),
            shown=message.get("blocks") or [],
            text=message.get("text"),
            trigger_id=body.get("trigger_id"),
        )

    def show(
        self,
        *,
        session: Session,
        client: WebClient,
        settings: Settings,
        now: datetime,
        block_id: str,
        note: dict[str, Any],
    ) -> None:
        """The message's line becomes `note`; in App Home the whole tab is refreshed."""
        if self.channel and self.ts:
            edit_line(
                session=session,
                client=client,
                channel=self.channel,
                ts=self.ts,
                block_id=block_id,
                replacement=note,
                shown=self.shown,
                text=self.text,
            )
        else:
            from bot.slack.listeners.events.app_home import publish_home

            publish_home(session=session, client=client, settings=settings, user_id=self.user_id, now=now)

    def tell(self, client: WebClient, text: str) -> None:
        """A word only the clicker sees."""
        if self.channel:
            client.chat_postEphemeral(channel=self.channel, user=self.user_id, text=text)
        else:
            client.chat_postMessage(channel=self.user_id, text=text)
