"""The `csm-coach` command line: the verbs live in bot/cli/*.py, grouped by what they work on."""

from __future__ import annotations

import sys

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from bot.cli.apps import app
from bot.cli.common import errors, say
from bot.config import InvalidSettings, Settings, describe_invalid
from bot.errors import CannotStart, UserFacingError
from bot.importers.errors import CsvError
from bot.logs import configure_logging

# isort: off
# Each module registers its verbs on `app` when imported, in the order `--help` lists them.
from bot.cli import processes, rounds, imports, sync, demo, playground, tokens  # noqa: E402, F401
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    configure_logging()
    try:
        app()
    except (InvalidSettings, ValidationError) as exc:
        if isinstance(exc, ValidationError) and exc.title != Settings.__name__:
            raise
        lines = exc.lines if isinstance(exc, InvalidSettings) else describe_invalid(exc)
        for line in lines:
            say(f"csm-coach: {line}", to=errors)
        sys.exit(2)
    except (CannotStart, UserFacingError, CsvError) as exc:
        say(f"csm-coach: {exc}", to=errors)
        sys.exit(2 if isinstance(exc, CannotStart) else 1)
    except OperationalError as exc:
        say(f"csm-coach: cannot use the database: {exc.orig}", to=errors)
        sys.exit(1)
