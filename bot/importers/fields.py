"""The fields of an import file: the bounds of its dates and amounts, and the parsers of each kind."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bot.plaintext import first_control

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER_NOISE = str.maketrans("", "", "$ \u00a0\u202f")  # currency sign, spaces grouping thousands
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

# The bounds of README's "CSV formats": a typo outside them (9999-12-31, a usage day in 2062, 1e300)
# would break every round.
EARLIEST_DATE = date(1990, 1, 1)
YEARS_AHEAD = 10
MAX_AMOUNT = 1e12  # ARR and usage values


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateBounds:
    """The dates an import accepts; `today` comes from the caller (the CLI passes the real UTC day)."""

    first: date
    last: date
    last_means: str  # how the user should read `last`

    @classmethod
    def accounts(cls, today: date) -> DateBounds:
        return cls(EARLIEST_DATE, _years_after(today, YEARS_AHEAD), f"{YEARS_AHEAD} years after today")

    @classmethod
    def usage(cls, today: date) -> DateBounds:
        return cls(EARLIEST_DATE, today + timedelta(days=1), "tomorrow, UTC")

    def check(self, day: date) -> date:
        if not self.first <= day <= self.last:
            raise ValueError(
                f"{day.isoformat()} is out of bounds: dates go from {self.first.isoformat()} "
                f"to {self.last.isoformat()} ({self.last_means})"
            )
        return day


def control_character(text: str) -> str | None:
    """Why `text` cannot be a name or an id (it holds a control character), or None when it can."""
    at = first_control(text)
    if at is None:
        return None
    char = text[at]
    what = "a line break" if char in _LINE_BREAKS else "a control character"
    return (
        f"contains {what} (U+{ord(char):04X}) at character {at + 1}: "
        "names and ids must be one line of plain text"
    )


@lru_cache(maxsize=4096)  # account files repeat dates; usage files have few distinct ones
def parse_date(text: str) -> date:
    """An ISO `YYYY-MM-DD` date; ValueError with a message fit for the user otherwise."""
    text = text.strip()
    if not text:
        raise ValueError("empty (expected a date YYYY-MM-DD)")
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f'bad date "{text}" (expected YYYY-MM-DD)')
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f'bad date "{text}": {exc}') from None


def parse_number(text: str) -> float:
    """A finite number; `$`, spaces and commas grouping thousands are tolerated ("$1,200.50")."""
    cleaned = text.translate(_NUMBER_NOISE)
    if not cleaned:
        raise ValueError("empty (expected a number)")
    not_a_number = ValueError(f'not a number: "{text.strip()}"')
    if "," in cleaned:  # "1.234,56" is a European decimal, not 1.23456
        if not _GROUPED.fullmatch(cleaned):
            raise not_a_number
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise not_a_number from None
    if not math.isfinite(value):
        raise ValueError(f'not a finite number: "{text.strip()}"')
    return value


def parse_amount(text: str) -> float:
    """An ARR or a usage value: a finite number from 0 to 10^12."""
    value = parse_number(text)
    if value < 0:
        raise ValueError(f"must be 0 or more, got {text.strip()}")
    if value > MAX_AMOUNT:
        raise ValueError(f"must be at most 10^12 (1,000,000,000,000), got {text.strip()}")
    return value
