"""Hostile names stay words in every builder: no live mention or link, no forged line, no control code."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.slack.blocks.common import Message, escape, mention, plain
from tests.support.blockcheck import assert_valid_message, assert_valid_view
from tests.support.samples import Sizes, every_message

HOSTILE = [
    "<!channel> Evil <https://evil.example|re-auth>",
    "<!here> Mallory",
    "*bold*",
    "Line one\nFORGED line",
    "Carriage\r\nFORGED too\u2028FORGED unicode",
    "Red\x1b[31m alert\x07",
    "&amp; <#C0123> <@U0999|boss> <!subteam^S1|@all>",
]
# Markup only our own code writes: user mentions of real-looking ids.
OURS = re.compile(r"<@U[0-9A-Z]+>")


def texts(node: Any, kind: str) -> list[str]:
    """Every text object of one type ("mrkdwn" or "plain_text") inside a block structure."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += texts(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += texts(item, kind)
    return found


def surfaces(name: str) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Each builder's (fallback text, blocks) with `name` as every account, person, team and band label."""
    built = every_message(
        Sizes(declines=8, steps=8, owners=2, name=name + " {i}", person_name=name, team_name=name, label=name)
    )
    out: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for key, value in built.items():
        if isinstance(value, Message):
            assert_valid_message({"text": value.text, "blocks": value.block_dicts()})
            out[key] = (value.text, value.block_dicts())
        else:
            assert_valid_view(value)
            out[key] = (value.get("title", {}).get("text", "csm-coach"), value["blocks"])
    return out


@pytest.mark.parametrize("name", HOSTILE)
def test_no_builder_lets_data_become_markup_or_lines(name: str) -> None:
    for surface, (fallback, blocks) in surfaces(name).items():
        for text in [fallback, *texts(blocks, "mrkdwn")]:
            live = OURS.sub("", text)
            assert "<!" not in live and "<http" not in live and "<#" not in live, (surface, text)
            assert "<@" not in live, (surface, text)
            assert "\nFORGED" not in text and "\u2028" not in text, (surface, text)
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text), (surface, repr(text))
        for text in texts(blocks, "plain_text"):
            assert not re.search(r"[\x00-\x1f\x7f\u2028]", text), (surface, repr(text))


def test_the_name_is_still_there_as_words() -> None:
    built = surfaces("<!here> Mallory")
    fallback, blocks = built["dm"]
    assert "&lt;!here&gt; Mallory" in fallback, "the notification text is escaped too"
    assert any("&lt;!here&gt; Mallory 0" in t for t in texts(blocks, "mrkdwn"))
    post_fallback, post = built["channel_post"]
    assert "&lt;!here&gt; Mallory" in post_fallback
    assert any("<!here> Mallory" in t for t in texts(post, "plain_text")), "headers show it as typed"


def test_the_one_escape() -> None:
    assert escape("a & b <!channel>\nnext\x1b[31m") == "a &amp; b &lt;!channel&gt; next"
    assert plain("two\nlines\x00") == "two lines"
    assert mention("U0ANA") == "<@U0ANA>"
    assert mention("U1> <!channel") == "U1&gt; &lt;!channel"
