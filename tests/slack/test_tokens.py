"""The start-up token check against the Slack stand-in: what Slack answers decides what is said."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import CannotStart
from bot.slack.tokens import SlackUnreachable, verify_tokens
from tests.support.slack_standin import APP_TOKEN, BOT_TOKEN, SlackStandIn


def settings(slack: SlackStandIn, **values: str) -> Settings:
    tokens = {"slack_bot_token": BOT_TOKEN, "slack_app_token": APP_TOKEN, **values}
    return Settings(_env_file=None, slack_api_url=slack.base_url, **tokens)


def test_good_tokens_cost_one_call_each(slack: SlackStandIn) -> None:
    verify_tokens(settings(slack), app_token=True)
    assert [(c.method, c.token) for c in slack.calls()] == [
        ("auth.test", BOT_TOKEN),
        ("apps.connections.open", APP_TOKEN),
    ]


def test_every_shape_is_checked_before_slack_is_asked(slack: SlackStandIn) -> None:
    with pytest.raises(CannotStart, match="^SLACK_APP_TOKEN is not an app-level token: it starts with xapp-"):
        verify_tokens(settings(slack, slack_app_token=BOT_TOKEN), app_token=True)
    assert slack.calls() == []


def test_slack_failing_is_not_the_tokens_fault(slack: SlackStandIn) -> None:
    slack.server_error("auth.test", times=None, status=503)
    with pytest.raises(SlackUnreachable) as raised:
        verify_tokens(settings(slack))
    assert str(raised.value) == (
        f"cannot check SLACK_BOT_TOKEN: Slack at {slack.base_url} answered HTTP 503 4 times: "
        "try again in a while"
    )
    assert slack.methods() == ["auth.test"] * 4


def test_an_api_url_that_is_not_slack_is_named(slack: SlackStandIn) -> None:
    wrong = slack.root_url + "/not-the-api/"
    with pytest.raises(SlackUnreachable, match="answered HTTP 404, not as Slack does: check SLACK_API_URL"):
        verify_tokens(Settings(_env_file=None, slack_api_url=wrong, slack_bot_token=BOT_TOKEN))
