"""The HTTP surface of `csm-coach serve`, and the Slack stand-in the other e2e tests rely on."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.support import signing
from tests.support.blockcheck import assert_valid_message
from tests.support.slack_standin import BOT_USER_ID, SlackStandIn, dm_channel_id

# --- csm-coach serve ---------------------------------------------------------------------------------


def test_healthz_answers_200_ok_once_serve_reaches_its_database(served_app: signing.AppClient) -> None:
    answer = served_app.get("/healthz")

    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"ok": True}  # the 503 when the database is gone: tests/test_web_health.py


def _unsigned(body: bytes) -> dict[str, str]:
    return {"Content-Type": signing.FORM}


def _signed_with_another_secret(body: bytes) -> dict[str, str]:
    return signing.signed_headers(body, "not-the-app-secret")


def _signed_ten_minutes_ago(body: bytes) -> dict[str, str]:
    return signing.signed_headers(body, signing.SIGNING_SECRET, timestamp=int(time.time()) - 600)


def _signed_for_another_body(body: bytes) -> dict[str, str]:
    return signing.signed_headers(body.replace(b"help", b"U0BOSS"), signing.SIGNING_SECRET)


@pytest.mark.parametrize(
    "headers_for",
    [_unsigned, _signed_with_another_secret, _signed_ten_minutes_ago, _signed_for_another_body],
    ids=["unsigned", "wrong-secret", "timestamp-10-min-old", "body-altered-after-signing"],
)
def test_a_request_slack_did_not_sign_is_refused_with_401_and_does_nothing(
    served_app: signing.AppClient, slack: SlackStandIn, headers_for: Callable[[bytes], dict[str, str]]
) -> None:
    slack.clear()  # the app's own start-up calls (auth.test) are not what this test is about
    body = signing.slash_command("/myload", "help", "U0CSM", response_url=slack.response_url("myload"))

    answer = signing.post(served_app.events_url, body, headers_for(body))

    assert answer.status == 401
    assert "response_type" not in answer.text
    slack.assert_quiet()


def test_myload_help_answers_ephemerally_in_the_response_body(
    served_app: signing.AppClient, slack: SlackStandIn
) -> None:
    answer = served_app.post_command("/myload", "help", user_id="U0CSM")

    assert answer.status == 200, answer.text
    reply = answer.json()
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].strip()
    assert_valid_message(reply)
    assert slack.responses("myload") == []  # answered in the body, not through the response_url


def test_app_home_opened_event_publishes_the_home_tab_through_slack_api_url(
    served_app: signing.AppClient, slack: SlackStandIn
) -> None:
    answer = served_app.post_event(signing.app_home_opened("U0NOBODY"))

    assert answer.status == 200, answer.text
    (published,) = slack.wait_for("views.publish")
    assert published.token == "xoxb-test"
    assert published.param("user_id") == "U0NOBODY"
    assert published.param("view")["type"] == "home"


# --- the stand-in itself -----------------------------------------------------------------------------


def _client(
    slack: SlackStandIn, *handlers: RateLimitErrorRetryHandler | ServerErrorRetryHandler
) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.base_url, retry_handlers=list(handlers))


def test_stand_in_rate_limits_and_the_sdk_retry_handler_retries_after_retry_after(
    slack: SlackStandIn,
) -> None:
    slack.rate_limit("chat.postMessage", times=2)
    client = _client(slack, RateLimitErrorRetryHandler(max_retry_count=2))

    started = time.monotonic()
    sent = client.chat_postMessage(channel="C0TEAM", text="hello")

    assert sent["ok"] and sent["channel"] == "C0TEAM" and sent["ts"]
    calls = slack.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 429, 200]
    assert all(c.token == "xoxb-test" and c.text == "hello" for c in calls)
    assert time.monotonic() - started >= 2  # Retry-After: 1, twice


def test_stand_in_rate_limit_outlasting_the_retries_reaches_the_caller(slack: SlackStandIn) -> None:
    slack.rate_limit("chat.postMessage", times=3, retry_after=0)
    client = _client(slack, RateLimitErrorRetryHandler(max_retry_count=2))

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0TEAM", text="hello")

    assert raised.value.response.status_code == 429
    assert len(slack.calls("chat.postMessage")) == 3
    assert client.chat_postMessage(channel="C0TEAM", text="again")["ok"]  # the script is used up


def test_stand_in_server_error_is_retried_by_the_server_error_handler(slack: SlackStandIn) -> None:
    slack.server_error("views.publish")
    client = _client(slack, ServerErrorRetryHandler(max_retry_count=1))

    published = client.views_publish(user_id="U0CSM", view={"type": "home", "blocks": []})

    assert published["ok"] and published["view"]["type"] == "home"
    assert [c.status for c in slack.calls("views.publish")] == [500, 200]


def test_stand_in_fails_one_channel_and_serves_the_others(slack: SlackStandIn) -> None:
    slack.channel_error("C0GONE")
    client = _client(slack)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0GONE", text="lost")
    assert raised.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0TEAM", text="kept")["ok"]
    assert [(c.param("channel"), c.ok) for c in slack.calls("chat.postMessage")] == [
        ("C0GONE", False),
        ("C0TEAM", True),
    ]


def test_stand_in_answers_like_slack_for_a_dm_round(slack: SlackStandIn) -> None:
    client = _client(slack)

    assert client.auth_test()["user_id"] == BOT_USER_ID
    channel = client.conversations_open(users="U0CSM")["channel"]["id"]
    posted = client.chat_postMessage(channel=channel, text="morning", blocks=[{"type": "divider"}])
    updated = client.chat_update(channel=channel, ts=posted["ts"], text="done")

    assert channel == dm_channel_id("U0CSM")
    assert updated["ts"] == posted["ts"]
    assert slack.methods() == ["auth.test", "conversations.open", "chat.postMessage", "chat.update"]
    assert slack.wait_for("chat.postMessage")[0].blocks == [{"type": "divider"}]


def test_stand_in_records_what_reached_a_response_url(slack: SlackStandIn) -> None:
    sent = WebhookClient(slack.response_url("cmd-1")).send(text="on it", response_type="ephemeral")

    assert sent.status_code == 200
    (call,) = slack.responses("cmd-1")
    assert call.params["text"] == "on it" and call.params["response_type"] == "ephemeral"
