"""Team settings: the channel, time and time zone of the daily post."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from bot.errors import UserFacingError
from bot.models import Team
from bot.services import people

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
POST_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def timezone_of(team: Team, *, session: Session) -> str:
    """The team's own zone, else its members' most common one, else UTC."""
    if team.timezone:
        return team.timezone
    assert team.id is not None
    zones = Counter(p.timezone for p in people.team_members(session=session, team_id=team.id))
    return zones.most_common(1)[0][0] if zones else "UTC"


def all_teams(*, session: Session) -> Sequence[Team]:
    return people.list_teams(session=session)


def find_team_or_fail(*, session: Session, name: str) -> Team:
    team = people.find_team(session=session, name=name)
    if team is None:
        known = (
            ", ".join(t.name for t in people.list_teams(session=session))
            or "none yet: import the team file first"
        )
        raise UserFacingError(f"no team named {name!r} (teams: {known})")
    return team


def configure(
    *, session: Session, name: str, channel: str | None, post_time: str | None, timezone: str | None
) -> Team:
    team = find_team_or_fail(session=session, name=name)
    if channel is not None:
        channel = channel.strip().lstrip("#")
        if not CHANNEL_ID.match(channel):
            raise UserFacingError(f"--channel: {channel!r} is not a Slack channel id like C0123ABCD")
        team.channel_id = channel
    if post_time is not None:
        match = POST_TIME.match(post_time.strip().rjust(5, "0"))
        if not match:
            raise UserFacingError(f"--post-time: {post_time!r} is not a time like 09:00")
        team.post_time = match.group(0)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserFacingError(
                f"--timezone: {timezone!r} is not a known time zone (e.g. Europe/London)"
            ) from None
        team.timezone = timezone
    session.add(team)
    session.flush()
    return team


def describe(team: Team, *, session: Session) -> str:
    where = f"channel {team.channel_id}" if team.channel_id else "no channel yet (--channel C…)"
    return f"Team {team.name}: daily post at {team.post_time} {timezone_of(team, session=session)}, {where}."
