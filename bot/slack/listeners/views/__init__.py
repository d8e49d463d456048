from slack_bolt import App

from bot.slack.listeners.views import step_done


def register(app: App) -> None:
    step_done.register(app)
