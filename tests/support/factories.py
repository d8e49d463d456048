"""Small builders for records, written straight to the database under test."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlmodel import Session

from bot.models import Account, Alert, Person, Team

__all__ = ["Account", "Person", "Team", "book", "declining", "person", "team"]

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


def declining(
    session: Session, owner: Person, *, today: date, external_id: str, name: str, arr: float = 25_000.0
) -> Alert:
    """A mid-market account of `owner` with an open alert raised `today` (usage halved)."""
    account = Account(
        external_id=external_id,
        name=name,
        segment_key="mid_market",
        arr=arr,
        owner_id=owner.id or 0,
        start_date=date(2024, 1, 1),
    )
    session.add(account)
    session.flush()
    alert = Alert(
        account_id=account.id or 0,
        opened_on=today,
        last_seen_on=today,
        drop=0.5,
        recent_mean=5,
        baseline_mean=10,
    )
    session.add(alert)
    session.flush()
    return alert
