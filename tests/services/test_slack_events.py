"""Event ids already received: the first sight counts once, old ids are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.models import SlackEvent
from bot.services.slack_events import KEEP_FOR, first_sight

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_event_id_is_new_once_then_seen(session: Session) -> None:
    assert first_sight(session=session, event_id="Ev01", now=NOW) is True
    session.commit()
    assert first_sight(session=session, event_id="Ev01", now=NOW + timedelta(minutes=5)) is False
    assert first_sight(session=session, event_id="Ev02", now=NOW) is True


def test_ids_older_than_a_day_are_pruned(session: Session) -> None:
    first_sight(session=session, event_id="EvOLD", now=NOW)
    session.commit()
    first_sight(session=session, event_id="EvNEW", now=NOW + KEEP_FOR + timedelta(seconds=1))
    session.commit()

    kept = session.exec(select(SlackEvent.event_id)).all()

    assert list(kept) == ["EvNEW"]
