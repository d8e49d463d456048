"""Shared Block Kit pieces: a message is its blocks plus the fallback text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000


@dataclass(frozen=True)
class Message:
    text: str  # fallback: notifications, screen readers, clients without blocks
    blocks: list[Block] = field(default_factory=list)

    def block_dicts(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.blocks]

    def ephemeral(self) -> dict[str, Any]:
        """Body for a slash command's immediate reply, seen only by the person who typed it."""
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.block_dicts()}


def mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text)])


def escape(text: str) -> str:
    """Escape user-supplied text for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pack_lines(lines: list[str], *, max_blocks: int) -> tuple[list[SectionBlock], int]:
    """Pack lines into as few sections as fit Slack's limits; returns the sections and lines left out."""
    sections: list[SectionBlock] = []
    current: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        line = line[:MAX_SECTION_TEXT]
        if current and size + len(line) + 1 > MAX_SECTION_TEXT:
            if len(sections) + 1 >= max_blocks:
                sections.append(section("\n".join(current)))
                return sections, len(lines) - index
            sections.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        sections.append(section("\n".join(current)))
    return sections, 0


def plain_message(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])
