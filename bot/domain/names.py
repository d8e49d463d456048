"""What to call a person in a greeting, from the name the team file gives. Pure."""

from __future__ import annotations

import re

# Titles before a name and suffixes after one: neither is what a colleague is called.
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "sir", "dame"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "cpa"})
_WORD = re.compile(r"[^\s,]+")


def _bare(word: str) -> str:
    return word.casefold().strip(".")


def first_name(name: str) -> str | None:
    """The given name: "Jane" for "Jane Doe", for "Doe, Jane" (a directory's "Last, First") and for
    "Dr. Jane Doe, PhD"; None when the name holds no word at all."""
    parts = [part for part in name.split(",") if _WORD.search(part)]
    # "Last, First …": the given names follow the comma, unless what follows is only a suffix.
    given = [p for p in parts[1:] if not all(_bare(w) in _SUFFIXES for w in _WORD.findall(p))]
    words = _WORD.findall(given[0] if given else parts[0] if parts else "")
    words = [w for w in words if _bare(w) not in _TITLES] or words
    return words[0] if words else None
