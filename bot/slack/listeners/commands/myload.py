"""`/myload [@user | help]`: a book against the recommended band, answered ephemerally."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from bot.slack.answers.myload import answer
from bot.slack.blocks.common import Message
from bot.slack.interactions import SlashCommand
from bot.slack.work import Scope, answer_command


def register(app: App) -> None:
    app.command("/myload")(answer_command(SlashCommand.of, myload))


def myload(session: Session, command: SlashCommand, scope: Scope) -> Message:
    """The answer is the ack (see bot/slack/app.py): no Slack call, and the database only read."""
    return answer(command, session=session, settings=scope.settings, now=scope.now)
