"""A line of a bot message edited in place: locked and stored in the click's transaction, sent after it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from bot.db import session_scope
from bot.models import Delivery

# Two clicks on one message can reach Slack out of order; the last to finish re-sends the newest.
RESEND_TRIES = 3


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
