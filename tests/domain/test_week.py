"""The manager's week on plain values: Newcombe's interval, the lift, unclaimed alerts, the week's tallies."""

from __future__ import annotations

import math
from datetime import date, timedelta
from statistics import NormalDist

import pytest
from scipy.optimize import brentq

from bot.domain.week import (
    MIN_GROUP,
    AlertFacts,
    Flagged,
    ReviewFacts,
    Z,
    declines,
    flagged_for_lift,
    is_report_day,
    is_unclaimed,
    lift,
    newcombe_difference,
    reviews,
    week_before,
    wilson,
    working_days,
)

WEEKDAYS = frozenset(range(5))
Z95 = NormalDist().inv_cdf(0.975)


# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score, no correction).
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_method_10_matches_the_paper_at_95_percent(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    found = newcombe_difference(x1, n1, x2, n2, z=Z95)
    assert (round(found.low, 4), round(found.high, 4)) == (low, high)


def _wilson_by_root(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's bounds as the roots of the score test |p̂ − p| = z √(p(1−p)/n), found numerically."""
    p_hat = x / n

    def score(p: float) -> float:
        return (p_hat - p) ** 2 - z * z * p * (1 - p) / n

    # At p̂ = 0 or 1 the score is 0 at p̂ itself: look for the other root just inside.
    low = 0.0 if x == 0 else brentq(score, 1e-12, min(p_hat, 1 - 1e-12))
    high = 1.0 if x == n else brentq(score, max(p_hat, 1e-12), 1 - 1e-12)
    return low, high


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(56, 70, 48, 80), (7, 12, 3, 15), (10, 10, 0, 20)])
def test_the_90_percent_interval_agrees_with_an_independent_computation(
    x1: int, n1: int, x2: int, n2: int
) -> None:
    z = NormalDist().inv_cdf(0.95)
    assert pytest.approx(z, abs=1e-9) == Z
    l1, u1 = _wilson_by_root(x1, n1, z)
    l2, u2 = _wilson_by_root(x2, n2, z)
    p1, p2 = x1 / n1, x2 / n2
    low = p1 - p2 - math.hypot(p1 - l1, u2 - p2)
    high = p1 - p2 + math.hypot(u1 - p1, p2 - l2)
    found = newcombe_difference(x1, n1, x2, n2)
    assert found.low == pytest.approx(low, abs=1e-7)
    assert found.high == pytest.approx(high, abs=1e-7)
    wider = newcombe_difference(x1, n1, x2, n2, z=Z95)
    assert wider.low < found.low and found.high <= wider.high


def test_wilson_refuses_an_empty_group() -> None:
    with pytest.raises(ValueError):
        wilson(0, 0)


def test_lift_counts_each_account_once_and_says_too_few_under_ten() -> None:
    day = date(2026, 12, 7)
    flagged = [Flagged(i, reached_out=i < 12, recovered=i % 2 == 0) for i in range(21)]
    flagged.append(Flagged(0, reached_out=False, recovered=False))  # the same account again: ignored
    found = lift(flagged, day)
    assert (found.reached, found.reached_recovered) == (12, 6)
    assert (found.untouched, found.untouched_recovered) == (9, 5)
    assert not found.enough and found.difference is None and found.interval is None
    assert found.untouched < MIN_GROUP
    more = lift([*flagged, Flagged(99, reached_out=False, recovered=True)], day)
    assert more.enough
    assert more.difference == pytest.approx(6 / 12 - 6 / 10)
    assert more.interval == newcombe_difference(6, 12, 6, 10)


def _alert(i: int, opened: date, **kw: object) -> AlertFacts:
    values: dict[str, object] = {
        "alert_id": i,
        "account_id": i,
        "account": f"Acme {i}",
        "owner": "U1",
        "arr": 1000.0 * i,
        "drop": 0.5,
        "opened_on": opened,
        "closed_on": None,
        "recovered_on": None,
        "raised_baseline": 10.0,
    }
    values.update(kw)
    return AlertFacts(**values)  # type: ignore[arg-type]


def test_unclaimed_means_three_working_mornings_without_an_action() -> None:
    monday = date(2026, 12, 7)
    assert is_report_day(monday, WEEKDAYS) and not is_report_day(monday + timedelta(days=1), WEEKDAYS)
    assert is_report_day(monday + timedelta(days=1), frozenset({1, 2, 3, 4, 5}))
    wednesday, thursday = date(2026, 12, 2), date(2026, 12, 3)
    assert working_days(wednesday, monday, WEEKDAYS) == 3
    assert working_days(thursday, monday, WEEKDAYS) == 2
    assert working_days(date(2026, 11, 2), monday, WEEKDAYS) == 25
    assert is_unclaimed(_alert(1, wednesday), monday, WEEKDAYS)
    assert not is_unclaimed(_alert(1, thursday), monday, WEEKDAYS)
    assert not is_unclaimed(_alert(1, wednesday, snoozed_on=(thursday,)), monday, WEEKDAYS)
    assert not is_unclaimed(_alert(1, wednesday, closed_on=monday), monday, WEEKDAYS)
    # Saturday and Sunday are working days for a seven-day team: Thursday's alert is unclaimed by Monday.
    assert is_unclaimed(_alert(1, thursday), monday, frozenset(range(7)))


def test_the_week_tallies_what_happened_inside_it() -> None:
    monday = date(2026, 12, 7)
    week = week_before(monday)
    assert (week.start, week.end, week.key) == (date(2026, 11, 30), date(2026, 12, 6), monday)
    alerts = [
        _alert(1, date(2026, 11, 30), reached_out_on=(date(2026, 12, 1),), snoozed_on=(date(2026, 12, 1),)),
        _alert(2, date(2026, 12, 1), snoozed_on=(date(2026, 12, 2),), recovered_on=date(2026, 12, 5)),
        _alert(3, date(2026, 11, 20), reached_out_on=(date(2026, 11, 21),), recovered_on=date(2026, 12, 7)),
        _alert(4, date(2026, 11, 10)),  # unclaimed, less at risk
        _alert(5, date(2026, 12, 2), arr=90_000.0),  # unclaimed, most at risk
        _alert(6, date(2026, 12, 4)),  # raised Friday: two working mornings, not yet unclaimed
    ]
    found = declines(alerts, week, WEEKDAYS)
    assert (found.raised, found.acted_on, found.reached_out, found.snoozed, found.recovered) == (
        4,
        2,
        1,
        2,
        1,
    )
    assert [a.alert_id for a in found.unclaimed] == [5, 4]


def test_the_lift_takes_the_alerts_flagged_28_to_56_days_before() -> None:
    day = date(2026, 12, 7)
    alerts = [
        _alert(1, day - timedelta(days=56), reached_out_on=(day - timedelta(days=50),), recovered_on=day),
        _alert(2, day - timedelta(days=28), recovered_on=day + timedelta(days=1)),  # after the report
        _alert(3, day - timedelta(days=27)),  # too recent
        _alert(4, day - timedelta(days=57)),  # too old
        _alert(5, day - timedelta(days=40), raised_baseline=None),  # its baseline was never kept
    ]
    found = flagged_for_lift(alerts, day)
    assert found == [
        Flagged(1, reached_out=True, recovered=True),
        Flagged(2, reached_out=False, recovered=False),
    ]


def test_reviews_done_on_time_and_overdue() -> None:
    week = week_before(date(2026, 12, 7))
    found = reviews(
        [
            ReviewFacts(date(2026, 12, 3), date(2026, 12, 2), open=False),
            ReviewFacts(date(2026, 11, 3), date(2026, 12, 2), open=False),
            ReviewFacts(date(2026, 11, 3), date(2026, 11, 2), open=False),  # done before the week
            ReviewFacts(date(2026, 12, 6), None, open=True),
            ReviewFacts(date(2026, 12, 7), None, open=True, from_first_sight=True),
            ReviewFacts(date(2026, 12, 7), None, open=True),
        ],
        week,
    )
    assert (found.done, found.on_time, found.overdue) == (2, 1, 2)
