"""What Slack refuses for its content, so the stand-in refuses it too.

Messages: at most 50 blocks (`invalid_blocks`), and `msg_blocks_too_long` once the blocks pass
13,000 characters of JSON in all (bolt-js #2509 and #2867 measure it; the app keeps to 12,000).
Views (App Home, modals): at most 100 blocks (`invalid_arguments`). Every block must be one
Slack knows and within its own limits (header 150, section 3,000, button text 75, value 2,000…),
checked with slack_sdk's Block Kit models; and a message needs its fallback `text`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
BLOCKS_JSON_MAX_CHARS = 13_000
HEADER_MAX_CHARS = 150
SECTION_MAX_CHARS = 3_000

MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage"})
VIEW_METHODS = frozenset({"views.open", "views.publish", "views.update", "views.push"})


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def blocks_json_chars(blocks: Any) -> int:
    """The size Slack judges: the blocks as JSON, one character per character (not per UTF-8 byte)."""
    return len(json.dumps(blocks, ensure_ascii=False))


def block_problem(block: Any) -> str | None:
    """Why Slack would refuse this one block, or None."""
    if not isinstance(block, dict):
        return "a block must be an object"
    kind = block.get("type")
    text = (block.get("text") or {}).get("text", "") if isinstance(block.get("text"), dict) else ""
    if kind == "header" and len(text) > HEADER_MAX_CHARS:
        return f"header text of {len(text)} characters (Slack allows {HEADER_MAX_CHARS})"
    if kind == "section" and len(text) > SECTION_MAX_CHARS:
        return f"section text of {len(text)} characters (Slack allows {SECTION_MAX_CHARS})"
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return f"unknown block type {kind!r}"
        parsed.to_dict()  # validates the block and every element in it
    except (SlackObjectFormationError, KeyError, TypeError, ValueError) as exc:
        return f"{kind} block: {exc}"
    return None


def blocks_problem(blocks: Any, max_blocks: int) -> str | None:
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > max_blocks:
        return f"{len(blocks)} blocks (Slack allows {max_blocks})"
    for index, block in enumerate(blocks):
        problem = block_problem(block)
        if problem:
            return f"blocks[{index}]: {problem}"
    return None


def message_refusal(params: Mapping[str, Any], *, require_text: bool = True) -> tuple[str, str] | None:
    """(error, why) Slack answers a message with, or None when it would take it."""
    blocks = _decoded(params.get("blocks"))
    text = params.get("text")
    if blocks is not None and blocks != "":
        if blocks_json_chars(blocks) > BLOCKS_JSON_MAX_CHARS:
            return "msg_blocks_too_long", f"{blocks_json_chars(blocks)} characters of blocks JSON"
        problem = blocks_problem(blocks, MESSAGE_MAX_BLOCKS)
        if problem:
            return "invalid_blocks", problem
    if require_text and not (isinstance(text, str) and text.strip()):
        return "no_text", "no top-level fallback text"
    return None


def view_refusal(params: Mapping[str, Any]) -> tuple[str, str] | None:
    view = _decoded(params.get("view"))
    if not isinstance(view, dict):
        return "invalid_arguments", "view must be an object"
    problem = blocks_problem(view.get("blocks", []), VIEW_MAX_BLOCKS)
    return ("invalid_arguments", problem) if problem else None


def refusal(method: str, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """What Slack would answer `method` for this content; None when the content is acceptable."""
    if method in MESSAGE_METHODS:
        return message_refusal(params)
    if method in VIEW_METHODS:
        return view_refusal(params)
    if method.startswith("response/"):  # a response_url; deleting the original needs no text
        return message_refusal(params, require_text=not params.get("delete_original"))
    return None
