"""Logging for every verb: one format, and data in a log line stays inert text.

An account or person name may carry a terminal escape sequence or a line break; a log line that
quotes it must neither drive the operator's terminal nor forge a second log line.
"""

from __future__ import annotations

import logging
from typing import Any

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


def uvicorn_log_config() -> dict[str, Any]:
    """`serve`'s logging (uvicorn's `log_config`): its access log quotes a client's X-Forwarded-For,
    its error log a malformed request; both pass through InertFormatter, as does every worker's root.
    """
    inert = {"()": InertFormatter, "fmt": FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": inert, "access": inert},
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "alembic": {"level": "WARNING"},
        },
        "root": {"handlers": ["default"], "level": "INFO"},
    }
