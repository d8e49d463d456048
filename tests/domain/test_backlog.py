"""The backlog plan: how many weeks at the pace in force, and the date it clears."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.backlog import backlog_plan

TODAY = date(2026, 11, 23)


def test_the_spec_example() -> None:
    plan = backlog_plan(38, per_week=3, today=date(2026, 12, 15))
    assert plan is not None and plan.clears_on == date(2027, 3, 16)  # 13 weeks: Tue 16 Mar


def test_nothing_overdue_needs_no_plan() -> None:
    assert backlog_plan(0, per_week=3, today=TODAY) is None


def test_a_pace_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        backlog_plan(5, per_week=0, today=TODAY)


@given(st.integers(1, 100_000), st.integers(1, 100), st.dates(max_value=date(2100, 1, 1)))
def test_weeks_are_the_ceiling_of_count_over_pace(overdue: int, pace: int, today: date) -> None:
    plan = backlog_plan(overdue, per_week=pace, today=today)
    assert plan is not None and (plan.overdue, plan.per_week) == (overdue, pace)
    assert plan.clears_on == today + timedelta(days=7 * math.ceil(overdue / pace))
    later = backlog_plan(overdue + 1, per_week=pace, today=today)
    assert later is not None and later.clears_on >= plan.clears_on


def test_a_date_past_the_calendar_is_the_calendar_end() -> None:
    plan = backlog_plan(10**9, per_week=1, today=TODAY)
    assert plan is not None and plan.clears_on == date.max
