"""What `/teamload week [TEAM]` answers: the manager's week on demand, for the team's managers and admins
(docs/how-it-works.md, "The manager's week")."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.services import access, people, teams
from bot.services.week import week_report
from bot.slack.answers.team_plan import which_team
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, RulesInForce, escape, plain_message
from bot.slack.blocks.week import manager_week_message
from bot.slack.interactions import SlashCommand

WORD = "week"


def asks_for_week(text: str) -> bool:
    return text.strip().lower().split(maxsplit=1)[:1] == [WORD]


def answer(command: SlashCommand, *, session: Session, settings: Settings, now: datetime) -> Message:
    """The week just ended of the named team (or the viewer's own), or a refusal seen only by the asker."""
    user_id = command.user_id
    name = command.text.strip()[len(WORD) :].strip()
    viewer = people.get_person(session=session, slack_user_id=user_id)
    admins = settings.csm_coach_admins
    if access.is_leaver(user_id, viewer, admins):
        return plain_message(access.LEAVER_REFUSAL)
    if name:
        team = teams.find_team(session=session, name=name)
    else:
        team = teams.get_team(session=session, team_id=viewer.team_id) if viewer and viewer.active else None
    if team is not None and access.may_see_team(user_id, viewer, team, admins):
        report = week_report(session=session, team=team, now=now, post_days=settings.post_days)
        return manager_week_message(report, RulesInForce.of(settings))
    if access.is_admin(user_id, viewer, admins):
        return which_team(session=session, usage="/teamload week TEAM", unknown=name or None)
    if team is not None and access.is_manager(viewer):
        return plain_message(
            f"The week of team *{escape(team.name)}* is for its managers and csm-coach admins: "
            "`/teamload week` shows your own team's."
        )
    return help_blocks.TEAMLOAD_REFUSED
