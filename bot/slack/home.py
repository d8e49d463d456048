"""The App Home tab of one person: its view read from the database, published after the session closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import session_scope
from bot.services import alerts, books, localtime, people, steps
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import RulesInForce
from bot.slack.blocks.home import home_blocks


@dataclass(frozen=True)
class HomeRefresh:
    """The user's App Home redrawn: read in a session of its own, published once that is closed."""

    user_id: str
    settings: Settings
    now: datetime

    def send(self, client: WebClient, engine: Engine) -> None:
        with session_scope(engine) as session:
            view = home_view(session=session, settings=self.settings, user_id=self.user_id, now=self.now)
        client.views_publish(user_id=self.user_id, view=view)


def home_view(*, session: Session, settings: Settings, user_id: str, now: datetime) -> View:
    person = people.get_person(session=session, slack_user_id=user_id)
    if person is None or not person.active or person.id is None:
        blocks = help_blocks.not_in_roster(user_id).blocks
    else:
        today = localtime.for_person(person, session=session, now=now).today
        book = books.book_of(session=session, person=person)
        found = alerts.current_for(
            session=session, owner_ids=[person.id], today=today, rules=settings.decline_rules()
        )
        views = alerts.with_sparklines(session=session, declines=found, today=today)
        due = steps.due_steps(session=session, today=today, owner_ids=[person.id])
        blocks = home_blocks(book, today, views, due, RulesInForce.of(settings))
    return View(type="home", blocks=blocks)
