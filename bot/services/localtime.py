"""One answer to "what zone is this team or person in, and what day is it there?".

A team's day drives its round, its alerts and its playbook steps, so a person's day is their
team's: the team's own zone, else its members' most common one, else the person's own, else UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.models import Person, Team
from bot.services import teams

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class LocalTime:
    zone: ZoneInfo
    now: datetime  # the moment, in `zone`

    @property
    def today(self) -> date:
        return self.now.date()


def zone_named(name: str | None) -> ZoneInfo:
    """A stored zone name as a ZoneInfo; a name the system does not know is read as UTC."""
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def at(now: datetime, zone: ZoneInfo) -> LocalTime:
    if now.tzinfo is None:
        raise ValueError("`now` must carry a time zone")
    return LocalTime(zone, now.astimezone(zone))


def team_zone(team: Team, *, session: Session) -> ZoneInfo:
    return zone_named(teams.timezone_of(team, session=session))


def person_zone(person: Person | None, *, session: Session) -> ZoneInfo:
    """The person's team's zone; someone csm-coach does not know (an admin only in settings) gets UTC."""
    if person is None:
        return UTC_ZONE
    team = teams.get_team(session=session, team_id=person.team_id)
    return zone_named(person.timezone) if team is None else team_zone(team, session=session)


def for_team(team: Team, *, session: Session, now: datetime) -> LocalTime:
    return at(now, team_zone(team, session=session))


def for_person(person: Person | None, *, session: Session, now: datetime) -> LocalTime:
    return at(now, person_zone(person, session=session))
