"""`/myload [@user | help]`: a book against the recommended band, answered ephemerally."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from sqlmodel import Session

from bot.config import Settings
from bot.services import books, people
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import Message, escape, plain_message
from bot.slack.blocks.load import myload_message


def register(app: App) -> None:
    app.command("/myload")(handle_myload)


def handle_myload(ack: Ack, command: dict[str, Any], session: Session, settings: Settings) -> None:
    ack(**answer(command, session=session, settings=settings).ephemeral())


def answer(command: dict[str, Any], *, session: Session, settings: Settings) -> Message:
    user_id = command["user_id"]
    text = (command.get("text") or "").strip()
    if text.lower() in {"help", "?", "-h", "--help"}:
        return help_blocks.MYLOAD_HELP
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if not text:
        if viewer is None or not viewer.active:
            return help_blocks.not_in_roster(user_id)
        return myload_message(books.book_of(session=session, person=viewer), own=True)

    matches = people.find_people(session=session, ref=text)
    visible = [
        p
        for p in matches
        if people.may_act_for(viewer_id=user_id, viewer=viewer, target=p, admins=settings.csm_coach_admins)
    ]
    if not visible:
        # Same answer whether or not the person exists, unless the viewer could see anyone's book.
        if people.is_admin(user_id, viewer, settings.csm_coach_admins):
            return plain_message(f"No one in the roster matches `{escape(text)}`. Try `/myload @name`.")
        return help_blocks.VIEW_REFUSED
    if len(visible) > 1:
        names = ", ".join(f"<@{p.slack_user_id}>" for p in visible[:10])
        return plain_message(f"`{escape(text)}` matches several people: {names}. Mention the one you mean.")
    target = visible[0]
    return myload_message(books.book_of(session=session, person=target), own=target.slack_user_id == user_id)
