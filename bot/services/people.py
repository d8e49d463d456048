"""People: look-ups by Slack id and by what a user typed. Teams are bot.services.teams; who may see
what is bot.services.access."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.identifiers import SLACK_USER_ID, is_slack_user_id
from bot.models import Person

# A mention as Slack escapes it in a slash command's text: <@U123> or <@U123|name>.
MENTION = re.compile(rf"<@({SLACK_USER_ID.pattern})(?:\|[^>]*)?>")


def get_person(*, session: Session, slack_user_id: str) -> Person | None:
    return session.exec(select(Person).where(Person.slack_user_id == slack_user_id)).first()


def find_people(*, session: Session, ref: str) -> Sequence[Person]:
    """Active people a user typed: `<@U…>` (escaped mention), a Slack id, an email, or `@name`."""
    ref = ref.strip()
    if match := MENTION.fullmatch(ref):
        ref = match.group(1)
    if is_slack_user_id(ref):
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
