"""Shared Block Kit pieces: a message is its blocks plus the fallback text, always within Slack's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.identifiers import is_slack_user_id
from bot.plaintext import escape as escape  # re-exported: the builders' one escape
from bot.plaintext import flatten
from bot.plaintext import percent as percent  # re-exported: the builders' one percent
from bot.plaintext import plural as plural  # re-exported: the builders' one plural

if TYPE_CHECKING:
    from bot.config import Settings

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # App Home and modals
# Slack refuses chat.postMessage with msg_blocks_too_long near 13,000 characters of blocks JSON.
MAX_BLOCKS_JSON = 12_000
MAX_HEADER_TEXT = 150
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_FALLBACK_TEXT = 3000  # Slack truncates longer; notifications show the first line or so anyway


@dataclass(frozen=True)
class Message:
    text: str  # fallback: notifications, screen readers, clients without blocks
    blocks: list[Block] = field(default_factory=list)

    def block_dicts(self) -> list[dict[str, Any]]:
        return [b.to_dict() for b in self.blocks]

    def ephemeral(self) -> dict[str, Any]:
        """Body for a slash command's immediate reply, seen only by the person who typed it."""
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.block_dicts()}


@dataclass(frozen=True)
class RulesInForce:
    """The settings a text states, taken from Settings once by the caller: never a copy of a default."""

    threshold: float
    recent_days: int
    baseline_days: int
    snooze_days: int
    catchup_per_week: int
    dm_max_accounts: int
    dm_max_steps: int

    @classmethod
    def of(cls, settings: Settings) -> RulesInForce:
        return cls(
            threshold=settings.decline_threshold,
            recent_days=settings.decline_recent_days,
            baseline_days=settings.decline_baseline_days,
            snooze_days=settings.snooze_days,
            catchup_per_week=settings.review_catchup_per_week,
            dm_max_accounts=settings.dm_max_accounts,
            dm_max_steps=settings.dm_max_steps,
        )

    @property
    def percent(self) -> str:
        return percent(self.threshold)

    @property
    def windows(self) -> str:
        """ "the last 7 days than in the 28 before"'s two windows, as they are set."""
        return f"the last {plural(self.recent_days, 'day')} vs the {plural(self.baseline_days, 'day')} before"

    @property
    def snooze(self) -> str:
        """Button label: "Snooze a week" only when the snooze is 7 days."""
        return "Snooze a week" if self.snooze_days == 7 else f"Snooze {plural(self.snooze_days, 'day')}"


def money(amount: float) -> str:
    if amount >= 1_000_000:
        return f"${amount / 1_000_000:.1f}M"
    if amount >= 1_000:
        return f"${amount / 1_000:.1f}k"
    return f"${amount:,.0f}"


def day_and_time(at: datetime, zone: tzinfo) -> str:
    """A moment as its local weekday, date and time: "Mon 3 Nov 09:00"."""
    return f"{at.astimezone(zone):%a %-d %b %H:%M}"


# --- Data as text (the one escape is bot.plaintext.escape) ----------------------------------------


def plain(text: str) -> str:
    """Data for plain_text (headers, buttons, modal titles): Slack shows it as is, on one line.

    plain_text is where data stays words in Slack: no *bold*, no links; its `:emoji:` too once the
    object says `emoji: false`, as `header` does.
    """
    return flatten(text)


def mention(user_id: str) -> str:
    """A user mention from our own records; anything not shaped like a Slack user id stays text."""
    return f"<@{user_id}>" if is_slack_user_id(user_id) else escape(user_id)


# --- Blocks within their own limits ----------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# What Slack's automatic parsing could turn into a link or a mention: an @name, a #channel (not our
# "Review #2", nor our own <@U…> and <#C…>), a URL (a scheme, or a dot before a letter: a domain).
_AUTO_PARSED = re.compile(r"(?<!<)@|(?<!<)#(?![0-9]+(?![\w-]))|:/|\.[^\W\d_]")


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> MarkdownTextObject:
    """Our formatting around escaped data (`escape` neutralises the data's own formatting).

    `verbatim`: Slack links no bare URL, #channel or @name in the text; our own mentions, written
    <@U…>, stay live. Set only where automatic parsing could find something: 18 characters on every
    text would cost an ordinary App Home its last lines within the 12,000.
    """
    text = clip(text, limit)
    return MarkdownTextObject(text=text, verbatim=True if _AUTO_PARSED.search(text) else None)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text, MAX_CONTEXT_TEXT)])


def header(text: str) -> HeaderBlock:
    # Headers carry names, and ours use no :shortcode:, so none in a header becomes an emoji.
    text = clip(plain(text), MAX_HEADER_TEXT)
    return HeaderBlock(text=PlainTextObject(text=text, emoji=False if ":" in text else None))


def button(text: str, *, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=clip(plain(text), MAX_BUTTON_TEXT), action_id=action_id, value=value, style=style
    )


def fallback(text: str) -> str:
    """The top-level text: never empty, never long. Data in it must already be escaped."""
    return clip(text.strip() or "csm-coach", MAX_FALLBACK_TEXT)


# --- The budget -------------------------------------------------------------------------------------


class Budget:
    """The blocks of one message, packed by count AND serialized size; adding is all or nothing.

    Every builder fills one: its head first, then lists that shed what does not fit into "+N more".
    """

    def __init__(self, *, max_blocks: int = MAX_MESSAGE_BLOCKS, max_chars: int = MAX_BLOCKS_JSON) -> None:
        self.max_blocks, self.max_chars = max_blocks, max_chars
        self.blocks: list[Block] = []
        # len(json.dumps(blocks)) as slack_sdk sends them: "[" + ", ".join(each) + "]" = Σ (len + 2).
        self._sizes = 0

    @staticmethod
    def cost(blocks: Sequence[Block]) -> int:
        return sum(len(json.dumps(b.to_dict())) + 2 for b in blocks)

    def fits(self, blocks: Sequence[Block], *, reserve: Sequence[Block] = ()) -> bool:
        """Would `blocks` fit, with `reserve` (what must still follow) fitting after them?"""
        count = len(self.blocks) + len(blocks) + len(reserve)
        return count <= self.max_blocks and self._sizes + self.cost([*blocks, *reserve]) <= self.max_chars

    def add(self, *blocks: Block, reserve: Sequence[Block] = ()) -> bool:
        if not self.fits(blocks, reserve=reserve):
            return False
        self.blocks.extend(blocks)
        self._sizes += self.cost(blocks)
        return True

    def add_items(
        self,
        items: Sequence[Any],
        render: Callable[[Any], Sequence[Block]],
        more: Callable[[int], Block],
        *,
        limit: int | None = None,
        reserve: Sequence[Block] = (),
    ) -> int:
        """Add up to `limit` items while they fit, then `more(left)` if any is left; returns how many shown.

        Room for the "+N more" block is kept all along: its largest form (`more(len(items))`) is reserved.
        """
        shown = 0
        cap = len(items) if limit is None else min(limit, len(items))
        worst = [more(len(items))] if items else []
        for item in items[:cap]:
            keep = [*(worst if shown + 1 < len(items) else []), *reserve]
            if not self.add(*render(item), reserve=keep):
                break
            shown += 1
        if shown < len(items):
            self.add(more(len(items) - shown), reserve=reserve)
        return shown

    def add_lines(
        self,
        lines: Sequence[str],
        more: Callable[[int], Block],
        *,
        limit: int | None = None,
        reserve: Sequence[Block] = (),
    ) -> int:
        """Pack up to `limit` lines into as few sections as fit, then `more(left)`; returns how many
        lines are shown."""
        worst = [more(len(lines))] if lines else []
        current: list[str] = []
        shown = 0
        for line in lines[: len(lines) if limit is None else limit]:
            line = clip(line, MAX_SECTION_TEXT)
            keep = [*(worst if shown + 1 < len(lines) else []), *reserve]
            joined = "\n".join([*current, line])
            if len(joined) <= MAX_SECTION_TEXT and self.fits([section(joined)], reserve=keep):
                current.append(line)
                shown += 1
                continue
            if not current or len(joined) <= MAX_SECTION_TEXT:
                break  # out of room, not just a full section
            self.add(section("\n".join(current)))  # it fitted with room to spare a moment ago
            current = []
            if not self.fits([section(line)], reserve=keep):
                break
            current.append(line)
            shown += 1
        if current:
            self.add(section("\n".join(current)))
        if shown < len(lines):
            self.add(more(len(lines) - shown), reserve=reserve)
        return shown

    @contextmanager
    def share(self, fraction: float, *, reserve: Sequence[Block] = ()) -> Iterator[None]:
        """Within the block, only `fraction` of what is left (after `reserve`) may be used."""
        limits = self.max_blocks, self.max_chars
        left_blocks = self.max_blocks - len(self.blocks) - len(reserve)
        left_chars = self.max_chars - self._sizes - self.cost(reserve)
        self.max_blocks = len(self.blocks) + max(0, int(left_blocks * fraction))
        self.max_chars = self._sizes + max(0, int(left_chars * fraction))
        try:
            yield
        finally:
            self.max_blocks, self.max_chars = limits

    def message(self, text: str) -> Message:
        return Message(text=fallback(text), blocks=list(self.blocks))


def plain_message(text: str) -> Message:
    """A one-section answer (ephemerals, errors); `text` is mrkdwn whose data the caller escaped."""
    return Message(text=fallback(text), blocks=[section(text)])
