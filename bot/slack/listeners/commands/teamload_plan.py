"""`/teamload plan [TEAM]`: the team's rebalancing plan, for its managers and admins (SPEC §6).

The command is acknowledged at once; the plan is worked out after the ack and sent to the
command's response_url, so a large team or a slow database never misses Slack's 3 seconds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from sqlmodel import Session

from bot.config import Settings
from bot.db import session_scope
from bot.models import Role, Team
from bot.services import localtime, people
from bot.services import plan as plans
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, escape, plain_message
from bot.slack.blocks.plan import plan_message
from bot.slack.work import Scope

WORD = "plan"


def asks_for_plan(text: str) -> bool:
    return text.strip().lower().split(maxsplit=1)[:1] == [WORD]


def may_plan(*, session: Session, user_id: str, team: Team, settings: Settings) -> bool:
    """Admins, and the active managers of the team."""
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if people.is_admin(user_id, viewer, settings.csm_coach_admins):
        return True
    return viewer is not None and viewer.active and viewer.role == Role.MANAGER and viewer.team_id == team.id


def team_to_plan(command: dict[str, Any], *, session: Session, settings: Settings) -> Team | Message:
    """The team the command names (or the viewer's own), or the answer that refuses or asks which."""
    user_id = command["user_id"]
    name = (command.get("text") or "").strip()[len(WORD) :].strip()
    viewer = people.get_person(session=session, slack_user_id=user_id)
    admin = people.is_admin(user_id, viewer, settings.csm_coach_admins)
    if name:
        team = people.find_team(session=session, name=name)
    else:
        team = people.get_team(session=session, team_id=viewer.team_id) if viewer and viewer.active else None
    if team is not None and may_plan(session=session, user_id=user_id, team=team, settings=settings):
        return team
    if not admin:
        return help_blocks.TEAMLOAD_REFUSED
    names = ", ".join(f"`{escape(t.name)}`" for t in people.list_teams(session=session)) or "none yet"
    lead = f"No team is named `{escape(name)}`. " if name else ""
    return plain_message(f"{lead}Which team? Use `/teamload plan TEAM`. Teams: {names}.")


def first_answer(command: dict[str, Any], *, session: Session, settings: Settings) -> Message:
    """What the ack says: a refusal, or that the plan is on its way."""
    found = team_to_plan(command, session=session, settings=settings)
    if isinstance(found, Message):
        return found
    return plain_message(f"Working out the rebalancing plan for team *{escape(found.name)}*…")


def show_plan_later(command: dict[str, Any], respond: Respond, scope: Scope) -> None:
    """Lazy: the plan itself, replacing the "working it out" answer."""
    if not asks_for_plan(command.get("text") or ""):
        return
    settings, now = scope.settings, scope.now
    with session_scope(scope.engine) as session:
        found = team_to_plan(command, session=session, settings=settings)
        if isinstance(found, Message):
            return  # the ack already refused
        today = localtime.for_team(found, session=session, now=now).today
        message = plan_message(plans.compute(session=session, team=found, today=today, settings=settings))
    respond(text=message.text, blocks=message.block_dicts(), response_type="ephemeral", replace_original=True)
