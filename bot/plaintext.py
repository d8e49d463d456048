"""Data as inert text: no terminal escape sequences, no control characters, and (flattened) one line;
escaped for Slack's mrkdwn. Below Slack and the terminal alike, so services may word a refusal too."""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and the two-character escapes; C1's CSI too.
_TERMINAL_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?"
)
# Line and paragraph separators and the bidirectional overrides can forge lines or reorder text.
_INVISIBLE_LAYOUT = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0085")
_SPACES = re.compile(r"[ \t]{2,}")


def _is_control(char: str) -> bool:
    return char in _INVISIBLE_LAYOUT or unicodedata.category(char) == "Cc"


def without_controls(text: str, *, keep_newlines: bool) -> str:
    """Drop terminal escape sequences; every other control character (tab, CR…) becomes a space."""
    if text.isprintable() and "\x1b" not in text:  # the common case costs one scan
        return text
    text = _TERMINAL_SEQUENCE.sub("", text)
    kept = "\n" if keep_newlines else ""
    return "".join(c if c in kept or not _is_control(c) else " " for c in text)


def flatten(text: str) -> str:
    """One line of inert text: line breaks and control characters become single spaces."""
    cleaned = without_controls(text, keep_newlines=False)
    return _SPACES.sub(" ", cleaned).strip() if cleaned is not text else cleaned


def escape(text: str) -> str:
    """Data as mrkdwn-safe text: one line, no control characters, and Slack's three entities escaped.

    Used for every data string that reaches Slack (blocks, fallback texts, modals, App Home), so a
    name like `<!channel> Evil <https://evil.example|re-auth>` stays words and cannot forge a line.
    """
    return flatten(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and the word, in the plural unless n is 1: "1 day", "2 days", "1,204 accounts"."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
