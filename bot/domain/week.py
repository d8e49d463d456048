"""The manager's week (docs/how-it-works.md, "The manager's week"): pure figures from plain values.

What the team did with its alerts in the week just ended, its reviews, and whether reaching out
goes with recovery: the share of accounts that recovered where the CSM reached out against the
share where nobody did, with the difference's 90% confidence interval by Newcombe's hybrid score
method (method 10 of Newcombe 1998) on two Wilson score intervals. No database, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist

from bot.domain.playbooks import on_time
from bot.domain.usage import DeclineRules

CONFIDENCE = 0.90
# Two-sided 90%: the normal's 95th percentile, about 1.645. The standard library's inverse CDF (Wichura's
# AS241) agrees with scipy's norm.ppf to 1e-15, and spares every process scipy.stats' second of import.
Z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)
LIFT_FROM_DAYS = 28  # the lift looks at accounts flagged 28 ...
LIFT_TO_DAYS = 56  # ... to 56 days before the report's day: time enough to recover, or not
MIN_GROUP = 10  # under this many accounts in either group: "too few to tell"
UNCLAIMED_AFTER_DAYS = 3  # working days with no Reached out or Snooze
RECOVERY_SHARE = DeclineRules.recovery  # recovered: recent >= this share of the baseline when flagged

COMPARISON_NOT_EXPERIMENT = (
    "This is a comparison, not an experiment: the CSMs chose whom to call, so the two groups may differ "
    "in more than the call."
)


def recovered(recent_mean: float, raised_baseline: float, share: float = RECOVERY_SHARE) -> bool:
    """Recent usage back to `share` of the baseline the account had when it was flagged."""
    return recent_mean > 0 and recent_mean >= share * raised_baseline


# --- Intervals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z) -> Interval:
    """Wilson's score interval for a proportion (Newcombe 1998, method 3; no continuity correction)."""
    if n <= 0:
        raise ValueError("a proportion needs at least one trial")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    scale = 1 + z2 / n
    return Interval(max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale))


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z) -> Interval:
    """The interval of p1 − p2 by Newcombe's hybrid score method (1998, method 10): each proportion's
    Wilson interval, combined as L = d − √((p1−l1)² + (u2−p2)²), U = d + √((u1−p1)² + (p2−l2)²)."""
    p1, p2 = x1 / n1, x2 / n2
    one, two = wilson(x1, n1, z), wilson(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - one.low) ** 2 + (two.high - p2) ** 2)
    high = d + math.sqrt((one.high - p1) ** 2 + (p2 - two.low) ** 2)
    return Interval(low, high)


# --- Outreach lift --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flagged:
    """An account flagged in the lift's window: whether someone reached out, whether it recovered."""

    account_id: int
    reached_out: bool
    recovered: bool


@dataclass(frozen=True)
class Lift:
    first: date  # accounts flagged from this day ...
    last: date  # ... to this one
    reached: int
    reached_recovered: int
    untouched: int  # nobody reached out
    untouched_recovered: int
    min_group: int = MIN_GROUP
    z: float = Z

    @property
    def enough(self) -> bool:
        return self.reached >= self.min_group and self.untouched >= self.min_group

    @property
    def share_reached(self) -> float | None:
        return self.reached_recovered / self.reached if self.reached else None

    @property
    def share_untouched(self) -> float | None:
        return self.untouched_recovered / self.untouched if self.untouched else None

    @property
    def difference(self) -> float | None:
        if not self.enough:
            return None
        return self.reached_recovered / self.reached - self.untouched_recovered / self.untouched

    @property
    def interval(self) -> Interval | None:
        if not self.enough:
            return None
        return newcombe_difference(
            self.reached_recovered, self.reached, self.untouched_recovered, self.untouched, self.z
        )


def lift_window(day: date) -> tuple[date, date]:
    """The days whose flagged accounts the lift of a report on `day` looks at."""
    return day - timedelta(days=LIFT_TO_DAYS), day - timedelta(days=LIFT_FROM_DAYS)


def lift(flagged: Iterable[Flagged], day: date) -> Lift:
    """Each account once (the caller gives its first alert of the window)."""
    seen: set[int] = set()
    counts = [0, 0, 0, 0]
    for f in flagged:
        if f.account_id in seen:
            continue
        seen.add(f.account_id)
        group = 0 if f.reached_out else 2
        counts[group] += 1
        counts[group + 1] += int(f.recovered)
    first, last = lift_window(day)
    return Lift(first, last, *counts)


# --- The week and its alerts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """The week a report covers (Monday to Sunday, local days) and the day it is made."""

    start: date
    end: date  # inclusive
    day: date  # the report's day: the figures stand as of it

    @property
    def key(self) -> date:
        """The Monday of the report day's own week: one weekly DM per manager and local week."""
        return week_key(self.day)


def week_key(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_before(day: date) -> Week:
    """The last whole Monday-to-Sunday week before `day`'s own."""
    monday = week_key(day)
    return Week(monday - timedelta(days=7), monday - timedelta(days=1), day)


def first_working_day(post_days: frozenset[int]) -> int:
    """The weekday of the team's first working day of the week (Monday 0): when the weekly DM goes."""
    return min(post_days)


def is_report_day(day: date, post_days: frozenset[int]) -> bool:
    return day.weekday() == first_working_day(post_days)


def working_days(first: date, before: date, post_days: frozenset[int]) -> int:
    """The team's working days from `first` up to, not including, `before`."""
    whole, rest = divmod(max(0, (before - first).days), 7)
    count = whole * len(post_days)
    for offset in range(rest):
        count += (first + timedelta(days=whole * 7 + offset)).weekday() in post_days
    return count


@dataclass(frozen=True)
class AlertFacts:
    """One alert as stored, in plain values; action days are the team's local days."""

    alert_id: int
    account_id: int
    account: str  # the account's name, as stored (escaped by whoever shows it)
    owner: str  # the owner's Slack user id
    arr: float
    drop: float
    opened_on: date
    closed_on: date | None
    recovered_on: date | None
    raised_baseline: float | None
    reached_out_on: tuple[date, ...] = ()
    snoozed_on: tuple[date, ...] = ()

    @property
    def at_risk(self) -> float:
        return self.arr * self.drop

    def open_on(self, day: date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or self.closed_on > day)

    def acted_by(self, day: date) -> bool:
        return any(d <= day for d in (*self.reached_out_on, *self.snoozed_on))


def is_unclaimed(alert: AlertFacts, day: date, post_days: frozenset[int]) -> bool:
    """Open on `day` with no Reached out or Snooze for `UNCLAIMED_AFTER_DAYS` of the team's working days
    (its mornings from the one it was raised, up to today's)."""
    return (
        alert.open_on(day)
        and not alert.acted_by(day)
        and working_days(alert.opened_on, day, post_days) >= UNCLAIMED_AFTER_DAYS
    )


@dataclass(frozen=True)
class Declines:
    raised: int
    acted_on: int  # reached out or snoozed in the week (an alert counts once)
    reached_out: int
    snoozed: int
    recovered: int  # back to 90% of the baseline it had when flagged, in the week
    unclaimed: tuple[AlertFacts, ...]  # as of the report's day, money at risk first


def declines(alerts: Sequence[AlertFacts], week: Week, post_days: frozenset[int]) -> Declines:
    def within(day: date | None) -> bool:
        return day is not None and week.start <= day <= week.end

    def any_within(days: Iterable[date]) -> bool:
        return any(within(d) for d in days)

    reached = {a.alert_id for a in alerts if any_within(a.reached_out_on)}
    snoozed = {a.alert_id for a in alerts if any_within(a.snoozed_on)}
    unclaimed = sorted(
        (a for a in alerts if is_unclaimed(a, week.day, post_days)), key=lambda a: (-a.at_risk, a.account)
    )
    return Declines(
        raised=sum(within(a.opened_on) for a in alerts),
        acted_on=len(reached | snoozed),
        reached_out=len(reached),
        snoozed=len(snoozed),
        recovered=sum(within(a.recovered_on) for a in alerts),
        unclaimed=tuple(unclaimed),
    )


def flagged_for_lift(alerts: Sequence[AlertFacts], day: date) -> list[Flagged]:
    """The accounts flagged in the lift's window, each by its first alert there; alerts whose baseline
    when raised was not kept (raised before csm-coach kept it) are left out, not guessed."""
    first, last = lift_window(day)
    found: dict[int, AlertFacts] = {}
    for a in sorted(alerts, key=lambda a: (a.opened_on, a.alert_id)):
        if first <= a.opened_on <= last and a.raised_baseline is not None and a.account_id not in found:
            found[a.account_id] = a
    return [
        Flagged(
            a.account_id,
            reached_out=any(d <= day for d in a.reached_out_on),
            recovered=a.recovered_on is not None and a.recovered_on <= day,
        )
        for a in found.values()
    ]


# --- Reviews --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFacts:
    due_on: date
    completed_on: date | None  # None while open
    open: bool
    from_first_sight: bool = False


@dataclass(frozen=True)
class Reviews:
    done: int  # done in the week
    on_time: int  # ... by their due date
    overdue: int  # open and past due on the report's day


def reviews(found: Iterable[ReviewFacts], week: Week) -> Reviews:
    done = on = overdue = 0
    for r in found:
        if r.completed_on is not None and week.start <= r.completed_on <= week.end:
            done += 1
            on += on_time(r.due_on, r.completed_on)
        if r.open and (r.due_on < week.day or (r.from_first_sight and r.due_on <= week.day)):
            overdue += 1
    return Reviews(done, on, overdue)
