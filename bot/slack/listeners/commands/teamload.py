"""`/teamload [TEAM | channel | plan [TEAM] | help]`: one line per CSM of a team, for managers and admins.

`plan` is acknowledged at once ("working it out") and its plan sent after the ack to the command's
response_url, so a large team or a slow database never misses Slack's 3 seconds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.db import session_scope
from bot.slack.answers import team_plan
from bot.slack.answers.teamload import answer
from bot.slack.work import Scope, Work, after_ack


def register(app: App) -> None:
    app.command("/teamload")(ack=answer_teamload, lazy=[after_ack(show_plan_later)])


def answer_teamload(ack: Ack, command: dict[str, Any], scope: Scope) -> None:
    """The answer is the ack (see bot/slack/app.py): no Slack call; `/teamload channel` is the one write,
    committed before the answer says so."""
    with session_scope(scope.engine) as session:
        message = answer(command, session=session, settings=scope.settings, now=scope.now)
    ack(**message.ephemeral())


def show_plan_later(work: Work) -> None:
    """After the ack: the plan itself, replacing the "working it out" answer."""
    command, respond = work.body, work.respond
    if not team_plan.asks_for_plan(command.get("text") or "") or respond is None:
        return
    with work.transaction() as session:
        message = team_plan.plan_answer(command, session=session, settings=work.settings, now=work.now)
    if message is None:
        return  # the ack already refused
    respond(text=message.text, blocks=message.block_dicts(), response_type="ephemeral", replace_original=True)
