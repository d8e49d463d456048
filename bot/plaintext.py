"""Data as inert text: no terminal escape sequences, no control characters, and (flattened) one line;
escaped for Slack's mrkdwn. Below Slack and the terminal alike, so services may word a refusal too.

The one definition of a control character (`is_control`) and the one cleaning function
(`without_controls`) live here: imports refuse names holding one, and everything printed, logged or
sent cleans data with these.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and the two-character escapes; C1's CSI too.
_TERMINAL_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?"
)
# Line and paragraph separators and the bidirectional overrides can forge lines or reorder text.
_INVISIBLE_LAYOUT = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0085")
_SPACES = re.compile(r"[ \t]{2,}")

# Slack's mrkdwn has no escape for its formatting characters (only for & < >), so data gets
# look-alikes that Slack does not parse (the mapping jsx-slack's <Escape> uses). A delimiter between
# two letters or digits is kept: Slack formats only at word boundaries ("Acme_Corp" stays as typed).
_LOOK_ALIKES = {
    "*": "\u2217",  # ∗ asterisk operator
    "_": "\u02cd",  # ˍ modifier letter low macron
    "~": "\u223c",  # ∼ tilde operator
    "`": "\u02cb",  # ˋ modifier letter grave accent
    "\uff0a": "\ufe61",  # fullwidth asterisk: ﹡ small asterisk
    "\uff3f": "\u2e0f",  # fullwidth low line: ⸏ paragraphos
    "\uff40": "\u02cb",  # fullwidth grave accent
}
_DELIMITERS = re.compile("[*_~\uff0a\uff3f]")
_ALWAYS = re.compile("[`\uff40]")  # a code span opens anywhere, inside a word too
# `:name:` is an emoji shortcode; a word joiner after the colon keeps it two words, invisibly.
_SHORTCODE = re.compile(r":(?=[\w+'-]+:)")
WORD_JOINER = "\u2060"
_FORMATTING = frozenset([*_LOOK_ALIKES, ":"])
SOFT_HYPHEN = "\u00ad"  # before a leading ">", which would start a quote; Slack shows it as nothing


def is_control(char: str) -> bool:
    """A control character (C0, C1, DEL), a line or paragraph separator, or a bidirectional override."""
    return char in _INVISIBLE_LAYOUT or unicodedata.category(char) == "Cc"


def first_control(text: str) -> int | None:
    """The index of the first control character in `text`, or None when there is none."""
    if text.isprintable() and "\x1b" not in text:
        return None
    return next((i for i, char in enumerate(text) if is_control(char)), None)


def without_controls(text: str, *, keep_newlines: bool, visible: bool = False) -> str:
    """Drop terminal escape sequences; every other control character (tab, CR…) becomes a space.

    With `visible`, every control character is written as its escape (`\\x1b[2J`) instead, for an
    error that quotes a bad value: the person sees what is there, the terminal is not driven by it.
    """
    if text.isprintable() and "\x1b" not in text:  # the common case costs one scan
        return text
    kept = "\n" if keep_newlines else ""
    if visible:
        return "".join(c if c in kept or not is_control(c) else _written(c) for c in text)
    text = _TERMINAL_SEQUENCE.sub("", text)
    return "".join(c if c in kept or not is_control(c) else " " for c in text)


def _written(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def flatten(text: str) -> str:
    """One line of inert text: line breaks and control characters become single spaces."""
    cleaned = without_controls(text, keep_newlines=False)
    return _SPACES.sub(" ", cleaned).strip() if cleaned is not text else cleaned


def escape(text: str) -> str:
    """Data as mrkdwn-safe text: one line, no control characters, Slack's three entities escaped, and
    no formatting: `*bold*`, `_it_`, `~s~`, a code span, `:emoji:` or a leading quote stay words.

    Used for every data string that reaches Slack's mrkdwn (blocks, fallback texts, modals, App Home),
    so a name like `<!channel> Evil <https://evil.example|re-auth>` stays words and cannot forge a line.
    """
    text = _without_formatting(flatten(text))
    if text.startswith(">"):
        text = SOFT_HYPHEN + text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _without_formatting(text: str) -> str:
    if not any(c in text for c in _FORMATTING):  # the common case costs one scan per character
        return text

    def neutral(match: re.Match[str]) -> str:
        at = match.start()
        inside_word = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
        return match.group() if inside_word else _LOOK_ALIKES[match.group()]

    text = _DELIMITERS.sub(neutral, text)
    text = _ALWAYS.sub(lambda m: _LOOK_ALIKES[m.group()], text)
    return _SHORTCODE.sub(":" + WORD_JOINER, text)


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and the word, in the plural unless n is 1: "1 day", "2 days", "1,204 accounts"."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def percent(share: float | Fraction, *, places: int = 1) -> str:
    """A share in words: 0.3 → "30%", 0.125 → "12.5%"; at most `places` decimals, none when whole.

    A Fraction (a book's load) is rounded exactly, half to even, before it becomes a float.
    """
    # One expression in two branches, so that each keeps its type: a Fraction stays exact.
    hundredths = round(share * 100, places) if isinstance(share, Fraction) else round(share * 100, places)
    return f"{float(hundredths):g}%"
