"""Declining usage (SPEC §1 "Declining usage"): pure rules on dates and sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple


@dataclass(frozen=True)
class DeclineRules:
    recent_days: int = 7
    baseline_days: int = 28
    threshold: float = 0.30  # flag when the drop is at least this
    noise_floor: float = 5.0  # ... and the baseline mean is at least this
    recovery: float = 0.90  # an alert closes when recent >= this share of baseline
    snooze_redrop: float = 0.20  # a snoozed alert comes back early on a further drop of this much

    def __post_init__(self) -> None:
        if self.recent_days < 1 or self.baseline_days < 1:
            raise ValueError("windows need at least one day each")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")


@dataclass(frozen=True)
class Windows:
    """Whole local days: recent = the last `recent_days` complete days, baseline = the days before."""

    baseline_start: date
    baseline_end: date
    recent_start: date
    recent_end: date

    @classmethod
    def ending_before(cls, today: date, rules: DeclineRules) -> Windows:
        recent_end = today - timedelta(days=1)
        recent_start = today - timedelta(days=rules.recent_days)
        baseline_end = recent_start - timedelta(days=1)
        baseline_start = recent_start - timedelta(days=rules.baseline_days)
        return cls(baseline_start, baseline_end, recent_start, recent_end)


@dataclass(frozen=True)
class FeedAge:
    newest: date | None
    days_old: int | None  # 1 = yesterday's data is in, as it should be

    @property
    def stale(self) -> bool:
        return self.days_old is None or self.days_old > 1


def feed_age(newest: date | None, today: date) -> FeedAge:
    """A feed whose newest day is older than yesterday is stale: nothing may be flagged from it."""
    return FeedAge(newest, None if newest is None else (today - newest).days)


@dataclass(frozen=True)
class FeedDip:
    """Usage down across the whole workspace (a holiday week, a tracking outage), not one account's drop.

    `median_ratio` is the median of recent / baseline over the workspace's eligible accounts.
    """

    median_ratio: float

    @property
    def depth(self) -> float:
        """How far usage is down across the board, 0.5 for half."""
        return 1 - self.median_ratio


class Trend(StrEnum):
    DECLINING = "declining"  # flag it
    RECOVERED = "recovered"  # closes an open alert
    SOFT = "soft"  # below baseline but not enough to flag or to close
    QUIET = "quiet"  # baseline under the noise floor
    NEW = "new"  # not enough history to judge


class Assessment(NamedTuple):
    """A NamedTuple, not a dataclass: detection makes one per account, 100,000 a morning."""

    trend: Trend
    recent_mean: float
    baseline_mean: float

    @property
    def drop(self) -> float:
        if self.baseline_mean <= 0:
            return 0.0
        return 1 - self.recent_mean / self.baseline_mean


def assess(
    *, recent_sum: float, baseline_sum: float, first_day: date | None, windows: Windows, rules: DeclineRules
) -> Assessment:
    """Judge one account. Days without a row inside the windows count as 0 usage."""
    recent_mean = recent_sum / rules.recent_days
    baseline_mean = baseline_sum / rules.baseline_days
    if first_day is None or first_day > windows.baseline_start:
        trend = Trend.NEW
    elif recent_mean > 0 and recent_mean >= rules.recovery * baseline_mean:
        trend = Trend.RECOVERED
    elif baseline_mean < rules.noise_floor:
        trend = Trend.QUIET
    elif 1 - recent_mean / baseline_mean >= rules.threshold - 1e-9:  # exactly 30% flags, float or not
        trend = Trend.DECLINING
    else:
        trend = Trend.SOFT
    return Assessment(trend, recent_mean, baseline_mean)


def money_at_risk(arr: float, drop: float) -> float:
    """Ranking key: money at risk first."""
    return arr * drop


SPARK_CHARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A small text chart; missing days should be passed as 0."""
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return SPARK_CHARS[0] * len(values)
    last = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[min(last, int(v / top * last + 0.5))] for v in values)
