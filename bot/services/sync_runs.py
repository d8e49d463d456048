"""The clock's daily syncs as rows: claimed once per source and UTC day, and their failures read back
for the morning posts (docs/how-it-works.md, "Data that arrives by itself")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.models import SyncRun, SyncState

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
    with session_scope(engine) as session:
        session.exec(
            update(SyncRun)
            .where(col(SyncRun.source) == source, col(SyncRun.run_date) == day)
            .values(
                state=SyncState.FAILED if error else SyncState.DONE,
                finished_at=now,
                error=error[:500] if error else None,
                summary=summary[:500] if summary else None,
            )
        )


def recent_failures(*, session: Session, today: date) -> list[SyncFailure]:
    """Each source whose latest daily sync failed, today or yesterday (UTC): what the posts must say."""
    rows = session.exec(
        select(SyncRun)
        .where(col(SyncRun.run_date) >= today - FAILURES_SHOWN_FOR)
        .order_by(col(SyncRun.run_date).desc())
    ).all()
    latest: dict[str, SyncRun] = {}
    for row in rows:
        latest.setdefault(row.source, row)
    return [
        SyncFailure(row.source, row.run_date, row.started_at, row.error or "no reason recorded")
        for row in latest.values()
        if row.state == SyncState.FAILED
    ]
