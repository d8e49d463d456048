"""A plan for overdue playbook steps: when they clear at a steady pace.

The rule: docs/how-it-works.md, "One message a morning".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class BacklogPlan:
    overdue: int
    per_week: int
    clears_on: date


def backlog_plan(overdue: int, *, per_week: int, today: date) -> BacklogPlan | None:
    """`overdue` steps cleared `per_week` a week: done ceil(overdue / per_week) weeks from today."""
    if overdue <= 0:
        return None
    if per_week < 1:
        raise ValueError("the pace must be at least one step a week")
    weeks = math.ceil(overdue / per_week)
    try:
        clears_on = today + timedelta(days=7 * weeks)
    except OverflowError:  # a pace that never clears within the calendar
        clears_on = date.max
    return BacklogPlan(overdue, per_week, clears_on)
