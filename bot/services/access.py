"""Who may do what: see a book, act on an account, see or plan a team; the leaver rule; the admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import Settings
from bot.errors import UserFacingError
from bot.models import Account, Person, Role, Team
from bot.plaintext import escape
from bot.services import localtime, people

LEAVER_REFUSAL = (
    "You are no longer in the csm-coach roster, so this button, form or command no longer acts for you. "
    "Ask your manager if that is a mistake."
)


def is_admin(slack_user_id: str, person: Person | None, admins: frozenset[str]) -> bool:
    """Admins are named in CSM_COACH_ADMINS or carry the admin role in the team file."""
    if slack_user_id in admins:
        return True
    return person is not None and person.active and person.role == Role.ADMIN


def is_manager(person: Person | None) -> bool:
    return person is not None and person.active and person.role == Role.MANAGER


def is_manager_of(viewer: Person | None, target: Person) -> bool:
    return is_manager(viewer) and viewer is not None and viewer.team_id == target.team_id


def is_leaver(slack_user_id: str, person: Person | None, admins: frozenset[str]) -> bool:
    """Left out of the latest team file (kept, inactive), and not an admin named in CSM_COACH_ADMINS."""
    return slack_user_id not in admins and person is not None and not person.active


def may_act_for(*, viewer_id: str, viewer: Person | None, target: Person, admins: frozenset[str]) -> bool:
    """Who may see a person's book and act on their accounts: themselves, their manager, an admin.

    Only active roster members act (and the admins CSM_COACH_ADMINS names): a leaver's old buttons
    stop working, even on their own accounts."""
    if viewer_id in admins:
        return True
    if viewer is None or not viewer.active:
        return False
    return (
        viewer.slack_user_id == target.slack_user_id
        or is_admin(viewer_id, viewer, admins)
        or is_manager_of(viewer, target)
    )


def may_see_teams(slack_user_id: str, viewer: Person | None, admins: frozenset[str]) -> bool:
    """`/teamload` is for managers (their own team) and admins (any team)."""
    return is_admin(slack_user_id, viewer, admins) or is_manager(viewer)


def may_see_team(slack_user_id: str, viewer: Person | None, team: Team, admins: frozenset[str]) -> bool:
    """Admins, and the active managers of the team."""
    if is_admin(slack_user_id, viewer, admins):
        return True
    return is_manager(viewer) and viewer is not None and viewer.team_id == team.id


def may_plan(*, session: Session, user_id: str, team: Team, settings: Settings) -> bool:
    """Who may see and apply a team's rebalancing plan: the people who may see the team."""
    viewer = people.get_person(session=session, slack_user_id=user_id)
    return may_see_team(user_id, viewer, team, settings.csm_coach_admins)


@dataclass(frozen=True)
class Authorised:
    """An account someone may act on, and the moment in its team's zone (its CSM's team's)."""

    account: Account
    local: localtime.LocalTime

    @property
    def today(self) -> date:
        return self.local.today

    @property
    def zone(self) -> ZoneInfo:
        return self.local.zone


def authorised_account(
    *, session: Session, user_id: str, account_id: int, settings: Settings, now: datetime
) -> Authorised:
    """The account and its local time, if `user_id` may act on it; else a refusal."""
    account = session.get(Account, account_id)
    owner = session.get(Person, account.owner_id) if account else None
    if account is None or owner is None:
        raise UserFacingError("This account is no longer tracked by csm-coach.")
    viewer = people.get_person(session=session, slack_user_id=user_id)
    admins = settings.csm_coach_admins
    if is_leaver(user_id, viewer, admins):
        raise UserFacingError(LEAVER_REFUSAL)
    if not may_act_for(viewer_id=user_id, viewer=viewer, target=owner, admins=admins):
        raise UserFacingError(
            f"Only the account's CSM (<@{escape(owner.slack_user_id)}>), their manager or an admin "
            f"can act on {escape(account.name)}."
        )
    return Authorised(account=account, local=localtime.for_person(owner, session=session, now=now))
