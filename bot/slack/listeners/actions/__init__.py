from slack_bolt import App

from bot.slack.listeners.actions import alerts, plan, steps


def register(app: App) -> None:
    alerts.register(app)
    steps.register(app)
    plan.register(app)
