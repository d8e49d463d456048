"""What `/teamload [TEAM | channel | plan [TEAM] | week [TEAM] | help]` answers: one line per CSM of a
team, for managers and admins; `channel` sets where the team's daily post goes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.models import Team
from bot.services import access, books, localtime, people, steps, teams
from bot.slack.answers import team_plan, team_week
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, RulesInForce, escape, plain_message
from bot.slack.blocks.load import teamload_message
from bot.slack.interactions import SlashCommand

QUARTER_DAYS = 90


def answer(command: SlashCommand, *, session: Session, settings: Settings, now: datetime) -> Message:
    user_id = command.user_id
    text = command.text
    if text.lower() in {"help", "?", "-h", "--help"}:
        return help_blocks.teamload_help(RulesInForce.of(settings))
    if team_plan.asks_for_plan(text):
        return team_plan.first_answer(command, session=session, settings=settings)
    if team_week.asks_for_week(text):
        return team_week.answer(command, session=session, settings=settings, now=now)
    viewer = people.get_person(session=session, slack_user_id=user_id)
    admins = settings.csm_coach_admins
    if access.is_leaver(user_id, viewer, admins):
        return plain_message(access.LEAVER_REFUSAL)
    if not access.may_see_teams(user_id, viewer, admins):
        return help_blocks.TEAMLOAD_REFUSED
    own_team = teams.get_team(session=session, team_id=viewer.team_id) if viewer and viewer.active else None

    if text.lower() == "channel":
        return set_channel(command, team=own_team, session=session)
    if not text:
        if own_team is None:
            return team_plan.which_team(session=session, usage="/teamload TEAM")
        return show(own_team, session=session, now=now)

    team = teams.find_team(session=session, name=text)
    if team is not None and access.may_see_team(user_id, viewer, team, admins):
        return show(team, session=session, now=now)
    if access.is_admin(user_id, viewer, admins):
        return team_plan.which_team(session=session, usage="/teamload TEAM", unknown=text)
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


def is_direct_message(command: SlashCommand) -> bool:
    """A DM or a group DM: Slack names them `directmessage` and `mpdm-…`; DM ids start with D."""
    channel_id, channel_name = command.channel_id, command.channel_name
    return channel_id.startswith("D") or channel_name == "directmessage" or channel_name.startswith("mpdm-")


def set_channel(command: SlashCommand, *, team: Team | None, session: Session) -> Message:
    if team is None:
        return plain_message("You are not in a team of the roster, so there is no team channel to set.")
    if is_direct_message(command):
        return plain_message(
            "A team's daily post goes to a channel, not a direct message. Run `/teamload channel` in the "
            "channel where the team should get it; nothing was changed."
        )
    teams.set_channel(session=session, team=team, channel=command.channel_id)
    return plain_message(
        f"Team *{escape(team.name)}* gets its daily post in <#{team.channel_id}> at {team.post_time} "
        f"({escape(team.timezone or 'the team’s time zone')}). If I'm not in this channel yet, add me with "
        "`/invite @csm-coach`."
    )
