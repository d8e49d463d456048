"""App Home opened: the user's book against the band, their declining accounts and their steps due."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.home import HomeRefresh
from bot.slack.work import Work, acknowledge, after_ack


def register(app: App) -> None:
    app.event("app_home_opened")(ack=acknowledge, lazy=[after_ack(open_home, tell_errors=False)])


def open_home(work: Work) -> None:
    event = work.body.get("event") or {}
    if event.get("tab", "home") != "home" or not work.user_id:
        return
    HomeRefresh(user_id=work.user_id, settings=work.settings, now=work.now).send(
        work.client, work.scope.engine
    )
