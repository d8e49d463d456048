"""The one answer to "is this a time zone a team can live by?": a place's IANA name, or UTC."""

from __future__ import annotations

import pytest

from bot.services.localtime import place_zone


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Europe/London", "Europe/London"),
        (" america/new_york ", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
    ],
)
def test_a_place_or_utc_is_taken_as_iana_spells_it(given: str, stored: str) -> None:
    assert place_zone(given) == stored


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("EST", '"EST" keeps UTC-05:00 all year, with no summer time'),
        ("Etc/GMT+5", '"Etc/GMT+5" keeps UTC-05:00 all year, with no summer time'),
        ("PST8PDT", '"PST8PDT" is an abbreviation or an alias, not a place'),
        ("EST5EDT", '"EST5EDT" is an abbreviation or an alias, not a place'),
        ("CET", '"CET" is an abbreviation or an alias, not a place'),
        ("US/Eastern", '"US/Eastern" is an abbreviation or an alias, not a place'),
        ("GMT+5", '"GMT+5" is a fixed offset, which ignores summer time'),
        ("+05:30", '"+05:30" is a fixed offset, which ignores summer time'),
        ("GMT", '"GMT" is UTC under another name, with no summer time: use UTC, or the IANA name of a place'),
        ("Etc/UTC", '"Etc/UTC" is UTC under another name'),
        ("Mars/Olympus", 'unknown timezone "Mars/Olympus"'),
        ("localtime", 'unknown timezone "localtime"'),
    ],
)
def test_anything_else_is_refused_with_why_and_what_to_write_instead(given: str, why: str) -> None:
    with pytest.raises(ValueError) as refused:
        place_zone(given)
    assert str(refused.value).startswith(why)
    assert "like America/New_York or Europe/London" in str(refused.value)
