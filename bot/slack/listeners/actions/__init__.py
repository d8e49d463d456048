from slack_bolt import App

from bot.slack.listeners.actions import alerts


def register(app: App) -> None:
    alerts.register(app)
