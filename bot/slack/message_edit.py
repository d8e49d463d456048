"""A line of a bot message edited in place: locked and stored in the click's transaction, sent after it.

Where the user acted is a `Place`: a bot message (its line is edited) or App Home (redrawn)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from bot.config import Settings
from bot.db import session_scope
from bot.models import Delivery
from bot.slack.home import HomeRefresh

# Two clicks on one message can reach Slack out of order; the last to finish re-sends the newest.
RESEND_TRIES = 3


@dataclass(frozen=True)
class Place:
    """Where a line the user acted on is shown: a bot message (`channel`, `ts`, and the blocks and text
    the click saw), or, with no message, the user's App Home."""

    channel: str | None = None
    ts: str | None = None
    shown: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None


@dataclass(frozen=True)
class MessageEdit:
    """A bot message with one line replaced: stored in the click's transaction, sent after its commit."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    stored: bool  # the message is a delivery of ours, whose blocks the database keeps

    def send(self, client: WebClient, engine: Engine) -> None:
        sent = self.blocks
        for _ in range(RESEND_TRIES):
            client.chat_update(channel=self.channel, ts=self.ts, text=self.text, blocks=sent)
            if not self.stored:
                return
            latest = stored_blocks(engine, self.channel, self.ts)
            if latest is None or latest == sent:
                return
            sent = latest  # another click edited it meanwhile and may have reached Slack first


def stored_blocks(engine: Engine, channel: str, ts: str) -> list[dict[str, Any]] | None:
    with session_scope(engine) as session:
        delivery = session.exec(
            select(Delivery).where(Delivery.channel == channel, Delivery.ts == ts)
        ).first()
        return json.loads(delivery.blocks_json) if delivery and delivery.blocks_json else None


def stage_line(
    *,
    session: Session,
    channel: str,
    ts: str,
    block_id: str,
    replacement: dict[str, Any],
    shown: list[dict[str, Any]] | None = None,
    text: str | None = None,
) -> MessageEdit | None:
    """The message (as last stored, else as the click showed it) with the block `block_id` replaced."""
    # The stored message is locked until the click's transaction commits: a click on another line of it,
    # in another process, waits here and then edits the message as this one left it. The write that
    # changes nothing takes the row's lock on PostgreSQL and the write lock on SQLite (no FOR UPDATE).
    this_message = (col(Delivery.channel) == channel, col(Delivery.ts) == ts)
    session.exec(update(Delivery).where(*this_message).values(ts=col(Delivery.ts)))
    delivery = session.exec(select(Delivery).where(*this_message)).first()
    current = json.loads(delivery.blocks_json) if delivery and delivery.blocks_json else (shown or [])
    if not current:
        return None
    updated = [replacement if block.get("block_id") == block_id else block for block in current]
    if delivery is not None:
        delivery.blocks_json = json.dumps(updated)
        session.add(delivery)
    return MessageEdit(
        channel=channel, ts=ts, text=text or "csm-coach", blocks=updated, stored=delivery is not None
    )


def stage_note(
    *,
    session: Session,
    place: Place,
    user_id: str,
    block_id: str,
    note: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> MessageEdit | HomeRefresh | None:
    """Inside the act's transaction: the message's line becomes `note`, or App Home is to be redrawn."""
    if place.channel and place.ts:
        return stage_line(
            session=session,
            channel=place.channel,
            ts=place.ts,
            block_id=block_id,
            replacement=note,
            shown=place.shown,
            text=place.text,
        )
    return HomeRefresh(user_id=user_id, settings=settings, now=now)
