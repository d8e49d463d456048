"""App Home tab: the user's book against the band, their declining accounts and their steps due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.config import Settings
from bot.services import alerts, books, localtime, people, steps
from bot.services.usage import daily_values, sparkline_window
from bot.slack.blocks import help as help_blocks
from bot.slack.blocks.common import RulesInForce
from bot.slack.blocks.digest import DeclineView
from bot.slack.blocks.home import home_blocks


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)


def handle_app_home_opened(
    event: dict[str, Any], client: WebClient, session: Session, settings: Settings, now: datetime
) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(session=session, client=client, settings=settings, user_id=event["user"], now=now)


def publish_home(
    *, session: Session, client: WebClient, settings: Settings, user_id: str, now: datetime
) -> None:
    person = people.get_person(session=session, slack_user_id=user_id)
    if person is None or not person.active or person.id is None:
        blocks = help_blocks.not_in_roster(user_id).blocks
    else:
        today = localtime.for_person(person, session=session, now=now).today
        book = books.book_of(session=session, person=person)
        found = alerts.current_for(
            session=session, owner_ids=[person.id], today=today, rules=settings.decline_rules()
        )
        first, last = sparkline_window(today)
        series = daily_values(
            session=session, account_ids=[d.account.id for d in found if d.account.id], first=first, last=last
        )
        views = [DeclineView(d, series.get(d.account.id or 0, [])) for d in found]
        due = steps.due_steps(session=session, today=today, owner_ids=[person.id])
        blocks = home_blocks(book, today, views, due, RulesInForce.of(settings))
    client.views_publish(user_id=user_id, view=View(type="home", blocks=blocks))
