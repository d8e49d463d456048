"""What every message the app builds must satisfy (Slack's limits, and ours on the blocks' JSON)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

MAX_BLOCKS_JSON = 12_000  # stated here again on purpose: the test must not trust the code's constant


def assert_valid_blocks(blocks: list[dict[str, Any]], *, max_blocks: int) -> None:
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks, Slack allows {max_blocks}"
    size = len(json.dumps(blocks))
    assert size <= MAX_BLOCKS_JSON, f"{size} characters of blocks JSON, over {MAX_BLOCKS_JSON}"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        if kind == "header":
            assert 0 < len(text) <= 150, f"header of {len(text)} characters"
        elif kind == "section":
            assert len(text) <= 3000, f"section text of {len(text)} characters"
            for field in block.get("fields") or []:
                assert len(field["text"]) <= 2000, f"section field of {len(field['text'])} characters"
        elif kind == "context":
            for element in block.get("elements") or []:
                assert len(element.get("text", "")) <= 3000, "context text over 3,000 characters"
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                label = element["text"]["text"]
                assert 0 < len(label) <= 75, f"button text of {len(label)} characters"
                assert len(element.get("value", "")) <= 2000, "button value over 2,000 characters"


def assert_valid_message(payload: dict[str, Any], *, max_blocks: int = 50) -> None:
    """A message (post, DM, update, ephemeral): fallback text, ≤ 50 blocks, ≤ 12,000 characters."""
    assert (payload.get("text") or "").strip(), "a message needs a top-level fallback text"
    assert_valid_blocks(payload.get("blocks") or [], max_blocks=max_blocks)


def assert_valid_view(view: dict[str, Any]) -> None:
    """App Home or a modal: ≤ 100 blocks, the same size budget."""
    assert_valid_blocks(view.get("blocks") or [], max_blocks=100)


def message_text(payload: dict[str, Any]) -> str:
    """All the words a person would read in the message's blocks."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"}:
                parts.append(node.get("text", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks") or [])
    return "\n".join(parts)
