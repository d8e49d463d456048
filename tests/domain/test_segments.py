from __future__ import annotations

import pytest

from bot.domain.bands import Band
from bot.domain.segments import match_segment

DEFAULT_BANDS = (
    Band("smb", "Digital / SMB", 125, 200),
    Band("mid_market", "Mid-market", 80, 125),
    Band("large", "Large", 40, 80),
    Band("enterprise", "Enterprise", 10, 40),
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("smb", "smb"),
        ("SMB", "smb"),
        ("Digital", "smb"),
        ("Digital / SMB", "smb"),
        ("digital-smb", "smb"),
        ("small business", "smb"),
        ("Small Business", "smb"),
        ("mid_market", "mid_market"),
        ("Mid-Market", "mid_market"),
        ("mid market", "mid_market"),
        ("MID MARKET", "mid_market"),
        ("midmarket", "mid_market"),
        ("MM", "mid_market"),
        ("mid", "mid_market"),
        ("Large", "large"),
        ("  large  ", "large"),
        ("Enterprise", "enterprise"),
        ("ENTERPRISE", "enterprise"),
        ("ENT", "enterprise"),
        ("ent.", "enterprise"),
    ],
)
def test_known_spellings_find_their_band(text: str, key: str) -> None:
    assert match_segment(text, DEFAULT_BANDS) == key


@pytest.mark.parametrize("text", ["Gold", "", "   ", "-", "enterprise plus", "S M B X"])
def test_unknown_segment_is_none_never_a_default(text: str) -> None:
    assert match_segment(text, DEFAULT_BANDS) is None


def test_a_band_the_workspace_added_matches_by_key_and_label() -> None:
    bands = (*DEFAULT_BANDS, Band("strategic", "Strategic Accounts", 5, 15))
    assert match_segment("Strategic", bands) == "strategic"
    assert match_segment("strategic accounts", bands) == "strategic"


def test_an_alias_of_a_band_the_workspace_removed_does_not_match() -> None:
    bands = tuple(band for band in DEFAULT_BANDS if band.key != "enterprise")
    assert match_segment("ENT", bands) is None
    assert match_segment("Enterprise", bands) is None


def test_a_relabelled_band_is_found_by_its_new_label() -> None:
    bands = (Band("smb", "Long tail", 125, 200), *DEFAULT_BANDS[1:])
    assert match_segment("long-tail", bands) == "smb"
    assert match_segment("SMB", bands) == "smb"
