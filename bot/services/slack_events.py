"""Events API event ids already received: the first delivery of an event is processed, retries are not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from bot.models import SlackEvent

# Slack retries an event three times within about five minutes; a day leaves a wide margin.
KEEP_FOR = timedelta(days=1)


def first_sight(*, session: Session, event_id: str, now: datetime) -> bool:
    """Record `event_id`; False when it was already recorded (by this process or another)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(SlackEvent)
        .values(event_id=event_id[:64], received_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(col(SlackEvent.event_id))  # rowcount is -1 here with psycopg 3; a row back is certain
    )
    written = session.exec(statement).first() is not None
    session.exec(delete(SlackEvent).where(col(SlackEvent.received_at) < now - KEEP_FOR))
    return written
