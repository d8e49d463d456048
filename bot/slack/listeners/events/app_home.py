"""App Home tab: the user's book against the band."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.services import books, people
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.load import myload_message


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)


def handle_app_home_opened(event: dict[str, Any], client: WebClient, session: Session) -> None:
    if event.get("tab", "home") != "home":
        return
    user_id = event["user"]
    person = people.get_person(session=session, slack_user_id=user_id)
    if person is None or not person.active:
        message = help_blocks.not_in_roster(user_id)
    else:
        message = myload_message(books.book_of(session=session, person=person), own=True)
    client.views_publish(user_id=user_id, view=View(type="home", blocks=message.blocks))
