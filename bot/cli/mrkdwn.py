"""Slack mrkdwn as Rich markup for the terminal: bold, italic, strike, code, quotes, mentions, links, emoji.

Everything a user typed is escaped on the way, so `[bold]` in an account name stays text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rich.markup import escape
from rich.text import Text

from bot.plaintext import without_controls

# Shortcodes our messages use, as emoji that are two cells wide in a terminal (no variation selector).
# fmt: off
EMOJI = {
    "warning": "⚠", "chart_with_downwards_trend": "📉", "chart_with_upwards_trend": "📈", "x": "❌",
    "white_check_mark": "✅", "heavy_check_mark": "✔", "large_green_circle": "🟢", "red_circle": "🔴",
    "large_yellow_circle": "🟡", "calendar": "📅", "spiral_calendar_pad": "🗓", "bell": "🔔", "zzz": "💤",
    "rotating_light": "🚨", "hourglass_flowing_sand": "⏳", "telephone_receiver": "📞", "memo": "📝",
    "bar_chart": "📊", "busts_in_silhouette": "👥", "moneybag": "💰", "dart": "🎯", "mag": "🔍", "wave": "👋",
    "tada": "🎉", "sunrise": "🌅", "information_source": "ℹ", "clipboard": "📋", "fast_forward": "⏩",
    "umbrella_with_rain_drops": "☔",
}
# fmt: on
CODE_STYLE = "cyan"
MENTION_STYLE = "bold blue"


_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_SLOT = re.compile("\ue000([0-9]+)\ue001")  # stands in for an <…> token while the text around it is formatted
_INLINE = re.compile(
    r"```(?P<pre>.+?)```"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\s](?:[^_\n]*?[^_\s])?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\s](?:[^~\n]*?[^~\s])?)~(?![\w~])",
    re.DOTALL,
)
_INLINE_STYLES = {
    "pre": CODE_STYLE,
    "code": CODE_STYLE,
    "bold": "bold",
    "italic": "italic",
    "strike": "strike",
}


def mrkdwn_text(text: str, names: Mapping[str, str] | None = None) -> Text:
    return Text.from_markup(mrkdwn_to_markup(without_controls(text, keep_newlines=True), names), emoji=False)


def mrkdwn_to_markup(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as Rich markup: *bold*, _italic_, ~strike~, `code`, mentions, links and emoji."""
    names = names or {}
    tokens: list[str] = []

    def hold(match: re.Match[str]) -> str:
        tokens.append(_token(match.group(1), names))
        return f"\ue000{len(tokens) - 1}\ue001"

    held = _ANGLE.sub(hold, text)
    lines = [_quote(line) for line in _format(emojize(held)).split("\n")]
    markup = _SLOT.sub(lambda m: tokens[int(m.group(1))], "\n".join(lines))
    # _esc doubles a trailing backslash so the tag after it survives; give one that ends the text a tag too
    return markup + "[dim][/dim]" if markup.endswith("\\") else markup


def emojize(text: str) -> str:
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _format(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _INLINE.finditer(text):
        kind = match.lastgroup or "code"
        inner = match.group(kind)
        out.append(_plain(text[pos : match.start()]))
        body = _plain(inner) if kind in ("pre", "code") else _format(inner)
        out.append(f"[{_INLINE_STYLES[kind]}]{body}[/]")
        pos = match.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def _plain(text: str) -> str:
    return _esc(_unescape(text))


def _esc(text: str) -> str:
    """rich.markup.escape for a piece a tag may follow: its trailing backslashes must not eat the tag."""
    core = text.rstrip("\\")
    return escape(core) + "\\" * (2 * (len(text) - len(core)))


def _unescape(text: str) -> str:
    """Slack's three entities; `&amp;` last so `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _quote(line: str) -> str:
    """A `> ` line (Slack sends `&gt; `, already decoded here) drawn as a quote."""
    return f"[dim]│[/] [italic]{line[2:]}[/]" if line.startswith("> ") else line


def _token(body: str, names: Mapping[str, str]) -> str:
    """Markup for one <…> token: user or channel mention, special mention, date or link."""
    kind, rest = body[:1], body[1:]
    if kind in ("@", "#"):
        ident, _, label = rest.partition("|")
        shown = names.get(ident) or _unescape(label) or ident
        return f"[{MENTION_STYLE}]{_esc(kind + shown.lstrip('@#'))}[/]"
    if kind == "!":
        command, _, label = rest.partition("|")
        if label:  # <!date^…|fallback>, <!subteam^ID|@handle>
            return _plain(label)
        if command.startswith("subteam^"):
            ident = command.partition("^")[2]
            return f"[{MENTION_STYLE}]@{_esc(names.get(ident, ident).lstrip('@'))}[/]"
        return f"[bold yellow]@{_esc(command)}[/]"
    url, _, label = body.partition("|")
    shown = _plain(label or url.removeprefix("mailto:"))
    if re.fullmatch(r"[^\s\[\]]+", url):
        return f"[underline][link={url}]{shown}[/link][/underline]"
    return f"[underline]{shown}[/]"
