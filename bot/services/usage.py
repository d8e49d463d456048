"""Declining usage over the database: window sums per account, judged by the pure rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from bot.domain.usage import Assessment, DeclineRules, FeedAge, Windows, assess, feed_age
from bot.models import Account, Person, Usage


@dataclass(frozen=True)
class AccountTrend:
    account: Account
    assessment: Assessment


@dataclass(frozen=True)
class Detection:
    today: date
    windows: Windows
    feed: FeedAge
    trends: list[AccountTrend]  # every account with usage in the windows; empty when the feed is stale


def feed_newest(*, session: Session) -> date | None:
    """Newest usage day in the whole feed (kept per account by the usage import)."""
    return session.exec(select(func.max(Account.last_usage_day))).one()


def detect(*, session: Session, today: date, rules: DeclineRules, team_id: int | None = None) -> Detection:
    """Judge the accounts of one team (or all) for the local day `today`; nothing on a stale feed."""
    windows = Windows.ending_before(today, rules)
    feed = feed_age(feed_newest(session=session), today)
    if feed.stale:
        return Detection(today, windows, feed, [])
    recent = case((col(Usage.day) >= windows.recent_start, Usage.value), else_=0.0)
    baseline = case((col(Usage.day) < windows.recent_start, Usage.value), else_=0.0)
    query = (
        select(Account, func.sum(recent), func.sum(baseline))
        # Joining from account lets the (account_id, day) key serve each account's window as one range.
        .join(
            Usage,
            and_(
                col(Usage.account_id) == col(Account.id),
                col(Usage.day) >= windows.baseline_start,
                col(Usage.day) <= windows.recent_end,
            ),
        )
        .where(col(Account.first_usage_day) <= windows.baseline_start)
        .group_by(col(Account.id))
    )
    if team_id is not None:
        query = query.join(Person, col(Person.id) == col(Account.owner_id)).where(Person.team_id == team_id)
    trends = [
        AccountTrend(
            account,
            assess(
                recent_sum=float(recent_sum or 0),
                baseline_sum=float(baseline_sum or 0),
                first_day=account.first_usage_day,
                windows=windows,
                rules=rules,
            ),
        )
        for account, recent_sum, baseline_sum in session.exec(query).all()
    ]
    return Detection(today, windows, feed, trends)


def daily_values(
    *, session: Session, account_ids: Iterable[int], first: date, last: date
) -> dict[int, list[float]]:
    """Each account's value per day from `first` to `last`, 0 where no row (for sparklines)."""
    ids = sorted(set(account_ids))
    span = (last - first).days + 1
    series: dict[int, list[float]] = defaultdict(lambda: [0.0] * span)
    for chunk in _chunks(ids, 500):
        rows = session.exec(
            select(Usage.account_id, Usage.day, Usage.value).where(
                col(Usage.account_id).in_(chunk), col(Usage.day) >= first, col(Usage.day) <= last
            )
        ).all()
        for account_id, day, value in rows:
            series[account_id][(day - first).days] = float(value)
    return {account_id: series[account_id] for account_id in ids}


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sparkline_window(today: date, days: int = 28) -> tuple[date, date]:
    return today - timedelta(days=days), today - timedelta(days=1)
