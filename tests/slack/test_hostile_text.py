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


def text_objects(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every text object of one type ("mrkdwn" or "plain_text") inside a block structure."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            found.append(node)
        for value in node.values():
            found += text_objects(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += text_objects(item, kind)
    return found


def texts(node: Any, kind: str) -> list[str]:
    return [obj["text"] for obj in text_objects(node, kind)]


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


# Slack's formatting, as a name may carry it: each must reach Slack as words.
FORMATTING = ["*bold*", "_it_", "~s~", "`code`", ":smile:", "*Acme* _Corp_ ~old~ :rocket: `x`"]
# What Slack's automatic parsing would link: a bare URL, a domain, a #channel, an @name.
LINKABLE = ["https://evil.example/re-auth", "evil.example", "#general", "@here Mallory"]


@pytest.mark.parametrize("name", FORMATTING)
def test_formatting_in_a_name_reaches_every_surface_as_words(name: str) -> None:
    runs = [run for run in name.split(" ") if run]
    for surface, (fallback, blocks) in surfaces(name).items():
        for text in [fallback, *texts(blocks, "mrkdwn")]:
            assert not any(run in text for run in runs), (surface, text)
        for obj in text_objects(blocks, "plain_text"):
            if ":smile:" in obj["text"] or ":rocket:" in obj["text"]:
                assert obj.get("emoji") is False, (surface, obj)
    fallback, blocks = surfaces("*bold*")["dm"]
    assert "∗bold∗" in fallback and any("*∗bold∗ 0*" in t for t in texts(blocks, "mrkdwn")), "still words"
    _, post = surfaces("*bold*")["channel_post"]
    assert any(t.startswith("Usage drops · *bold* ·") for t in texts(post, "plain_text")), "headers as typed"


@pytest.mark.parametrize("name", LINKABLE)
def test_a_url_or_channel_in_a_name_is_never_linked_by_slack(name: str) -> None:
    word = name.split(" ")[0]
    seen = 0
    for surface, (_, blocks) in surfaces(name).items():
        for obj in text_objects(blocks, "mrkdwn"):
            if word in obj["text"]:
                seen += 1
                assert obj.get("verbatim") is True, (surface, obj)
    assert seen >= 10, "the name is in the messages, as words"


def test_the_escape_neutralises_formatting_but_keeps_a_word_as_typed() -> None:
    assert escape("*bold* _it_ ~s~ `c`") == "∗bold∗ ˍitˍ ∼s∼ ˋcˋ"
    assert escape("Acme_Corp R*Star x~y") == "Acme_Corp R*Star x~y", "inside a word Slack formats nothing"
    assert escape(":smile: 10:30") == ":\u2060smile: 10:30"
    assert escape("> quoted") == "\u00ad&gt; quoted", "a leading > would start a quote"
    assert escape(escape("*a* :b:")) == escape("*a* :b:"), "escaping twice changes nothing more"
