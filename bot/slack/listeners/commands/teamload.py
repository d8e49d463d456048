"""`/teamload [TEAM | channel | plan [TEAM] | help]`: one line per CSM of a team, for managers and admins."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App
from sqlmodel import Session

from bot.config import Settings
from bot.db import session_scope
from bot.models import Role, Team
from bot.services import books, localtime, people, steps
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, RulesInForce, escape, plain_message
from bot.slack.blocks.load import teamload_message
from bot.slack.listeners.commands import teamload_plan
from bot.slack.surfaces import LEAVER_REFUSAL
from bot.slack.work import Scope

QUARTER_DAYS = 90


def register(app: App) -> None:
    # `plan` is worked out after the ack (teamload_plan); everything else answers in the ack.
    app.command("/teamload")(ack=answer_teamload, lazy=[teamload_plan.show_plan_later])


def answer_teamload(ack: Ack, command: dict[str, Any], scope: Scope) -> None:
    """The answer is the ack (see bot/slack/app.py): no Slack call; `/teamload channel` is the one write,
    committed before the answer says so."""
    with session_scope(scope.engine) as session:
        message = answer(command, session=session, settings=scope.settings, now=scope.now)
    ack(**message.ephemeral())


def answer(command: dict[str, Any], *, session: Session, settings: Settings, now: datetime) -> Message:
    user_id = command["user_id"]
    text = (command.get("text") or "").strip()
    if text.lower() in {"help", "?", "-h", "--help"}:
        return help_blocks.teamload_help(RulesInForce.of(settings))
    if teamload_plan.asks_for_plan(text):
        return teamload_plan.first_answer(command, session=session, settings=settings)
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if people.is_leaver(user_id, viewer, settings.csm_coach_admins):
        return plain_message(LEAVER_REFUSAL)
    admin = people.is_admin(user_id, viewer, settings.csm_coach_admins)
    manager = viewer is not None and viewer.active and viewer.role == Role.MANAGER
    if not (admin or manager):
        return help_blocks.TEAMLOAD_REFUSED
    own_team = people.get_team(session=session, team_id=viewer.team_id) if viewer and viewer.active else None

    if text.lower() == "channel":
        return set_channel(command, team=own_team, session=session)
    if not text:
        if own_team is None:
            return pick_a_team(session=session)
        return show(own_team, session=session, now=now)

    team = people.find_team(session=session, name=text)
    if team is not None and (admin or (own_team is not None and team.id == own_team.id)):
        return show(team, session=session, now=now)
    if admin:
        return pick_a_team(session=session, unknown=text)
    return help_blocks.TEAMLOAD_REFUSED


def show(team: Team, *, session: Session, now: datetime) -> Message:
    """The team's load per CSM, and how its Executive Outcomes Reviews went over the last quarter."""
    assert team.id is not None
    team_books = books.team_books(session=session, team_id=team.id)
    today = localtime.for_team(team, session=session, now=now).today
    outcomes = steps.review_outcomes(
        session=session, people=[b.person for b in team_books], since=today - timedelta(days=QUARTER_DAYS)
    )
    return teamload_message(team.name, team_books, outcomes, QUARTER_DAYS)


def pick_a_team(*, session: Session, unknown: str | None = None) -> Message:
    names = ", ".join(f"`{escape(t.name)}`" for t in people.list_teams(session=session)) or "none yet"
    lead = f"No team is named `{escape(unknown)}`. " if unknown else ""
    return plain_message(f"{lead}Which team? Use `/teamload TEAM`. Teams: {names}.")


def is_direct_message(command: dict[str, Any]) -> bool:
    """A DM or a group DM: Slack names them `directmessage` and `mpdm-…`; DM ids start with D."""
    channel_id = str(command.get("channel_id") or "")
    channel_name = str(command.get("channel_name") or "")
    return channel_id.startswith("D") or channel_name == "directmessage" or channel_name.startswith("mpdm-")


def set_channel(command: dict[str, Any], *, team: Team | None, session: Session) -> Message:
    if team is None:
        return plain_message("You are not in a team of the roster, so there is no team channel to set.")
    if is_direct_message(command):
        return plain_message(
            "A team's daily post goes to a channel, not a direct message. Run `/teamload channel` in the "
            "channel where the team should get it; nothing was changed."
        )
    team.channel_id = command["channel_id"]
    session.add(team)
    return plain_message(
        f"Team *{escape(team.name)}* gets its daily post in <#{team.channel_id}> at {team.post_time} "
        f"({escape(team.timezone or 'the team’s time zone')}). If I'm not in this channel yet, add me with "
        "`/invite @csm-coach`."
    )
