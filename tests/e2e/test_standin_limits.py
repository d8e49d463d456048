"""The stand-in refuses what Slack refuses, and its fault modes record what Slack would hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.slack_limits import BLOCKS_JSON_MAX_CHARS, blocks_json_chars
from tests.support.slack_standin import SlackStandIn


def client(slack: SlackStandIn, timeout: int = 15) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.base_url, retry_handlers=[], timeout=timeout)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def refused(slack: SlackStandIn, **message: Any) -> str:
    with pytest.raises(SlackApiError) as error:
        client(slack).chat_postMessage(channel="C0ONE", **message)
    assert slack.posted() == []
    return str(error.value.response["error"])


def sized(chars: int) -> list[dict[str, Any]]:
    """Blocks whose JSON is exactly `chars` characters: sections of up to 2,900 characters of text."""
    blocks = [section("x" * 2_900) for _ in range(chars // 3_000)]
    filler = chars - blocks_json_chars([*blocks, section("")])
    blocks.append(section("y" * filler))
    assert blocks_json_chars(blocks) == chars
    return blocks


def test_blocks_over_13000_characters_of_json_are_msg_blocks_too_long_and_below_pass(
    slack: SlackStandIn,
) -> None:
    assert client(slack).chat_postMessage(channel="C0ONE", text="t", blocks=sized(BLOCKS_JSON_MAX_CHARS))[
        "ok"
    ]
    slack.clear()
    assert refused(slack, text="t", blocks=sized(BLOCKS_JSON_MAX_CHARS + 1)) == "msg_blocks_too_long"


def test_more_than_50_blocks_a_long_header_or_section_or_button_is_invalid_blocks(
    slack: SlackStandIn,
) -> None:
    assert refused(slack, text="t", blocks=[section("a")] * 51) == "invalid_blocks"
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert refused(slack, text="t", blocks=[header]) == "invalid_blocks"
    assert refused(slack, text="t", blocks=[section("s" * 3_001)]) == "invalid_blocks"
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}
    assert refused(slack, text="t", blocks=[{"type": "actions", "elements": [button]}]) == "invalid_blocks"
    assert refused(slack, text="t", blocks=[{"type": "no-such-block"}]) == "invalid_blocks"
    fifty = [section("a")] * 49 + [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}]
    assert client(slack).chat_postMessage(channel="C0ONE", text="t", blocks=fifty)["ok"]


def test_a_message_without_its_fallback_text_is_no_text(slack: SlackStandIn) -> None:
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns too, and sends it anyway
        assert refused(slack, blocks=[section("a")]) == "no_text"
        assert refused(slack, text="  ") == "no_text"


def test_a_view_over_100_blocks_is_refused(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as error:
        client(slack).views_publish(user_id="U1", view={"type": "home", "blocks": [section("a")] * 101})
    assert error.value.response["error"] == "invalid_arguments"
    assert client(slack).views_publish(user_id="U1", view={"type": "home", "blocks": [section("a")] * 100})[
        "ok"
    ]


def test_store_then_fail_holds_the_message_and_answers_500(slack: SlackStandIn) -> None:
    slack.store_then_fail("chat.postMessage")
    with pytest.raises(SlackApiError) as error:
        client(slack).chat_postMessage(channel="C0ONE", text="once")
    assert error.value.response.status_code == 500
    assert [c.text for c in slack.posted()] == ["once"]
    assert client(slack).chat_postMessage(channel="C0ONE", text="twice")["ok"]  # only the next call
    assert [c.text for c in slack.posted()] == ["once", "twice"]


def test_a_hang_past_the_timeout_and_a_dropped_connection_still_hold_the_message(slack: SlackStandIn) -> None:
    slack.hang("chat.postMessage", seconds=3)
    with pytest.raises(TimeoutError):
        client(slack, timeout=1).chat_postMessage(channel="C0ONE", text="held")
    slack.drop("chat.postMessage")
    with pytest.raises(OSError):  # a reset or a remote disconnect, as a dying proxy gives
        client(slack).chat_postMessage(channel="C0ONE", text="dropped")
    assert [c.text for c in slack.posted()] == ["held", "dropped"]


def test_a_refusal_carries_slacks_explanation(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as error:
        client(slack).chat_postMessage(channel="C0ONE", text="t", blocks=json.dumps([section("s" * 3_001)]))
    assert "3001 characters" in error.value.response["response_metadata"]["messages"][0]
