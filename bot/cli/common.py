"""What every `csm-coach` verb shares: the consoles, the database made ready, moments and days parsed."""

from __future__ import annotations

from datetime import date, datetime

from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import get_engine, migrate
from bot.errors import UserFacingError
from bot.plaintext import flatten

# No `:shortcode:` in data becomes an emoji; our own lines use none.
console = Console(emoji=False)
errors = Console(stderr=True, emoji=False)


def as_text(data: str) -> str:
    """Data for a Rich markup string: one line without escape sequences, its `[tags]` inert."""
    return escape(flatten(data))


def say(line: str, *, to: Console = console) -> None:
    """A line of ours with data in it, printed as is: no markup, no control character, one line."""
    to.print(flatten(line), markup=False, highlight=False, soft_wrap=True)


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
