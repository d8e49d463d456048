"""Acting in place: edit one line of a message the bot sent, or refresh the user's App Home."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlmodel import Session, col, select, update

from bot.config import Settings
from bot.errors import UserFacingError
from bot.models import Account, Delivery, Person
from bot.services import localtime, people


def edit_line(
    *,
    session: Session,
    client: WebClient,
    channel: str,
    ts: str,
    block_id: str,
    replacement: dict[str, Any],
    shown: list[dict[str, Any]] | None = None,
    text: str | None = None,
) -> None:
    """Replace the block `block_id` of the message (as last stored, else as the click showed it)."""
    # The stored message is locked until the request commits: a click on another line of it, in another
    # process, waits here and then edits the message as this one left it. The write that changes
    # nothing takes the row's lock on PostgreSQL and the write lock on SQLite, which has no FOR UPDATE.
    this_message = (col(Delivery.channel) == channel, col(Delivery.ts) == ts)
    session.exec(update(Delivery).where(*this_message).values(ts=col(Delivery.ts)))  # type: ignore[call-overload]
    delivery = session.exec(select(Delivery).where(*this_message)).first()
    current = json.loads(delivery.blocks_json) if delivery and delivery.blocks_json else (shown or [])
    if not current:
        return
    updated = [replacement if block.get("block_id") == block_id else block for block in current]
    client.chat_update(channel=channel, ts=ts, text=text or "csm-coach", blocks=updated)
    if delivery is not None:
        delivery.blocks_json = json.dumps(updated)
        session.add(delivery)


def authorised_account(
    *, session: Session, user_id: str, account_id: int, settings: Settings
) -> tuple[Account, Person, ZoneInfo]:
    """The account, its owner and the owner's team zone, if `user_id` may act on it; else a refusal."""
    account = session.get(Account, account_id)
    owner = session.get(Person, account.owner_id) if account else None
    if account is None or owner is None:
        raise UserFacingError("This account is no longer tracked by csm-coach.")
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if not people.may_act_for(
        viewer_id=user_id, viewer=viewer, target=owner, admins=settings.csm_coach_admins
    ):
        raise UserFacingError(
            f"Only the account's CSM (<@{owner.slack_user_id}>), their manager or an admin "
            f"can act on {account.name}."
        )
    return account, owner, localtime.person_zone(owner, session=session)


def local_day(now: datetime, zone: ZoneInfo) -> str:
    return f"{now.astimezone(zone):%a %-d %b %H:%M}"
