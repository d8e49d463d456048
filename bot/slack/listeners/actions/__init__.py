from slack_bolt import App

from bot.slack.listeners.actions import alerts, steps


def register(app: App) -> None:
    alerts.register(app)
    steps.register(app)
