"""What every `csm-coach` verb shares: the consoles, the database made ready, moments and days parsed."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.db import get_engine, migrate
from bot.errors import CannotStart, UserFacingError
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
    """The configured database, its schema brought up to date; CannotStart, in one line, when the
    database cannot be had: a driver not installed, a file that cannot be opened, a server that
    refuses."""
    url = make_url(settings.database_url)
    try:
        engine = get_engine(settings.database_url)
        migrate(engine)
    except ImportError as error:
        module = getattr(error, "name", None) or "its driver"
        raise CannotStart(
            f"DATABASE_URL: {url.drivername} needs the Python module {module}, which is not installed "
            "(postgresql://… uses psycopg, which is)"
        ) from None
    except OperationalError as error:
        said = " ".join(str(error.orig).split())  # the driver's words, on one line
        if url.get_backend_name() == "sqlite":
            where = f"the SQLite file {url.database}"
            if "unable to open" in said or "readonly" in said:
                said += " (does its directory exist, and may csm-coach write there?)"
        else:
            where = url.render_as_string(hide_password=True)
        raise CannotStart(f"DATABASE_URL: cannot use {flatten(where)}: {flatten(said)}") from None
    return engine


def writable_file(path: Path, *, option: str) -> Path:
    """`path` if a file can be written there, checked before any work is done; else CannotStart."""
    if path.is_dir():
        problem = "is a directory"
    elif not path.parent.is_dir():
        problem = f"no such directory {path.parent}"
    elif not os.access(path if path.exists() else path.parent, os.W_OK):
        problem = "not writable"
    else:
        return path
    raise CannotStart(f"{option} {flatten(str(path))}: {flatten(problem)}")


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
