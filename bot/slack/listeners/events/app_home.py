"""App Home opened: the user's book against the band, their declining accounts and their steps due."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from bot.slack.home import HomeRefresh
from bot.slack.interactions import HomeOpened
from bot.slack.work import Effects, Scope, acknowledge, after_ack


def register(app: App) -> None:
    app.event("app_home_opened")(ack=acknowledge, lazy=[after_ack(HomeOpened.of, open_home, quiet=True)])


def open_home(session: Session, opened: HomeOpened, scope: Scope) -> Effects:
    """App Home redrawn (read in a session of its own once this one has closed)."""
    if opened.tab != "home" or not opened.user_id:
        return []
    return [HomeRefresh(user_id=opened.user_id, settings=scope.settings, now=scope.now)]
