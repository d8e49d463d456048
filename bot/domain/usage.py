"""Declining usage (docs/how-it-works.md, "Who needs me today?"): pure rules on dates and sums."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
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
    stale_after_days: int = 2  # a feed whose newest day is more than this many days old is stale

    def __post_init__(self) -> None:
        if self.recent_days < 1 or self.baseline_days < 1:
            raise ValueError("windows need at least one day each")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")
        if self.stale_after_days < 0:
            raise ValueError("stale_after_days cannot be negative")


@dataclass(frozen=True)
class Windows:
    """Whole local days: recent = the last `recent_days` complete days, baseline = the days before."""

    baseline_start: date
    baseline_end: date
    recent_start: date
    recent_end: date

    @classmethod
    def ending_on(cls, last_day: date, rules: DeclineRules) -> Windows:
        recent_start = last_day - timedelta(days=rules.recent_days - 1)
        baseline_end = recent_start - timedelta(days=1)
        baseline_start = recent_start - timedelta(days=rules.baseline_days)
        return cls(baseline_start, baseline_end, recent_start, last_day)

    @classmethod
    def ending_before(cls, today: date, rules: DeclineRules) -> Windows:
        return cls.ending_on(today - timedelta(days=1), rules)

    @classmethod
    def for_feed(cls, newest: date | None, today: date, rules: DeclineRules) -> Windows:
        """The windows end on the feed's newest day, never later than yesterday in the team's zone.

        A team whose morning comes before the feed's next day is loaded (Asia-Pacific on a feed cut
        at UTC midnight) so judges on complete days rather than on an empty last one.
        """
        yesterday = today - timedelta(days=1)
        return cls.ending_on(yesterday if newest is None else min(newest, yesterday), rules)


@dataclass(frozen=True)
class FeedAge:
    newest: date | None
    days_old: int | None  # 1 = yesterday's data is in, as it should be
    stale_after_days: int = 2  # the limit in force (STALE_AFTER_DAYS), so a post can say it

    @property
    def stale(self) -> bool:
        return self.days_old is None or self.days_old > self.stale_after_days


def feed_age(newest: date | None, today: date, stale_after_days: int = 2) -> FeedAge:
    """A feed whose newest day is more than `stale_after_days` before today is stale: nothing is flagged."""
    return FeedAge(newest, None if newest is None else (today - newest).days, stale_after_days)


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
    elif baseline_mean < rules.noise_floor or baseline_mean <= 0:  # a floor of 0 must not divide by 0
        trend = Trend.QUIET
    elif 1 - recent_mean / baseline_mean >= rules.threshold - 1e-9:  # exactly 30% flags, float or not
        trend = Trend.DECLINING
    else:
        trend = Trend.SOFT
    return Assessment(trend, recent_mean, baseline_mean)


def ratio(assessment: Assessment, rules: DeclineRules) -> float | None:
    """recent / baseline of an eligible account (enough history, baseline >= floor), else None."""
    return _ratio(assessment.trend is Trend.NEW, assessment.recent_mean, assessment.baseline_mean, rules)


def window_ratio(recent_sum: float, baseline_sum: float, rules: DeclineRules) -> float | None:
    """`ratio` from an account's window sums, for an account known to have enough history."""
    return _ratio(False, recent_sum / rules.recent_days, baseline_sum / rules.baseline_days, rules)


def _ratio(new: bool, recent_mean: float, baseline_mean: float, rules: DeclineRules) -> float | None:
    if new or baseline_mean < rules.noise_floor or baseline_mean <= 0:
        return None
    return recent_mean / baseline_mean


def median_ratio(ratios: Iterable[float | None]) -> float | None:
    """The median of the eligible accounts' ratios (`statistics.median`); None when none is eligible."""
    found = [r for r in ratios if r is not None]
    return statistics.median(found) if found else None


def feed_dip(median: float | None, rules: DeclineRules) -> FeedDip | None:
    """A dip when the median ratio is under 1 - threshold / 2 (0.85 by default); else the plain rule holds."""
    if median is None or median >= 1 - rules.threshold / 2:
        return None
    return FeedDip(median)


def beyond_dip(assessment: Assessment, dip: FeedDip, rules: DeclineRules) -> Assessment:
    """Under a dip an eligible account is flagged only if ratio <= m x (1 - threshold).

    Below the dip line it is declining; otherwise it keeps a plain recovery (which closes an alert)
    or is merely soft: an open alert stays open, and no new one is raised.
    """
    found = ratio(assessment, rules)
    if found is None:
        return assessment
    m = dip.median_ratio
    # Relative tolerance, so that a uniform dip scales the line and the ratios alike. `found < m`
    # only matters when m is 0 (nobody used the product): then nobody fell beyond anybody.
    if found < m and found <= m * (1 - rules.threshold) * (1 + 1e-9):
        trend = Trend.DECLINING
    elif assessment.trend is Trend.RECOVERED:
        trend = Trend.RECOVERED
    else:
        trend = Trend.SOFT
    return assessment if trend is assessment.trend else assessment._replace(trend=trend)


class Judgement(NamedTuple):
    assessments: dict[int, Assessment]
    dip: FeedDip | None


def workspace_median(assessments: Iterable[Assessment], rules: DeclineRules) -> float | None:
    """The median ratio of the eligible accounts among `assessments` (the whole workspace's)."""
    return median_ratio(ratio(a, rules) for a in assessments)


def judge(
    assessments: dict[int, Assessment], *, feed: FeedAge, rules: DeclineRules, median: float | None
) -> Judgement:
    """The decline rule over plain assessments: the stale-feed guard first, then the feed-wide dip.

    `median` is the median ratio over the whole workspace (`workspace_median`), whether
    `assessments` are the workspace's or one team's.
    """
    if feed.stale:
        return Judgement({}, None)
    dip = feed_dip(median, rules)
    if dip is None:
        return Judgement(assessments, None)
    return Judgement({key: beyond_dip(a, dip, rules) for key, a in assessments.items()}, dip)


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
