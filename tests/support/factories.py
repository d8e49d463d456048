"""Small builders for records, written straight to the database under test."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlmodel import Session

from bot.models import Account, Person, Team

__all__ = ["Account", "Person", "Team", "book", "person", "team"]

_ids = count(1)


def team(session: Session, name: str = "Harbor", **fields: object) -> Team:
    record = Team(name=name, **fields)
    session.add(record)
    session.flush()
    return record


def person(
    session: Session,
    team: Team,
    slack_user_id: str,
    *,
    role: str = "csm",
    name: str | None = None,
    active: bool = True,
) -> Person:
    name = name or f"Person {slack_user_id}"
    record = Person(
        slack_user_id=slack_user_id,
        email=f"{slack_user_id.lower()}@example.com",
        name=name,
        team_id=team.id,
        role=role,
        timezone="Europe/London",
        active=active,
    )
    session.add(record)
    session.flush()
    return record


def book(session: Session, owner: Person, **segments: int) -> list[Account]:
    """Give `owner` n accounts per segment key, e.g. book(s, dana, mid_market=90, large=3)."""
    records = []
    for segment, n in segments.items():
        for _ in range(n):
            i = next(_ids)
            records.append(
                Account(
                    external_id=f"A-{i}",
                    name=f"Account {i}",
                    segment_key=segment,
                    arr=25_000.0,
                    owner_id=owner.id,
                    start_date=date(2024, 1, 1),
                )
            )
    session.add_all(records)
    session.flush()
    return records
