"""`/teamload [TEAM | channel | plan [TEAM] | help]`: one line per CSM of a team, for managers and admins.

`plan` is acknowledged at once ("working it out") and its plan sent after the ack to the command's
response_url, so a large team or a slow database never misses Slack's 3 seconds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.db import session_scope
from bot.slack.answers import team_plan
from bot.slack.answers.teamload import answer
from bot.slack.work import Scope


def register(app: App) -> None:
    app.command("/teamload")(ack=answer_teamload, lazy=[show_plan_later])


def answer_teamload(ack: Ack, command: dict[str, Any], scope: Scope) -> None:
    """The answer is the ack (see bot/slack/app.py): no Slack call; `/teamload channel` is the one write,
    committed before the answer says so."""
    with session_scope(scope.engine) as session:
        message = answer(command, session=session, settings=scope.settings, now=scope.now)
    ack(**message.ephemeral())


def show_plan_later(command: dict[str, Any], respond: Respond, scope: Scope) -> None:
    """Lazy: the plan itself, replacing the "working it out" answer."""
    if not team_plan.asks_for_plan(command.get("text") or ""):
        return
    with session_scope(scope.engine) as session:
        message = team_plan.plan_answer(command, session=session, settings=scope.settings, now=scope.now)
    if message is None:
        return  # the ack already refused
    respond(text=message.text, blocks=message.block_dicts(), response_type="ephemeral", replace_original=True)
