"""Slack Block Kit messages drawn in the terminal with Rich, for `digest --dry-run` and `demo`.

Blocks come in their dict form (what slack_sdk's `Block.to_dict()` gives). Slack mrkdwn becomes Rich
markup; everything a user typed is escaped on the way, so `[bold]` in an account name stays text, and
every string is stripped of control characters and terminal escape sequences before it is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.cli.mrkdwn import CODE_STYLE, EMOJI, MENTION_STYLE, emojize, mrkdwn_text
from bot.plaintext import flatten, without_controls

Block = Mapping[str, Any]

BUTTON_STYLES = {
    "primary": "bold white on green4",
    "danger": "bold white on red3",
    None: "bold black on grey70",
}


def render_message(
    console: Console,
    *,
    title: str,
    blocks: Sequence[Block | Any],
    text: str,
    names: Mapping[str, str] | None = None,
) -> None:
    """Draw one message in a panel titled like its Slack surface ("/myload — Dana Ortiz (ephemeral)")."""
    console.print(
        Panel(
            message_renderable(blocks, text=text, names=names),
            title=Text(flatten(title), style="bold"),
            title_align="left",
            border_style="bright_black",
        )
    )


def message_renderable(
    blocks: Sequence[Block | Any], *, text: str, names: Mapping[str, str] | None = None
) -> RenderableType:
    """The blocks as one Rich renderable; the fallback `text` when there are no blocks."""
    names = {inert(k): inert(v) for k, v in (names or {}).items()}
    dicts = [inert(b.to_dict() if hasattr(b, "to_dict") else b) for b in blocks]
    if not dicts:
        return mrkdwn_text(inert(text), names)
    return Group(*(_block(b, names) for b in dicts))


def inert(value: Any) -> Any:
    """Every string inside `value` without control characters or terminal escape sequences."""
    if isinstance(value, str):
        return without_controls(value, keep_newlines=True)
    if isinstance(value, Mapping):
        return {k: inert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert(v) for v in value]
    return value


def _block(block: Block, names: Mapping[str, str]) -> RenderableType:
    kind = block.get("type")
    if kind == "header":
        return Text(emojize(block.get("text", {}).get("text", "")), style="bold")
    if kind == "section":
        return _section(block, names)
    if kind == "divider":
        return Rule(style="bright_black")
    if kind == "context":
        line = Text(style="dim")
        for k, element in enumerate(block.get("elements", [])):
            line.append("  " if k else "")
            if element.get("type") == "image":
                line.append(f"[{element.get('alt_text', 'image')}]")
            else:
                line.append_text(_text_object(element, names))
        return line
    if kind == "actions":
        return Text("  ").join(_element(e, names) for e in block.get("elements", []))
    if kind == "image":
        return Text(f"[image: {block.get('alt_text', '')}]", style="dim")
    if kind == "input":
        label = _text_object(block.get("label"), names)
        return Text.assemble(label, " ", _element(block.get("element", {}), names))
    if kind == "rich_text":
        return _rich_text(block, names)
    return Text(f"[{kind} block]", style="dim")


def _section(block: Block, names: Mapping[str, str]) -> RenderableType:
    parts: list[RenderableType] = []
    if block.get("text"):
        parts.append(_text_object(block["text"], names))
    fields = [_text_object(f, names) for f in block.get("fields", [])]
    if fields:
        grid = Table.grid(padding=(0, 4))
        grid.add_column()
        grid.add_column()
        for k in range(0, len(fields), 2):
            grid.add_row(*fields[k : k + 2])
        parts.append(grid)
    body: RenderableType = parts[0] if len(parts) == 1 else Group(*parts)
    accessory = block.get("accessory")
    if not accessory:
        return body
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(ratio=1)
    row.add_column(justify="right", vertical="top")
    row.add_row(body, _element(accessory, names))
    return row


def _text_object(obj: Mapping[str, Any] | None, names: Mapping[str, str]) -> Text:
    if not obj:
        return Text()
    if obj.get("type") == "mrkdwn":
        return mrkdwn_text(obj.get("text", ""), names)
    raw = obj.get("text", "")
    return Text(emojize(raw) if obj.get("emoji", True) else raw)


def _element(element: Mapping[str, Any], names: Mapping[str, str]) -> Text:
    """An interactive element as a bracketed label: buttons `[ Mark done ]`, menus `[ Choose ▾ ]`."""
    kind = element.get("type")
    if kind == "button":
        label = _text_object(element.get("text"), names).plain
        return Text(f"[ {label} ]", style=BUTTON_STYLES.get(element.get("style"), BUTTON_STYLES[None]))
    if kind == "overflow":
        return Text("[ ⋯ ]", style=BUTTON_STYLES[None])
    shown = element.get("initial_date") or element.get("initial_time")
    option = element.get("initial_option")
    if option:
        shown = _text_object(option.get("text"), names).plain
    if not shown:
        shown = _text_object(element.get("placeholder"), names).plain or str(kind)
    suffix = " ▾" if kind and "select" in kind else ""
    return Text(f"[ {shown}{suffix} ]", style="bold")


def _rich_text(block: Block, names: Mapping[str, str]) -> Text:
    """A rich_text block: sections, lists, quotes and preformatted runs, without nesting finesse."""
    out = Text()
    for part in block.get("elements", []):
        kind = part.get("type")
        if kind == "rich_text_list":
            indent = "  " * int(part.get("indent", 0))
            start = int(part.get("offset", 0)) + 1
            for k, item in enumerate(part.get("elements", []), start=start):
                marker = f"{k}. " if part.get("style") == "ordered" else "• "
                out.append(indent + marker)
                out.append_text(_rich_inline(item.get("elements", []), names))
                out.append("\n")
            continue
        line = _rich_inline(part.get("elements", []), names)
        if kind == "rich_text_quote":
            out.append("│ ", style="dim")
            line.stylize("italic")
        elif kind == "rich_text_preformatted":
            line.stylize(CODE_STYLE)
        out.append_text(line)
        out.append("\n")
    out.rstrip()
    return out


def _rich_inline(elements: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> Text:
    out = Text()
    for e in elements:
        kind = e.get("type")
        flags = e.get("style") or {}
        style = Style(
            bold=flags.get("bold") or None,
            italic=flags.get("italic") or None,
            strike=flags.get("strike") or None,
            color=CODE_STYLE if flags.get("code") else None,
        )
        if kind == "text":
            out.append(e.get("text", ""), style=style)
        elif kind == "link":
            url = e.get("url", "")
            out.append(e.get("text") or url, style=style + Style(underline=True, link=url or None))
        elif kind in ("user", "channel", "usergroup"):
            ident = e.get(f"{kind}_id", "")
            sign = "#" if kind == "channel" else "@"
            out.append(sign + names.get(ident, ident).lstrip("@#"), style=MENTION_STYLE)
        elif kind == "emoji":
            out.append(EMOJI.get(e.get("name", ""), f":{e.get('name', '')}:"))
        elif kind == "broadcast":
            out.append(f"@{e.get('range', 'here')}", style="bold yellow")
        elif kind == "date":
            out.append(e.get("fallback", ""), style=style)
    return out
