from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.usage import DeclineRules, Trend, Windows, assess, feed_age, sparkline

RULES = DeclineRules()
TODAY = date(2026, 11, 22)
W = Windows.ending_before(TODAY, RULES)
OLD = date(2026, 1, 1)


def judge(recent_mean: float, baseline_mean: float, first_day: date | None = OLD) -> Trend:
    return assess(
        recent_sum=recent_mean * 7,
        baseline_sum=baseline_mean * 28,
        first_day=first_day,
        windows=W,
        rules=RULES,
    ).trend


def test_windows_are_the_last_seven_complete_days_and_the_28_before() -> None:
    assert (W.recent_start, W.recent_end) == (date(2026, 11, 15), date(2026, 11, 21))
    assert (W.baseline_start, W.baseline_end) == (date(2026, 10, 18), date(2026, 11, 14))


def test_a_30_percent_drop_flags_and_29_does_not() -> None:
    assert judge(70, 100) is Trend.DECLINING
    assert judge(71, 100) is Trend.SOFT


def test_a_baseline_under_the_noise_floor_is_never_flagged() -> None:
    assert judge(0, 4.9) is Trend.QUIET
    assert judge(0, 5) is Trend.DECLINING


def test_an_account_that_stopped_reporting_is_declining_by_100_percent() -> None:
    result = assess(recent_sum=0, baseline_sum=28 * 40, first_day=OLD, windows=W, rules=RULES)
    assert result.trend is Trend.DECLINING and result.drop == 1


def test_too_little_history_is_not_judged() -> None:
    assert judge(0, 100, first_day=W.baseline_start) is Trend.DECLINING
    assert judge(0, 100, first_day=date(2026, 10, 19)) is Trend.NEW
    assert judge(0, 100, first_day=None) is Trend.NEW


def test_recovery_means_back_to_90_percent_of_baseline() -> None:
    assert judge(90, 100) is Trend.RECOVERED
    assert judge(89, 100) is Trend.SOFT
    assert judge(0, 0) is Trend.QUIET  # nothing either side is not a recovery


def test_a_floor_of_zero_never_divides_by_zero() -> None:
    rules = DeclineRules(noise_floor=0)
    result = assess(recent_sum=0, baseline_sum=0, first_day=OLD, windows=W, rules=rules)
    assert result.trend is Trend.QUIET


@pytest.mark.parametrize(
    ("newest", "stale", "days_old"),
    [
        (TODAY, False, 0),
        (date(2026, 11, 21), False, 1),
        (date(2026, 11, 20), False, 2),  # one day late is not stale
        (date(2026, 11, 19), True, 3),
        (None, True, None),
    ],
)
def test_a_feed_is_stale_only_more_than_two_days_old(
    newest: date | None, stale: bool, days_old: int | None
) -> None:
    age = feed_age(newest, TODAY)
    assert (age.stale, age.days_old) == (stale, days_old)


def test_staleness_follows_the_setting() -> None:
    assert feed_age(date(2026, 11, 20), TODAY, stale_after_days=1).stale
    assert not feed_age(date(2026, 11, 17), TODAY, stale_after_days=5).stale
    assert feed_age(date(2026, 11, 17), TODAY, stale_after_days=5).stale_after_days == 5


def test_windows_end_on_the_feeds_newest_day() -> None:
    late = Windows.for_feed(date(2026, 11, 20), TODAY, RULES)  # Tokyo's morning, before the next day loads
    assert (late.recent_start, late.recent_end) == (date(2026, 11, 14), date(2026, 11, 20))
    assert (late.baseline_start, late.baseline_end) == (date(2026, 10, 17), date(2026, 11, 13))
    assert Windows.for_feed(date(2026, 11, 21), TODAY, RULES) == W


@pytest.mark.parametrize("newest", [TODAY, TODAY + timedelta(days=1), None])
def test_windows_never_end_later_than_yesterday(newest: date | None) -> None:
    assert Windows.for_feed(newest, TODAY, RULES) == W


def test_windows_follow_their_settings() -> None:
    rules = DeclineRules(recent_days=14, baseline_days=56)
    found = Windows.ending_on(date(2026, 11, 21), rules)
    assert (found.recent_end - found.recent_start).days + 1 == 14
    assert (found.baseline_end - found.baseline_start).days + 1 == 56
    assert found.baseline_end + timedelta(days=1) == found.recent_start


@given(st.floats(min_value=0, max_value=1e6), st.floats(min_value=5, max_value=1e6))
def test_flagged_exactly_when_the_drop_reaches_the_threshold(recent: float, baseline: float) -> None:
    result = assess(recent_sum=recent * 7, baseline_sum=baseline * 28, first_day=OLD, windows=W, rules=RULES)
    if result.trend is Trend.DECLINING:
        assert result.drop >= 0.3 - 1e-6
    elif result.trend is not Trend.RECOVERED:
        assert result.drop < 0.3 + 1e-6


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([0, 5, 10]) == "▁▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""
