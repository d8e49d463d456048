"""Acting in place: who may act on an account, and one line of a bot message edited after the commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from bot.config import Settings
from bot.db import session_scope
from bot.errors import UserFacingError
from bot.models import Account, Delivery, Person
from bot.services import localtime, people
from bot.slack.blocks.common import escape

LEAVER_REFUSAL = (
    "You are no longer in the csm-coach roster, so this button, form or command no longer acts for you. "
    "Ask your manager if that is a mistake."
)
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


def authorised_account(
    *, session: Session, user_id: str, account_id: int, settings: Settings
) -> tuple[Account, Person, ZoneInfo]:
    """The account, its owner and the owner's team zone, if `user_id` may act on it; else a refusal."""
    account = session.get(Account, account_id)
    owner = session.get(Person, account.owner_id) if account else None
    if account is None or owner is None:
        raise UserFacingError("This account is no longer tracked by csm-coach.")
    viewer = people.get_person(session=session, slack_user_id=user_id)
    admins = settings.csm_coach_admins
    if people.is_leaver(user_id, viewer, admins):
        raise UserFacingError(LEAVER_REFUSAL)
    if not people.may_act_for(viewer_id=user_id, viewer=viewer, target=owner, admins=admins):
        raise UserFacingError(
            f"Only the account's CSM (<@{escape(owner.slack_user_id)}>), their manager or an admin "
            f"can act on {escape(account.name)}."
        )
    return account, owner, localtime.person_zone(owner, session=session)


def local_day(now: datetime, zone: ZoneInfo) -> str:
    return f"{now.astimezone(zone):%a %-d %b %H:%M}"
