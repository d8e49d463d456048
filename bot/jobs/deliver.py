"""Delivering the morning round: claim each message, send it, record how it went.

Every message is a `Delivery` row keyed by (kind, recipient, local date), inserted before the
message is sent. Whoever inserts the row sends; anyone else (a second run, a second clock) skips.
A row left in `sending` by a process killed mid-call is not sent again: a missing message is
better than a double one, and the summary reports it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import session_scope
from bot.jobs.compose import Outgoing
from bot.models import Delivery


@dataclass
class RoundSummary:
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [
            f"{self.outcomes[k]} {k}"
            for k in ("sent", "already sent", "in doubt", "failed")
            if self.outcomes[k]
        ]
        text = "Morning round: " + (", ".join(parts) if parts else "nothing to send")
        if self.stale:
            text += f" · stale usage feed for {', '.join(self.stale)}"
        if self.failures:
            text += " · failures: " + "; ".join(self.failures)
        return text


def claim(*, engine: Engine, out: Outgoing, now: datetime) -> str | None:
    """Take the right to send `out`: None when taken, else why not ("already sent", "in doubt")."""
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                session.add(
                    Delivery(
                        kind=out.kind,
                        recipient=out.recipient,
                        local_date=out.local_date,
                        team_id=out.team_id,
                        status="sending",
                        claimed_at=now,
                    )
                )
            return None
        except IntegrityError:
            pass
        retried = session.exec(  # type: ignore[call-overload]
            update(Delivery)
            .where(
                col(Delivery.kind) == out.kind,
                col(Delivery.recipient) == out.recipient,
                col(Delivery.local_date) == out.local_date,
                col(Delivery.status) == "failed",
            )
            .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1, error=None)
        )
        if retried.rowcount == 1:
            return None
        existing = session.exec(
            select(Delivery.status).where(
                Delivery.kind == out.kind,
                Delivery.recipient == out.recipient,
                Delivery.local_date == out.local_date,
            )
        ).one()
        return "already sent" if existing == "sent" else "in doubt"


def send(*, client: WebClient, out: Outgoing) -> tuple[str, str]:
    """Post the message; returns (channel, ts): for a DM, the IM channel Slack answers with.

    A DM is posted to the user's id, which Slack delivers to the user's conversation with the app:
    one call, where opening the conversation first would add one limited to about 50 a minute.
    """
    response = client.chat_postMessage(
        channel=out.recipient, text=out.message.text, blocks=out.message.block_dicts()
    )
    return response["channel"], response["ts"]


def finish(
    *, engine: Engine, out: Outgoing, now: datetime, channel: str | None, ts: str | None, error: str | None
) -> None:
    with session_scope(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(Delivery)
            .where(
                col(Delivery.kind) == out.kind,
                col(Delivery.recipient) == out.recipient,
                col(Delivery.local_date) == out.local_date,
            )
            .values(
                blocks_json=None if error else json.dumps(out.message.block_dicts()),
                status="failed" if error else "sent",
                sent_at=None if error else now,
                channel=channel,
                ts=ts,
                error=error[:200] if error else None,
            )
        )


def deliver(
    *, engine: Engine, client: WebClient, out: Outgoing, now: datetime, summary: RoundSummary
) -> None:
    refused = claim(engine=engine, out=out, now=now)
    if refused:
        summary.outcomes[refused] += 1
        return
    try:
        channel, ts = send(client=client, out=out)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
    except Exception as exc:  # noqa: BLE001 - one recipient's failure never stops the round
        error = f"{type(exc).__name__}: {exc}"
    else:
        finish(engine=engine, out=out, now=now, channel=channel, ts=ts, error=None)
        summary.outcomes["sent"] += 1
        return
    finish(engine=engine, out=out, now=now, channel=None, ts=None, error=error)
    summary.outcomes["failed"] += 1
    summary.failures.append(f"{out.title}: {error}")
