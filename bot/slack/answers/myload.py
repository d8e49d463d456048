"""What `/myload [@user | help]` answers: a book against the recommended band, and what needs its CSM."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.models import Person
from bot.services import access, alerts, books, localtime, people, steps
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, RulesInForce, escape, plain_message
from bot.slack.blocks.load import BookStatus, myload_message
from bot.slack.interactions import SlashCommand


def book_message(
    person: Person, *, own: bool, session: Session, settings: Settings, now: datetime
) -> Message:
    """The book against the band, with what needs the CSM now (declines, overdue steps, renewals)."""
    assert person.id is not None
    today = localtime.for_person(person, session=session, now=now).today
    status = BookStatus(
        declining=len(
            alerts.current_for(
                session=session, owner_ids=[person.id], today=today, rules=settings.decline_rules()
            )
        ),
        overdue_steps=steps.overdue_count(session=session, today=today, owner_id=person.id),
        renewals=books.next_renewals(session=session, owner_id=person.id, today=today),
        today=today,
    )
    book = books.book_of(session=session, person=person)
    return myload_message(book, own=own, rules=RulesInForce.of(settings), status=status)


def answer(command: SlashCommand, *, session: Session, settings: Settings, now: datetime) -> Message:
    user_id = command.user_id
    text = command.text
    if text.lower() in {"help", "?", "-h", "--help"}:
        return help_blocks.myload_help(RulesInForce.of(settings))
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if not text:
        if viewer is None or not viewer.active:
            return help_blocks.not_in_roster(user_id)
        return book_message(viewer, own=True, session=session, settings=settings, now=now)

    matches = people.find_people(session=session, ref=text)
    visible = [
        p
        for p in matches
        if access.may_act_for(viewer_id=user_id, viewer=viewer, target=p, admins=settings.csm_coach_admins)
    ]
    if not visible:
        # Same answer whether or not the person exists, unless the viewer could see anyone's book.
        if access.is_admin(user_id, viewer, settings.csm_coach_admins):
            return plain_message(f"No one in the roster matches `{escape(text)}`. Try `/myload @name`.")
        return help_blocks.VIEW_REFUSED
    if len(visible) > 1:
        names = ", ".join(f"<@{p.slack_user_id}>" for p in visible[:10])
        return plain_message(f"`{escape(text)}` matches several people: {names}. Mention the one you mean.")
    target = visible[0]
    return book_message(
        target, own=target.slack_user_id == user_id, session=session, settings=settings, now=now
    )
