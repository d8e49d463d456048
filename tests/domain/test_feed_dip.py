"""The feed-wide dip (docs/how-it-works.md): a holiday week or a tracking outage is not an account's drop."""

from __future__ import annotations

import statistics
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domain.usage import (
    Assessment,
    DeclineRules,
    FeedDip,
    Trend,
    Windows,
    assess,
    beyond_dip,
    feed_age,
    feed_dip,
    judge,
    ratio,
    workspace_median,
)

RULES = DeclineRules()
TODAY = date(2026, 11, 22)
W = Windows.ending_before(TODAY, RULES)
OLD = date(2026, 1, 1)
FRESH = feed_age(date(2026, 11, 21), TODAY)

# One account: (baseline mean, recent / baseline, first usage day is old enough).
Account = tuple[float, float, bool]
accounts = st.lists(
    st.tuples(
        st.one_of(st.floats(0, 5), st.floats(5, 1e5)),  # some under the noise floor
        st.floats(0, 1.5),
        st.booleans().map(lambda new: not new) | st.just(True),  # mostly enough history
    ),
    min_size=1,
    max_size=60,
)
thresholds = st.floats(0.05, 1.0)


def assessments(population: list[Account], rules: DeclineRules, factor: float = 1.0) -> dict[int, Assessment]:
    """Plain assessments, every recent window multiplied by `factor` (a uniform dip)."""
    return {
        i: assess(
            recent_sum=baseline * share * factor * rules.recent_days,
            baseline_sum=baseline * rules.baseline_days,
            first_day=OLD if old else W.recent_start,
            windows=W,
            rules=rules,
        )
        for i, (baseline, share, old) in enumerate(population)
    }


def flagged(found: dict[int, Assessment]) -> set[int]:
    return {i for i, a in found.items() if a.trend is Trend.DECLINING}


def judged(found: dict[int, Assessment], rules: DeclineRules) -> tuple[set[int], FeedDip | None]:
    result = judge(found, feed=FRESH, rules=rules, median=workspace_median(found.values(), rules))
    return flagged(result.assessments), result.dip


@given(accounts, st.one_of(st.just(0.0), st.floats(1e-6, 1.0)), thresholds)
def test_a_uniform_dip_of_any_depth_flags_nobody_the_plain_rule_would_not_flag_without_it(
    population: list[Account], factor: float, threshold: float
) -> None:
    rules = DeclineRules(threshold=threshold)
    before = assessments(population, rules)
    median_before = workspace_median(before.values(), rules)
    # A workspace that was not already growing as a whole (see the report: growth above 1 lifts the line).
    assume(median_before is not None and median_before <= 1)
    during = assessments(population, rules, factor)
    found, dip = judged(during, rules)
    assume(dip is not None)  # shallower dips leave the plain rule in force, by the next property
    assert found <= flagged(before)


@given(accounts, thresholds)
def test_with_the_median_at_or_above_one_minus_half_the_threshold_the_plain_rule_holds(
    population: list[Account], threshold: float
) -> None:
    rules = DeclineRules(threshold=threshold)
    plain = assessments(population, rules)
    median = workspace_median(plain.values(), rules)
    assume(median is None or median >= 1 - threshold / 2)
    result = judge(plain, feed=FRESH, rules=rules, median=median)
    assert result.dip is None and result.assessments == plain


@given(accounts, st.floats(0, 1.0), st.integers(3, 30))
def test_the_stale_feed_guard_comes_first(population: list[Account], factor: float, days_old: int) -> None:
    found = assessments(population, RULES, factor)
    stale = feed_age(date.fromordinal(TODAY.toordinal() - days_old), TODAY)
    assert stale.stale
    result = judge(found, feed=stale, rules=RULES, median=workspace_median(found.values(), RULES))
    assert result.assessments == {} and result.dip is None


@given(accounts, st.floats(0, 1.0), thresholds)
def test_under_a_dip_only_accounts_at_or_below_the_dip_line_are_flagged(
    population: list[Account], factor: float, threshold: float
) -> None:
    rules = DeclineRules(threshold=threshold)
    found = assessments(population, rules, factor)
    median = workspace_median(found.values(), rules)
    result = judge(found, feed=FRESH, rules=rules, median=median)
    assume(result.dip is not None)
    assert median is not None and result.dip == FeedDip(median)
    for i, a in result.assessments.items():
        r = ratio(a, rules)
        if a.trend is Trend.DECLINING:
            assert r is not None and r <= median * (1 - threshold) * (1 + 1e-6)
        elif r is not None and median > 0:
            assert r >= median * (1 - threshold) * (1 - 1e-6)
        assert (a.trend is Trend.DECLINING) <= (found[i].trend is Trend.DECLINING)


def test_a_holiday_week_flags_only_the_accounts_that_fell_beyond_it() -> None:
    # 20 accounts at half their usage, one at a third of it, one at a quarter, one stopped.
    population = [(100.0, 0.5, True)] * 20 + [(100.0, 0.34, True), (100.0, 0.25, True), (80.0, 0.0, True)]
    found = assessments(population, RULES)
    assert len(flagged(found)) == 23  # the plain rule: everyone
    got, dip = judged(found, RULES)
    assert dip == FeedDip(0.5) and dip.depth == 0.5
    assert got == {20, 21, 22}  # 0.34 <= 0.5 x 0.7 = 0.35; the half-down accounts are not
    assert judged(assessments([*population[:20], (100.0, 0.36, True)], RULES), RULES)[0] == set()


def test_the_median_counts_eligible_accounts_only() -> None:
    quiet_and_new = [(2.0, 0.0, True)] * 10 + [(100.0, 0.0, False)] * 10
    population = [(100.0, 1.0, True)] * 3 + quiet_and_new
    assert statistics.median([1.0] * 3) == workspace_median(assessments(population, RULES).values(), RULES)
    assert judged(assessments(population, RULES), RULES)[1] is None


def test_the_line_is_at_one_minus_half_the_threshold() -> None:
    assert feed_dip(0.85, RULES) is None
    assert feed_dip(0.8499, RULES) == FeedDip(0.8499)
    assert feed_dip(0.7, DeclineRules(threshold=0.6)) is None
    assert feed_dip(None, RULES) is None


def test_when_nobody_used_the_product_nobody_fell_beyond_anybody() -> None:
    assert judged(assessments([(100.0, 0.0, True)] * 5, RULES), RULES) == (set(), FeedDip(0.0))


def test_an_open_alert_not_beyond_the_dip_is_neither_flagged_nor_closed() -> None:
    dip = FeedDip(0.5)
    down = assess(recent_sum=0.45 * 7 * 100, baseline_sum=28 * 100, first_day=OLD, windows=W, rules=RULES)
    assert down.trend is Trend.DECLINING
    assert beyond_dip(down, dip, RULES).trend is Trend.SOFT  # refresh leaves a SOFT account's alert open
    back = assess(recent_sum=0.95 * 7 * 100, baseline_sum=28 * 100, first_day=OLD, windows=W, rules=RULES)
    assert beyond_dip(back, dip, RULES).trend is Trend.RECOVERED  # a real recovery still closes it
