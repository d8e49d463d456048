"""`/myload [@user | help]`: a book against the recommended band, answered ephemerally."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.db import session_scope
from bot.slack.answers.myload import answer
from bot.slack.work import Scope


def register(app: App) -> None:
    app.command("/myload")(answer_myload)


def answer_myload(ack: Ack, command: dict[str, Any], scope: Scope) -> None:
    """The answer is the ack (see bot/slack/app.py): no Slack call, and the database only read."""
    with session_scope(scope.engine) as session:
        message = answer(command, session=session, settings=scope.settings, now=scope.now)
    ack(**message.ephemeral())
