"""Book size against the recommended bands: pure functions on plain values.

The rules: docs/how-it-works.md, "Is my book the right size?".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    low: int
    high: int

    def __post_init__(self) -> None:
        if not 0 < self.low <= self.high:
            raise ValueError(f"band {self.key}: need 0 < low <= high, got {self.low}–{self.high}")


# The default bands; the database holds the bands in force (seeded with these, editable).
DEFAULT_BANDS = (
    Band("smb", "Digital / SMB", 125, 200),
    Band("mid_market", "Mid-market", 80, 125),
    Band("large", "Large", 40, 80),
    Band("enterprise", "Enterprise", 10, 40),
)


class Verdict(StrEnum):
    OVER = "over"
    WITHIN = "within"
    UNDER = "under"

    @property
    def words(self) -> str:
        return {"over": "over band", "within": "within band", "under": "under band"}[self.value]


@dataclass(frozen=True)
class SegmentCount:
    band: Band
    count: int


@dataclass(frozen=True)
class BookLoad:
    segments: tuple[SegmentCount, ...]  # segments with at least one account, in band order
    total: int
    load_at_top: Fraction  # share of one full book if every segment ran at the top of its band
    load_at_bottom: Fraction
    verdict: Verdict
    main_segment: Band | None  # the segment with most accounts; headroom is counted in it
    headroom: int | None  # accounts of the main segment that still fit; negative = over by that many

    @property
    def percent_of_top(self) -> int:
        return round(self.load_at_top * 100)


def book_load(counts: Mapping[str, int], bands: Sequence[Band]) -> BookLoad:
    """Load of one CSM's book: `counts` maps segment key to number of accounts."""
    by_key = {band.key: band for band in bands}
    unknown = sorted(set(counts) - set(by_key))
    if unknown:
        raise ValueError(f"no band for segment(s): {', '.join(unknown)}")
    if any(n < 0 for n in counts.values()):
        raise ValueError("account counts cannot be negative")

    segments = tuple(SegmentCount(band, counts[band.key]) for band in bands if counts.get(band.key, 0) > 0)
    top = sum((Fraction(s.count, s.band.high) for s in segments), Fraction(0))
    bottom = sum((Fraction(s.count, s.band.low) for s in segments), Fraction(0))
    if top > 1:
        verdict = Verdict.OVER
    elif bottom < 1:
        verdict = Verdict.UNDER
    else:
        verdict = Verdict.WITHIN

    # Most accounts; on a tie, the segment that weighs more on the book (the smaller band).
    main = max(segments, key=lambda s: (s.count, -s.band.high)).band if segments else None
    headroom = math.floor((1 - top) * main.high) if main else None
    return BookLoad(
        segments=segments,
        total=sum(s.count for s in segments),
        load_at_top=top,
        load_at_bottom=bottom,
        verdict=verdict,
        main_segment=main,
        headroom=headroom,
    )


# Industry context: Vitally's survey of B2B SaaS companies, share of companies per bracket
# of customers per CSM. The survey's brackets touch at 25 and 50; each boundary goes to the lower one.
SURVEY_BRACKETS: tuple[tuple[int, int | None, str, int], ...] = (
    (0, 9, "fewer than 10", 23),
    (10, 25, "10–25", 33),
    (26, 50, "25–50", 29),
    (51, 100, "51–100", 14),
    (101, 200, "101–200", 1),
)
TOTANGO_ABOVE_1K = 37  # accounts per CSM, accounts above $1,000/yr
TOTANGO_BELOW_1K = 200  # accounts per CSM, accounts below $1,000/yr


@dataclass(frozen=True)
class SurveyPosition:
    bracket: str | None  # None: beyond the survey's largest bracket
    share_in_bracket: int  # % of companies in the same bracket
    share_fewer: int  # % of companies whose CSMs carry fewer customers
    share_more: int  # % of companies whose CSMs carry more


def survey_position(total: int) -> SurveyPosition:
    fewer = 0
    for low, high, label, share in SURVEY_BRACKETS:
        if high is None or low <= total <= high:
            return SurveyPosition(label, share, fewer, 100 - fewer - share)
        fewer += share
    return SurveyPosition(None, 0, fewer, 0)


def totango_reference(mean_arr: float) -> tuple[int, str]:
    """Totango's average book for accounts of this size, and how to say which figure it is."""
    if mean_arr >= 1000:
        return TOTANGO_ABOVE_1K, "accounts above $1,000/yr"
    return TOTANGO_BELOW_1K, "accounts below $1,000/yr"
