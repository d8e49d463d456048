"""Books of accounts: per-CSM counts by segment, turned into band load."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from bot.domain.bands import Band, BookLoad, book_load
from bot.models import Account, Person, Role


@dataclass(frozen=True)
class Book:
    person: Person
    load: BookLoad
    total_arr: float

    @property
    def mean_arr(self) -> float:
        return self.total_arr / self.load.total if self.load.total else 0.0


def list_bands(db: Session | Connection) -> list[Band]:
    """The bands in force, in their order; from a session, or from an import's own connection."""
    conn = db.connection() if isinstance(db, Session) else db
    band = SQLModel.metadata.tables["segment_band"]
    rows = conn.execute(
        core_select(band.c.key, band.c.label, band.c.band_low, band.c.band_high).order_by(
            band.c.position, band.c.key
        )
    )
    return [Band(key=key, label=label, low=low, high=high) for key, label, low, high in rows]


def books_of(*, session: Session, people: Sequence[Person]) -> list[Book]:
    """One grouped query for any number of people; people without accounts get an empty book."""
    bands = list_bands(session)
    ids = [p.id for p in people]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    arr: dict[int, float] = defaultdict(float)
    if ids:
        rows = session.exec(
            select(
                Account.owner_id, Account.segment_key, func.count(), func.coalesce(func.sum(Account.arr), 0)
            )
            .where(col(Account.owner_id).in_(ids))
            .group_by(col(Account.owner_id), col(Account.segment_key))
        ).all()
        for owner_id, segment, count, total in rows:
            counts[owner_id][segment] = int(count)
            arr[owner_id] += float(total)
    return [Book(person=p, load=book_load(counts[p.id], bands), total_arr=arr[p.id]) for p in people if p.id]


def book_of(*, session: Session, person: Person) -> Book:
    return books_of(session=session, people=[person])[0]


def owners_with_accounts(*, session: Session, team_id: int) -> Sequence[Person]:
    """People of a team who own at least one account, even if no longer active."""
    owner_ids = select(Account.owner_id).distinct()
    return session.exec(select(Person).where(Person.team_id == team_id, col(Person.id).in_(owner_ids))).all()


def team_books(*, session: Session, team_id: int) -> list[Book]:
    """The team's active CSMs plus anyone of the team who owns accounts (a manager, a leaver)."""
    csms = session.exec(
        select(Person).where(Person.team_id == team_id, col(Person.active).is_(True), Person.role == Role.CSM)
    ).all()
    members = {p.id: p for p in [*csms, *owners_with_accounts(session=session, team_id=team_id)]}
    return books_of(session=session, people=list(members.values()))


@dataclass(frozen=True)
class Renewal:
    name: str
    arr: float
    renewal_date: date


def next_renewals(*, session: Session, owner_id: int, today: date, limit: int = 3) -> list[Renewal]:
    rows = session.exec(
        select(Account.name, Account.arr, col(Account.renewal_date))
        .where(Account.owner_id == owner_id, col(Account.renewal_date) >= today)
        .order_by(col(Account.renewal_date), col(Account.arr).desc(), col(Account.name))
        .limit(limit)
    ).all()
    return [Renewal(name, float(arr), day) for name, arr, day in rows if day is not None]
