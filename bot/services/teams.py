"""Teams: every team look-up and write, and the channel, time and time zone of their daily post."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import Connection, func
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from bot.errors import UserFacingError
from bot.models import Person, Team
from bot.services import localtime

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
POST_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def get_team(*, session: Session, team_id: int | None) -> Team | None:
    return session.get(Team, team_id) if team_id is not None else None


def find_team(*, session: Session, name: str) -> Team | None:
    return session.exec(select(Team).where(func.lower(Team.name) == name.strip().lower())).first()


def all_teams(*, session: Session) -> Sequence[Team]:
    """Every team, by name."""
    return session.exec(select(Team).order_by(Team.name)).all()


def teams_by_age(*, session: Session) -> Sequence[Team]:
    """Every team, oldest first (the order the team file created them)."""
    return session.exec(select(Team).order_by(col(Team.id))).all()


def team_members(*, session: Session, team_id: int) -> Sequence[Person]:
    return session.exec(
        select(Person).where(Person.team_id == team_id, col(Person.active).is_(True)).order_by(Person.name)
    ).all()


def ensure_named(conn: Connection, names: Sequence[str]) -> tuple[dict[str, int], int]:
    """The team file's bulk write: the id of each team name (matched case-insensitively, keyed by its
    casefold), creating the teams new to the database; and how many were created."""
    team = SQLModel.metadata.tables["team"]
    ids: dict[str, int] = {}
    for team_id, name in conn.execute(core_select(team.c.id, team.c.name).order_by(team.c.id)):
        ids.setdefault(name.casefold(), team_id)
    created = 0
    for name in names:
        if name.casefold() not in ids:
            inserted = conn.execute(team.insert().values(name=name).returning(team.c.id))
            ids[name.casefold()] = inserted.scalar_one()
            created += 1
    return ids, created


def timezone_of(team: Team, *, session: Session) -> str:
    """The team's own zone, else its members' most common one, else UTC."""
    if team.timezone:
        return team.timezone
    assert team.id is not None
    zones = Counter(p.timezone for p in team_members(session=session, team_id=team.id))
    return zones.most_common(1)[0][0] if zones else "UTC"


def find_team_or_fail(*, session: Session, name: str) -> Team:
    team = find_team(session=session, name=name)
    if team is None:
        known = (
            ", ".join(t.name for t in all_teams(session=session)) or "none yet: import the team file first"
        )
        raise UserFacingError(f"no team named {name!r} (teams: {known})")
    return team


def set_channel(*, session: Session, team: Team, channel: str) -> None:
    """The channel of the team's daily post: a Slack channel id (C… or G…), `#` allowed before it."""
    channel = channel.strip().lstrip("#")
    if not CHANNEL_ID.match(channel):
        raise UserFacingError(f"{channel!r} is not a Slack channel id like C0123ABCD")
    team.channel_id = channel
    session.add(team)


def configure(
    *, session: Session, name: str, channel: str | None, post_time: str | None, timezone: str | None
) -> Team:
    team = find_team_or_fail(session=session, name=name)
    if channel is not None:
        try:
            set_channel(session=session, team=team, channel=channel)
        except UserFacingError as error:
            raise UserFacingError(f"--channel: {error}") from None
    if post_time is not None:
        match = POST_TIME.match(post_time.strip().rjust(5, "0"))
        if not match:
            raise UserFacingError(f"--post-time: {post_time!r} is not a time like 09:00")
        team.post_time = match.group(0)
    if timezone is not None:
        try:
            team.timezone = localtime.place_zone(timezone)
        except ValueError as error:
            raise UserFacingError(f"--timezone: {error}") from None
    session.add(team)
    session.flush()
    return team


def describe(team: Team, *, session: Session) -> str:
    where = f"channel {team.channel_id}" if team.channel_id else "no channel yet (--channel C…)"
    return f"Team {team.name}: daily post at {team.post_time} {timezone_of(team, session=session)}, {where}."
