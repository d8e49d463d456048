"""The stand-in's `pace`: Slack's rate limits, answered with 429 and Retry-After like Slack does."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.support.slack_standin import SlackStandIn


def test_pace_answers_429_beyond_the_burst_per_channel_and_the_client_catches_up(slack: SlackStandIn) -> None:
    slack.pace("chat.postMessage", per_second=2.0, burst=2)
    client = WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=5)],
    )
    started = time.monotonic()
    for _ in range(3):
        assert client.chat_postMessage(channel="C0ONE", text="hi")["ok"]
    assert client.chat_postMessage(channel="C0TWO", text="hi")["ok"]  # another channel has its own burst

    statuses = [(c.param("channel"), c.status) for c in slack.calls("chat.postMessage")]
    assert statuses[:2] == [("C0ONE", 200), ("C0ONE", 200)]
    assert ("C0ONE", 429) in statuses
    assert statuses[-1] == ("C0TWO", 200)
    limited = next(c for c in slack.calls("chat.postMessage") if c.status == 429)
    assert limited.answer == {"ok": False, "error": "ratelimited"}
    assert time.monotonic() - started >= 1.0  # the client waited Retry-After (whole seconds)


def test_pace_over_all_calls_limits_every_channel_together(slack: SlackStandIn) -> None:
    slack.pace("conversations.open", per_second=1.0, burst=1, per_channel=False)
    client = WebClient(token="xoxb-test", base_url=slack.base_url)
    assert client.conversations_open(users="U1")["ok"]
    with pytest.raises(SlackApiError) as refused:  # no retry handler here: the 429 shows
        client.conversations_open(users="U2")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["retry-after"] in ("1", ["1"])
    slack.reset()
    assert client.conversations_open(users="U3")["ok"]  # reset forgets the pace
