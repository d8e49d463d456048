"""Working days: weekday names as people write them, and the next working day's post time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_days(text: str) -> frozenset[int]:
    """`mon,tue,wed` (or full names, any case) as weekday numbers, Monday 0; ValueError otherwise."""
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        if part in NAMES:
            days.add(NAMES.index(part))
        elif part in _FULL:
            days.add(_FULL.index(part))
        else:
            raise ValueError(f"{part!r} is not a weekday name")
    if not days:
        raise ValueError("no weekday named")
    return frozenset(days)


def cron_days(days: Iterable[int]) -> str:
    """APScheduler's `day_of_week` for these days: `mon,tue,wed`."""
    return ",".join(NAMES[d] for d in sorted(days))


def describe(days: Iterable[int]) -> str:
    return ",".join(NAMES[d] for d in sorted(days))


def next_post(after: datetime, post_time: time, days: frozenset[int]) -> datetime:
    """The first post time strictly after `after` (an aware moment in the team's zone) on a working day."""
    zone = after.tzinfo
    assert isinstance(zone, ZoneInfo), "`after` must carry a ZoneInfo"
    day: date = after.date()
    for _ in range(8):
        if day.weekday() in days:
            moment = datetime.combine(day, post_time, tzinfo=zone)
            if moment > after:
                return moment
        day += timedelta(days=1)
    raise ValueError("no working day in a week")
