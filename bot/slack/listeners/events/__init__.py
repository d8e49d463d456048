from slack_bolt import App

from bot.slack.listeners.events import app_home


def register(app: App) -> None:
    app_home.register(app)
