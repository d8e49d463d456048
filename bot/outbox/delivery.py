"""Delivering: claim each message, send it, judge what Slack answered, record how it went.

Every message is a `Delivery` row, inserted before the message is sent. Whoever inserts the row
sends; anyone else (a second run, a second clock) skips. What Slack may have posted (a timeout, a
reset connection, a 5xx) is in doubt and never sent again, nor is a row left in `sending` by a
process killed mid-call: a missing message is better than a double one, and the report says so.
Only a definite refusal (`failed`) is claimed again, up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import datetime
from typing import Any, TypeVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import session_scope
from bot.models import Delivery, DeliveryStatus
from bot.outbox.outgoing import ChannelPost, Key, MorningDm, Outgoing, PlanHandoff, WeeklyDm, from_row, stored
from bot.outbox.report import DeliveryReport, describe

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# Slack answers these for the message itself: the same message would be refused again.
CONTENT_REFUSALS = frozenset(
    {
        "msg_blocks_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "no_text",
        "msg_too_long",
        "too_many_attachments",
        "invalid_attachments",
        "invalid_arguments",
        "markdown_text_conflict",
    }
)
# Slack's own words for these: "it's possible some aspect of the operation succeeded".
IN_DOUBT_ERRORS = frozenset({"internal_error", "fatal_error"})


def _where(key: Key) -> list[ColumnElement[bool]]:
    """The row of `key`: a post is one per team (teams may share a channel), the rest one per recipient."""
    row = stored(key)
    where = [
        col(Delivery.kind) == row.kind,
        col(Delivery.recipient) == row.recipient,
        col(Delivery.local_date) == row.local_date,
    ]
    if row.team_id is not None:
        where.append(col(Delivery.team_id) == row.team_id)
    return where


def claim(*, engine: Engine, out: Outgoing, now: datetime) -> str | None:
    """Take the right to send `out`: None when taken, else the outcome to count instead."""
    row = stored(out.key)
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                session.add(
                    Delivery(
                        kind=row.kind,
                        recipient=row.recipient,
                        local_date=row.local_date,
                        team_id=out.team_id,
                        status=DeliveryStatus.SENDING,
                        claimed_at=now,
                    )
                )
            return None
        except IntegrityError as exc:
            refused = exc
        retried = session.exec(
            update(Delivery)
            .where(
                *_where(out.key),
                col(Delivery.status) == DeliveryStatus.FAILED,
                col(Delivery.attempts) < MAX_ATTEMPTS,
            )
            .values(
                status=DeliveryStatus.SENDING,
                claimed_at=now,
                attempts=col(Delivery.attempts) + 1,
                error=None,
            )
        )
        if retried.rowcount == 1:
            return None
        status = session.exec(select(Delivery.status).where(*_where(out.key))).first()
        if status is None:  # not a row already there: some other constraint refused the claim
            raise refused
    return {
        DeliveryStatus.SENT: "already sent",
        DeliveryStatus.REFUSED: "refused",
        DeliveryStatus.FAILED: "failed",  # out of attempts
    }.get(DeliveryStatus(status), "in doubt")


def send(*, client: WebClient, out: Outgoing, blocks: list[dict[str, Any]]) -> tuple[str, str]:
    """Post the message; returns (channel, ts): for a DM, the IM channel Slack answers with.

    A DM is posted to the user's id, which Slack delivers to the user's conversation with the app:
    one call, where opening the conversation first would add one limited to about 50 a minute.
    """
    response = client.chat_postMessage(channel=out.recipient, text=out.message.text, blocks=blocks)
    return response["channel"], response["ts"]


def judge(exc: Exception) -> tuple[DeliveryStatus, str]:
    """What a failed `chat.postMessage` means: a definite refusal, a refused content, or in doubt."""
    if isinstance(exc, SlackApiError):
        code = exc.response.status_code
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        reason = str(error or f"HTTP {code}")
        if code >= 500 or error in IN_DOUBT_ERRORS:
            return DeliveryStatus.IN_DOUBT, f"{reason} (HTTP {code}): Slack may have posted it"
        if error in CONTENT_REFUSALS:
            messages = data.get("response_metadata", {}).get("messages") if isinstance(data, dict) else None
            return DeliveryStatus.REFUSED, reason + (f" ({'; '.join(messages)})" if messages else "")
        return DeliveryStatus.FAILED, reason
    # Refused or unresolved before anything was sent: Slack never saw the message.
    cause = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(cause, ConnectionRefusedError | socket.gaierror):
        return DeliveryStatus.FAILED, f"cannot reach Slack ({cause})"
    return DeliveryStatus.IN_DOUBT, f"{type(exc).__name__}: {exc}: Slack may have posted it"


def finish(
    *,
    engine: Engine,
    out: Outgoing,
    now: datetime,
    status: DeliveryStatus,
    channel: str | None = None,
    ts: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    error: str | None = None,
) -> None:
    sent = status == DeliveryStatus.SENT
    with session_scope(engine) as session:
        session.exec(
            update(Delivery)
            .where(*_where(out.key))
            .values(
                blocks_json=json.dumps(blocks) if sent and blocks is not None else None,
                status=status,
                sent_at=now if sent else None,
                channel=channel,
                ts=ts,
                error=error[:200] if error else None,
            )
        )


def deliver(
    *, engine: Engine, client: WebClient, out: Outgoing, now: datetime, report: DeliveryReport
) -> None:
    """Claim, send and record one message; whatever fails is counted, never raised."""
    try:
        blocks = out.message.block_dicts()
    except Exception as exc:  # noqa: BLE001 - a message that cannot be built is refused, not the batch
        log.exception("%s could not be built", out.title)
        report.note("refused", out.title, f"could not be built ({describe(exc)})")
        return
    try:
        taken = claim(engine=engine, out=out, now=now)
    except Exception as exc:  # noqa: BLE001 - nothing was sent: the next attempt tries again
        log.exception("%s could not be claimed", out.title)
        report.note("failed", out.title, describe(exc))
        report.retry = True
        return
    if taken is not None:
        report.note(taken)
        return
    try:
        channel, ts = send(client=client, out=out, blocks=blocks)
    except Exception as exc:  # noqa: BLE001 - one recipient's failure never stops the batch
        status, reason = judge(exc)
        _record(engine, out, now, report, status, error=reason)
    else:
        _record(engine, out, now, report, DeliveryStatus.SENT, channel=channel, ts=ts, blocks=blocks)


def _record(
    engine: Engine,
    out: Outgoing,
    now: datetime,
    report: DeliveryReport,
    status: DeliveryStatus,
    **values: Any,
) -> None:
    outcome = {DeliveryStatus.SENT: "sent", DeliveryStatus.IN_DOUBT: "in doubt"}.get(status, str(status))
    error = values.get("error")
    report.note(outcome, out.title, error)
    if status == DeliveryStatus.FAILED:
        report.retry = True
    try:
        finish(engine=engine, out=out, now=now, status=status, **values)
    except Exception as exc:  # noqa: BLE001 - the row stays `sending`: in doubt, never sent again
        log.exception("%s: could not record %s", out.title, status)
        report.failures.append(
            f"{out.title}: {status} but not recorded ({describe(exc)}); it counts as in doubt"
        )


K = TypeVar("K", ChannelPost, MorningDm, PlanHandoff, WeeklyDm)


def failed_since(*, engine: Engine, family: type[K], since: datetime) -> list[K]:
    """The keys of `family` that Slack refused definitely since `since` and that may be claimed again."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(
                col(Delivery.kind), col(Delivery.recipient), col(Delivery.local_date), col(Delivery.team_id)
            )
            .where(
                col(Delivery.status) == DeliveryStatus.FAILED,
                col(Delivery.attempts) < MAX_ATTEMPTS,
                col(Delivery.claimed_at) >= since,
            )
            .order_by(col(Delivery.id))
        ).all()
    keys = (from_row(kind, recipient, day, team_id) for kind, recipient, day, team_id in rows)
    return [key for key in keys if isinstance(key, family)]
