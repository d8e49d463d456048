"""People and teams: look-ups and who may see whose book."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.models import Person, Role, Team

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def get_person(*, session: Session, slack_user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.slack_user_id == slack_user_id)).first()


def find_people(*, session: Session, ref: str) -> Sequence[Person]:
    """Active people a user typed: `<@U…>` (escaped mention), a Slack id, an email, or `@name`."""
    ref = ref.strip()
    if match := MENTION.match(ref):
        ref = match.group(1)
    if USER_ID.match(ref):
        query = select(Person).where(Person.slack_user_id == ref)
    elif "@" in ref.strip("@"):
        query = select(Person).where(Person.email == ref.lower())
    else:
        # Unescaped "@dana" or "Dana Ortiz": match the display name or the email's local part.
        handle = ref.lstrip("@").lower()
        query = select(Person).where(
            (func.lower(Person.name) == handle)
            | (func.lower(func.replace(Person.name, " ", ".")) == handle)
            | (col(Person.email).like(f"{handle}@%"))
        )
    return session.exec(query.where(col(Person.active).is_(True))).all()


def get_team(*, session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


def find_team(*, session: Session, name: str) -> Team | None:
    return session.exec(select(Team).where(func.lower(Team.name) == name.strip().lower())).first()


def list_teams(*, session: Session) -> Sequence[Team]:
    return session.exec(select(Team).order_by(Team.name)).all()


def team_members(*, session: Session, team_id: int) -> Sequence[Person]:
    return session.exec(
        select(Person).where(Person.team_id == team_id, col(Person.active).is_(True)).order_by(Person.name)
    ).all()


def is_admin(slack_user_id: str, person: Person | None, admins: frozenset[str]) -> bool:
    """Admins are named in CSM_COACH_ADMINS or carry the admin role in the team file."""
    if slack_user_id in admins:
        return True
    return person is not None and person.active and person.role == Role.ADMIN


def is_manager_of(viewer: Person | None, target: Person) -> bool:
    return (
        viewer is not None
        and viewer.active
        and viewer.role == Role.MANAGER
        and viewer.team_id == target.team_id
    )


def is_leaver(slack_user_id: str, person: Person | None, admins: frozenset[str]) -> bool:
    """Left out of the latest team file (kept, inactive), and not an admin named in CSM_COACH_ADMINS."""
    return slack_user_id not in admins and person is not None and not person.active


def may_act_for(*, viewer_id: str, viewer: Person | None, target: Person, admins: frozenset[str]) -> bool:
    """Only active roster members act (and the admins CSM_COACH_ADMINS names): a leaver's old buttons
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
