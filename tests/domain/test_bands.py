from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.bands import DEFAULT_BANDS, Band, Verdict, book_load, survey_position, totango_reference

BANDS = DEFAULT_BANDS
KEYS = [b.key for b in BANDS]
HIGH = {b.key: b.high for b in BANDS}
LOW = {b.key: b.low for b in BANDS}

books = st.dictionaries(st.sampled_from(KEYS), st.integers(min_value=0, max_value=400))


@pytest.mark.parametrize("band", BANDS, ids=KEYS)
def test_single_segment_book_at_exactly_the_top_is_within(band: Band) -> None:
    load = book_load({band.key: band.high}, BANDS)
    assert load.verdict is Verdict.WITHIN
    assert load.load_at_top == 1
    assert load.headroom == 0


@pytest.mark.parametrize("band", BANDS, ids=KEYS)
def test_single_segment_book_one_over_the_top_is_over_by_one(band: Band) -> None:
    load = book_load({band.key: band.high + 1}, BANDS)
    assert load.verdict is Verdict.OVER
    assert load.headroom == -1


@pytest.mark.parametrize("band", BANDS, ids=KEYS)
def test_single_segment_book_at_the_bottom_is_within_and_one_less_is_under(band: Band) -> None:
    assert book_load({band.key: band.low}, BANDS).verdict is Verdict.WITHIN
    assert book_load({band.key: band.low - 1}, BANDS).verdict is Verdict.UNDER


def test_mixed_book_weighs_each_segment_against_its_own_band() -> None:
    # 100 SMB (half of 200) + 40 large (half of 80) = exactly one full book at the top.
    load = book_load({"smb": 100, "large": 40}, BANDS)
    assert load.load_at_top == 1
    assert load.load_at_bottom == Fraction(100, 125) + Fraction(40, 40)
    assert load.verdict is Verdict.WITHIN
    assert load.main_segment == BANDS[0]
    assert load.headroom == 0


def test_mixed_book_over_band_counts_headroom_in_the_main_segment() -> None:
    # 60 mid-market (0.48) + 30 enterprise (0.75) = 1.23 of a book: over by 0.23 × 125 = 28.75 mid-market.
    load = book_load({"mid_market": 60, "enterprise": 30}, BANDS)
    assert load.verdict is Verdict.OVER
    assert load.main_segment == BANDS[1]
    assert load.headroom == -29


def test_mixed_book_under_band_when_even_the_bottoms_are_not_reached() -> None:
    load = book_load({"smb": 20, "enterprise": 3}, BANDS)
    assert load.verdict is Verdict.UNDER
    assert load.headroom is not None and load.headroom > 0


def test_empty_book_is_under_band_without_a_main_segment() -> None:
    load = book_load({}, BANDS)
    assert (load.total, load.verdict, load.main_segment, load.headroom) == (0, Verdict.UNDER, None, None)


def test_unknown_segment_is_an_error_not_a_default() -> None:
    with pytest.raises(ValueError, match="gold"):
        book_load({"gold": 3}, BANDS)


def test_band_rejects_an_empty_or_inverted_range() -> None:
    with pytest.raises(ValueError):
        Band("x", "X", 0, 10)
    with pytest.raises(ValueError):
        Band("x", "X", 20, 10)


@given(books, st.sampled_from(KEYS))
def test_adding_an_account_never_lowers_load(book: dict[str, int], segment: str) -> None:
    before = book_load(book, BANDS)
    after = book_load({**book, segment: book.get(segment, 0) + 1}, BANDS)
    assert after.load_at_top > before.load_at_top
    assert after.load_at_bottom > before.load_at_bottom
    assert after.total == before.total + 1


@given(books)
def test_verdict_follows_the_definition(book: dict[str, int]) -> None:
    load = book_load(book, BANDS)
    top = sum(Fraction(n, HIGH[k]) for k, n in book.items())
    bottom = sum(Fraction(n, LOW[k]) for k, n in book.items())
    assert load.load_at_top == top and load.load_at_bottom == bottom
    assert load.load_at_bottom >= load.load_at_top
    expected = Verdict.OVER if top > 1 else Verdict.UNDER if bottom < 1 else Verdict.WITHIN
    assert load.verdict is expected


@given(books)
def test_headroom_is_the_most_main_segment_accounts_that_still_fit(book: dict[str, int]) -> None:
    load = book_load(book, BANDS)
    if load.main_segment is None:
        assert load.total == 0
        return
    high, room = load.main_segment.high, load.headroom
    assert room is not None
    assert load.load_at_top + Fraction(room, high) <= 1 < load.load_at_top + Fraction(room + 1, high)


@given(books)
def test_main_segment_has_the_most_accounts(book: dict[str, int]) -> None:
    load = book_load(book, BANDS)
    if load.main_segment is not None:
        assert book[load.main_segment.key] == max(book.values())


@given(st.integers(min_value=0, max_value=10_000))
def test_survey_shares_always_add_up_to_a_hundred(total: int) -> None:
    position = survey_position(total)
    assert position.share_fewer + position.share_in_bracket + position.share_more == 100


@pytest.mark.parametrize(
    ("total", "bracket", "fewer"),
    [
        (5, "fewer than 10", 0),
        (10, "10–25", 23),
        (25, "10–25", 23),
        (26, "25–50", 56),
        (142, "101–200", 99),
        (201, None, 100),
    ],
)
def test_survey_position_places_a_book_in_its_bracket(total: int, bracket: str | None, fewer: int) -> None:
    position = survey_position(total)
    assert (position.bracket, position.share_fewer) == (bracket, fewer)


def test_totango_reference_depends_on_account_size() -> None:
    assert totango_reference(48_000)[0] == 37
    assert totango_reference(600)[0] == 200
