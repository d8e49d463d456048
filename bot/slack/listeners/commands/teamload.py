"""`/teamload [TEAM | channel | plan [TEAM] | help]`: one line per CSM of a team, for managers and admins.

`plan` is acknowledged at once ("working it out") and its plan sent after the ack to the command's
response_url, so a large team or a slow database never misses Slack's 3 seconds.
"""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from bot.slack.answers import team_plan
from bot.slack.answers.teamload import answer
from bot.slack.blocks.common import Message
from bot.slack.interactions import SlashCommand
from bot.slack.work import Effects, Respond, Scope, after_ack, answer_command


def register(app: App) -> None:
    app.command("/teamload")(
        ack=answer_command(SlashCommand.of, teamload), lazy=[after_ack(SlashCommand.of, show_plan_later)]
    )


def teamload(session: Session, command: SlashCommand, scope: Scope) -> Message:
    """The answer is the ack (see bot/slack/app.py): no Slack call; `/teamload channel` is the one write,
    committed before the answer says so."""
    return answer(command, session=session, settings=scope.settings, now=scope.now)


def show_plan_later(session: Session, command: SlashCommand, scope: Scope) -> Effects:
    """After the ack: the plan itself, replacing the "working it out" answer."""
    if not team_plan.asks_for_plan(command.text):
        return []
    message = team_plan.plan_answer(command, session=session, settings=scope.settings, now=scope.now)
    return [] if message is None else [Respond(message)]  # None: the ack already refused
