from slack_bolt import App

from bot.slack.listeners.views import plan_apply, step_done


def register(app: App) -> None:
    step_done.register(app)
    plan_apply.register(app)
