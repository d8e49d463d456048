"""Syncs as rows: the clock's daily one claimed once per source and UTC day, one by hand (`csm-coach
sync`) recorded beside it without taking its place, and the latest one's failure read back for the
morning posts (docs/how-it-works.md, "Data that arrives by itself")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.models import SyncRun, SyncState

BY_CLOCK, BY_HAND = "clock", "command"  # SyncRun.started_by
STALE_RUNNING = timedelta(minutes=30)  # a sync left running this long by a killed clock is taken again
FAILURES_SHOWN_FOR = timedelta(days=1)  # a failure is said on the day it happened and the next


@dataclass(frozen=True)
class SyncFailure:
    source: str  # "team", "accounts" or "usage"
    run_date: date
    started_at: datetime
    reason: str


def claim(*, engine: Engine, sources: Sequence[str], day: date, now: datetime) -> list[str]:
    """Take the day's sync of these sources; the ones this clock should run, in order.

    All are claimed in one transaction, so a second clock takes none of them and cannot run accounts
    while the first still runs the team; only syncs left running past STALE_RUNNING are taken again.
    """
    try:
        with session_scope(engine) as session:
            for source in sources:
                session.add(SyncRun(source=source, run_date=day, state=SyncState.RUNNING, started_at=now))
        return list(sources)
    except IntegrityError:
        pass
    taken = []
    with session_scope(engine) as session:
        for source in sources:
            result = session.exec(
                update(SyncRun)
                .where(
                    and_(
                        col(SyncRun.source) == source,
                        col(SyncRun.run_date) == day,
                        col(SyncRun.started_by) == BY_CLOCK,
                        col(SyncRun.state) == SyncState.RUNNING,
                        col(SyncRun.started_at) <= now - STALE_RUNNING,
                    )
                )
                .values(started_at=now)
            )
            if result.rowcount == 1:
                taken.append(source)
    return taken


def finish(
    *, engine: Engine, source: str, day: date, now: datetime, error: str | None, summary: str | None = None
) -> None:
    """The clock's daily sync of the source is over: done, or failed for `error`."""
    where = (col(SyncRun.source) == source, col(SyncRun.run_date) == day, col(SyncRun.started_by) == BY_CLOCK)
    _finish(engine, where, now=now, error=error, summary=summary)


def begin_by_hand(*, engine: Engine, source: str, now: datetime) -> int:
    """A `csm-coach sync` of the source begins: its row, which leaves the clock's daily slot alone."""
    with session_scope(engine) as session:
        run = SyncRun(
            source=source, run_date=now.date(), state=SyncState.RUNNING, started_at=now, started_by=BY_HAND
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def finish_by_hand(
    *, engine: Engine, run_id: int, now: datetime, error: str | None, summary: str | None = None
) -> None:
    _finish(engine, (col(SyncRun.id) == run_id,), now=now, error=error, summary=summary)


def forget_by_hand(*, engine: Engine, run_id: int) -> None:
    """A sync by hand stopped before it wrote anything: as if it had not begun."""
    with session_scope(engine) as session:
        session.exec(delete(SyncRun).where(col(SyncRun.id) == run_id))


def _finish(
    engine: Engine, where: tuple[Any, ...], *, now: datetime, error: str | None, summary: str | None
) -> None:
    with session_scope(engine) as session:
        session.exec(
            update(SyncRun)
            .where(*where)
            .values(
                state=SyncState.FAILED if error else SyncState.DONE,
                finished_at=now,
                error=error[:500] if error else None,
                summary=summary[:500] if summary else None,
            )
        )


def recent_failures(*, session: Session, today: date) -> list[SyncFailure]:
    """Each source whose latest finished sync, the clock's or one by hand, failed today or yesterday
    (UTC): what the posts must say. A sync that works afterwards, by hand too, clears it."""
    rows = session.exec(
        select(SyncRun)
        .where(col(SyncRun.run_date) >= today - FAILURES_SHOWN_FOR, col(SyncRun.state) != SyncState.RUNNING)
        .order_by(col(SyncRun.finished_at).desc(), col(SyncRun.id).desc())
    ).all()
    latest: dict[str, SyncRun] = {}
    for row in rows:
        latest.setdefault(row.source, row)
    return [
        SyncFailure(row.source, row.run_date, row.started_at, row.error or "no reason recorded")
        for row in latest.values()
        if row.state == SyncState.FAILED
    ]
