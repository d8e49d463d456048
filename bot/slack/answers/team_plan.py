"""What `/teamload plan [TEAM]` answers: the team's rebalancing plan, for its managers and admins
(docs/how-it-works.md, "Rebalancing a team").

The ack only says the plan is on its way (or refuses); the plan itself is worked out after the ack,
so a large team or a slow database never misses Slack's 3 seconds.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.models import Team
from bot.services import access, localtime, people, teams
from bot.services import plan as plans
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, escape, plain_message
from bot.slack.blocks.plan import plan_message
from bot.slack.interactions import SlashCommand

WORD = "plan"


def asks_for_plan(text: str) -> bool:
    return text.strip().lower().split(maxsplit=1)[:1] == [WORD]


def which_team(*, session: Session, usage: str, unknown: str | None = None) -> Message:
    """Asks an admin which team they mean, naming the teams there are."""
    names = ", ".join(f"`{escape(t.name)}`" for t in teams.all_teams(session=session)) or "none yet"
    lead = f"No team is named `{escape(unknown)}`. " if unknown else ""
    return plain_message(f"{lead}Which team? Use `{usage}`. Teams: {names}.")


def team_to_plan(command: SlashCommand, *, session: Session, settings: Settings) -> Team | Message:
    """The team the command names (or the viewer's own), or the answer that refuses or asks which."""
    user_id = command.user_id
    name = command.text[len(WORD) :].strip()
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if name:
        team = teams.find_team(session=session, name=name)
    else:
        team = teams.get_team(session=session, team_id=viewer.team_id) if viewer and viewer.active else None
    if team is not None and access.may_see_team(user_id, viewer, team, settings.csm_coach_admins):
        return team
    if not access.is_admin(user_id, viewer, settings.csm_coach_admins):
        return help_blocks.TEAMLOAD_REFUSED
    return which_team(session=session, usage="/teamload plan TEAM", unknown=name or None)


def first_answer(command: SlashCommand, *, session: Session, settings: Settings) -> Message:
    """What the ack says: a refusal, or that the plan is on its way."""
    found = team_to_plan(command, session=session, settings=settings)
    if isinstance(found, Message):
        return found
    return plain_message(f"Working out the rebalancing plan for team *{escape(found.name)}*…")


def plan_answer(
    command: SlashCommand, *, session: Session, settings: Settings, now: datetime
) -> Message | None:
    """The plan itself, after the ack; None when the ack already refused."""
    found = team_to_plan(command, session=session, settings=settings)
    if isinstance(found, Message):
        return None
    today = localtime.for_team(found, session=session, now=now).today
    return plan_message(plans.compute(session=session, team=found, today=today, settings=settings))
