"""What every `csm-coach` verb shares: the consoles, the database made ready, moments and days parsed."""

from __future__ import annotations

from datetime import date, datetime

from rich.console import Console
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import get_engine, migrate
from bot.errors import UserFacingError

console = Console()
errors = Console(stderr=True)


def ready_engine(settings: Settings) -> Engine:
    """The configured database, its schema brought up to date."""
    engine = get_engine(settings.database_url)
    migrate(engine)
    return engine


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserFacingError(f"--at: {value!r} is not a moment like 2026-11-23T09:00+00:00") from None
    if moment.tzinfo is None:
        raise UserFacingError(f"--at: {value!r} needs a UTC offset, e.g. 2026-11-23T09:00+00:00")
    return moment


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserFacingError(f"--today: {value!r} is not a date like 2026-11-22") from None
