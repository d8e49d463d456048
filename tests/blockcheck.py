"""What every message the app builds must satisfy (Slack's limits)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block


def assert_valid_message(payload: dict[str, Any], *, max_blocks: int = 50) -> None:
    assert payload.get("text"), "a message needs a top-level fallback text"
    blocks = payload.get("blocks") or []
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks, Slack allows {max_blocks}"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= 3000, f"section text of {len(text)} characters"


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
