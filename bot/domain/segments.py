"""Lenient segment names: "SMB", "Mid-Market", "ENT" … all find their band (docs/how-it-works.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.bands import Band

# Spellings seen in CRMs and spreadsheets, normalised (see _normalise) -> segment key.
ALIASES: dict[str, str] = {
    "smb": "smb",
    "digital": "smb",
    "digitalsmb": "smb",
    "smbdigital": "smb",
    "smallbusiness": "smb",
    "small": "smb",
    "midmarket": "mid_market",
    "mm": "mid_market",
    "mid": "mid_market",
    "large": "large",
    "enterprise": "enterprise",
    "ent": "enterprise",
}

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _normalise(text: str) -> str:
    """Lower case without spaces or punctuation: "Mid-Market" and "mid market" meet as "midmarket"."""
    return _NOT_ALNUM.sub("", text.casefold())


def match_segment(text: str, bands: Sequence[Band]) -> str | None:
    """Key of the band `text` names (by key, label or a known alias), or None when none fits."""
    wanted = _normalise(text)
    if not wanted:
        return None
    for band in bands:
        if wanted in (_normalise(band.key), _normalise(band.label)):
            return band.key
    alias = ALIASES.get(wanted)
    if alias is not None and any(band.key == alias for band in bands):
        return alias
    return None
