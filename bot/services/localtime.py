"""One answer to "what zone is this team or person in, and what day is it there?".

A team's day drives its round, its alerts and its playbook steps, so a person's day is their
team's: the team's own zone, else its members' most common one, else the person's own, else UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session

from bot.models import Person, Team
from bot.services import teams

UTC_ZONE = ZoneInfo("UTC")
# The tz database's areas of places; the rest (EST, CET, PST8PDT, Etc/GMT+5, US/Eastern …) are
# abbreviations, POSIX rules, fixed offsets and old aliases.
PLACE_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
ZONE_HINT = "use the IANA name of a place, like America/New_York or Europe/London, or UTC"
_OFFSET = re.compile(r"^(utc|gmt|z)?\s*[+-−]\s*\d", re.IGNORECASE)


@dataclass(frozen=True)
class LocalTime:
    zone: ZoneInfo
    now: datetime  # the moment, in `zone`

    @property
    def today(self) -> date:
        return self.now.date()


@lru_cache(maxsize=1)
def _zones() -> tuple[dict[str, str], dict[str, str]]:
    """The zones of places (and UTC), then every zone the system knows, by their casefolded names."""
    known = available_timezones() - {"localtime", "Factory"}
    places = {n for n in known if "/" in n and n.split("/", 1)[0] in PLACE_AREAS} | {"UTC"}
    return {n.casefold(): n for n in places}, {n.casefold(): n for n in known}


def place_zone(name: str) -> str:
    """`name` as the IANA zone of a place, or UTC, spelled as IANA spells it ("europe/paris" is
    Europe/Paris). ValueError with a hint for anything else: EST, PST8PDT, CET or Etc/GMT+5 keep
    one offset, or a rule of their own, where the people of a place change their clocks."""
    text = name.strip()
    places, known = _zones()
    found = places.get(text.casefold())
    if found is not None:
        return found
    if _OFFSET.match(text):
        raise ValueError(f'"{text}" is a fixed offset, which ignores summer time: {ZONE_HINT}')
    alias = known.get(text.casefold())
    if alias is None:
        raise ValueError(f'unknown timezone "{text}": {ZONE_HINT}')
    zone = ZoneInfo(alias)
    winter, summer = (datetime(2025, month, 1, tzinfo=zone).strftime("%z") for month in (1, 7))
    if winter == summer == "+0000":
        raise ValueError(
            f'"{text}" is UTC under another name, with no summer time: use UTC, or {ZONE_HINT[4:]}'
        )
    if winter == summer:
        raise ValueError(
            f'"{text}" keeps UTC{winter[:3]}:{winter[3:]} all year, with no summer time: {ZONE_HINT}'
        )
    raise ValueError(
        f'"{text}" is an abbreviation or an alias, not a place, and places change their clocks on '
        f"their own dates: {ZONE_HINT}"
    )


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
