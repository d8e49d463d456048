"""Declining usage over the database: window sums per account, judged by the pure rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from bot.domain.usage import Assessment, DeclineRules, FeedAge, Trend, Windows, assess, feed_age
from bot.models import Account, Person, Usage


@dataclass(frozen=True, slots=True)
class AccountTrend:
    account_id: int
    assessment: Assessment


@dataclass(frozen=True)
class Detection:
    today: date
    windows: Windows
    feed: FeedAge
    # Every account with history before the baseline and usage in the windows; empty when the feed is stale.
    trends: list[AccountTrend]
    # The declining ones as full records, for the posts (the others are judged from their ids alone).
    declining: dict[int, Account]


def feed_newest(*, session: Session) -> date | None:
    """Newest usage day in the whole feed (kept per account by the usage import)."""
    return session.exec(select(func.max(Account.last_usage_day))).one()


def detect(*, session: Session, today: date, rules: DeclineRules, team_id: int | None = None) -> Detection:
    """Judge the accounts of one team (or all) for the local day `today`; nothing on a stale feed."""
    windows = Windows.ending_before(today, rules)
    feed = feed_age(feed_newest(session=session), today)
    if feed.stale:
        return Detection(today, windows, feed, [], {})
    trends = [
        AccountTrend(
            account_id,
            assess(
                recent_sum=recent_sum or 0.0,
                baseline_sum=baseline_sum or 0.0,
                # The query keeps only accounts whose first day is on or before the baseline's start.
                first_day=windows.baseline_start,
                windows=windows,
                rules=rules,
            ),
        )
        for account_id, recent_sum, baseline_sum in session.exec(_window_sums(windows, team_id)).all()
    ]
    declining = [t.account_id for t in trends if t.assessment.trend is Trend.DECLINING]
    accounts: dict[int, Account] = {}
    for chunk in _chunks(declining, 500):
        accounts.update((a.id, a) for a in session.exec(select(Account).where(col(Account.id).in_(chunk))))
    return Detection(today, windows, feed, trends, accounts)


def _window_sums(windows: Windows, team_id: int | None) -> Select[tuple[int, float | None, float | None]]:
    """(account id, recent sum, baseline sum) of every account with enough history and a row in the windows.

    Plain columns, not Account records: building 100,000 ORM objects costs more than the sums.
    Joining from account lets the (account_id, day) key serve each account's windows as one range.
    """
    recent = func.sum(Usage.value).filter(col(Usage.day) >= windows.recent_start)
    baseline = func.sum(Usage.value).filter(col(Usage.day) < windows.recent_start)
    query = (
        select(col(Account.id), recent, baseline)
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
    return query


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
