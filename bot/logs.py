"""Logging for every verb: one format, and data in a log line stays inert text.

An account or person name may carry a terminal escape sequence or a line break; a log line that
quotes it must neither drive the operator's terminal nor forge a second log line.
"""

from __future__ import annotations

import logging

from bot.plaintext import without_controls

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class InertFormatter(logging.Formatter):
    """The message (and its arguments) without control characters; a traceback keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's own name
        record.message = without_controls(record.message, keep_newlines=False)
        return super().formatMessage(record)


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(InertFormatter(FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)
