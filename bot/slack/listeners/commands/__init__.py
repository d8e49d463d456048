from slack_bolt import App

from bot.slack.listeners.commands import myload, teamload


def register(app: App) -> None:
    myload.register(app)
    teamload.register(app)
