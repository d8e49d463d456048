"""Declining usage over the database: window sums per account, judged by the pure rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlalchemy import ScalarSelect, func, text, true
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from bot.domain.usage import (
    Assessment,
    DeclineRules,
    FeedAge,
    FeedDip,
    Trend,
    Windows,
    assess,
    feed_age,
    judge,
    median_ratio,
    window_ratio,
    workspace_median,
)
from bot.models import Account, Person, Usage


@dataclass(frozen=True)
class Detection:
    today: date
    windows: Windows
    feed: FeedAge
    # Account id -> assessment, for every account whose usage starts by the baseline; empty on a stale feed.
    assessments: dict[int, Assessment]
    # The declining accounts as full records, for the posts; the others are judged from their ids alone.
    declining: dict[int, Account]
    # Set when usage is down across the whole workspace: only accounts falling beyond it are flagged.
    dip: FeedDip | None = None
    team_id: int | None = None  # the scope: one team's accounts, or None for all


def feed_newest(*, session: Session) -> date | None:
    """Newest usage day in the whole feed (kept per account by the usage import)."""
    return session.exec(select(func.max(Account.last_usage_day))).one()


class Medians:
    """The workspace's median ratio per (windows, rules), read once for all the teams that share it.

    Each team's detection needs the median (a dip is measured over the whole workspace), and reading
    the whole workspace again for each team would cost a round of many teams dearly. Whoever judges
    several teams in one go (a round, a dry run, an import's refresh) holds one; it never outlives them.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[Windows, DeclineRules], float | None] = {}

    def get(self, *, session: Session, windows: Windows, rules: DeclineRules) -> float | None:
        key = (windows, rules)
        if key not in self._known:
            self._known[key] = workspace_median_ratio(session=session, windows=windows, rules=rules)
        return self._known[key]

    def remember(self, windows: Windows, rules: DeclineRules, median: float | None) -> None:
        self._known[(windows, rules)] = median


def detect(
    *,
    session: Session,
    today: date,
    rules: DeclineRules,
    team_id: int | None = None,
    medians: Medians | None = None,
) -> Detection:
    """Judge the accounts of one team (or all) for the local day `today`; nothing on a stale feed.

    The windows end on the feed's newest day (never after yesterday); a feed-wide dip is measured
    over the whole workspace, whatever the scope.
    """
    newest = feed_newest(session=session)
    feed = feed_age(newest, today, rules.stale_after_days)
    windows = Windows.for_feed(newest, today, rules)
    if feed.stale:
        return Detection(today, windows, feed, {}, {})
    dialect = _prepare(session)
    # Plain rows, not Account records: building 100,000 ORM objects costs more than the sums.
    rows = session.exec(_window_sums(windows, team_id, dialect))
    plain = {
        account_id: assess(
            recent_sum=recent_sum or 0.0,
            baseline_sum=baseline_sum or 0.0,
            # The query keeps only accounts whose first day is on or before this one, which is all
            # that `assess` asks of the first day; reading each account's costs a tenth of the time.
            first_day=windows.baseline_start,
            windows=windows,
            rules=rules,
        )
        for account_id, recent_sum, baseline_sum in rows
    }
    if team_id is not None:
        median = (medians or Medians()).get(session=session, windows=windows, rules=rules)
    else:  # the whole workspace is at hand
        median = workspace_median(plain.values(), rules)
        if medians is not None:
            medians.remember(windows, rules, median)
    assessments, dip = judge(plain, feed=feed, rules=rules, median=median)
    declining = [i for i, a in assessments.items() if a.trend is Trend.DECLINING]
    accounts: dict[int, Account] = {}
    for chunk in _chunks(declining, 500):
        found = session.exec(select(Account).where(col(Account.id).in_(chunk)))
        accounts.update((account.id, account) for account in found if account.id is not None)
    return Detection(today, windows, feed, assessments, accounts, dip, team_id)


def workspace_median_ratio(*, session: Session, windows: Windows, rules: DeclineRules) -> float | None:
    """The median recent/baseline ratio over the whole workspace's eligible accounts, for the dip."""
    dialect = _prepare(session)
    # Only the sums, as floats: no Assessment per account, the same arithmetic as `ratio`.
    rows = session.exec(_window_sums(windows, None, dialect))
    return median_ratio(window_ratio(r or 0.0, b or 0.0, rules) for _, r, b in rows)


def _prepare(session: Session) -> str:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # The estimate of ~100,000 short index scans makes PostgreSQL JIT-compile the query, which
        # costs more than it saves: a team of 4,000 accounts took 410 ms with JIT and 95 ms without.
        session.connection().execute(text("SET LOCAL jit = off"))
    return dialect


def _window_sums(
    windows: Windows, team_id: int | None, dialect: str
) -> Select[int, float | None, float | None]:
    """(account id, recent sum, baseline sum) of every account with usage on or before the baseline's start.

    Each window's sum is a range of the (account_id, day) key, read per account. SQLite seeks twice per
    account, once per window, which costs it less than one join whose GROUP BY filters every row into
    two sums. PostgreSQL reads both windows in one range per account (a LATERAL subquery, which SQLite
    lacks), faster there than the two seeks (docs/benchmarks.md, "Decline detection").
    """
    in_account = col(Usage.account_id) == col(Account.id)
    # A stored row's id is never NULL, whatever SQLModel's `int | None` (for a record not yet added) says.
    account_id = cast(Mapped[int], col(Account.id))
    if dialect == "postgresql":
        recent = col(Usage.day) >= windows.recent_start
        both = (
            select(
                func.sum(Usage.value).filter(recent).label("recent"),
                func.sum(Usage.value).filter(~recent).label("baseline"),
            )
            .where(in_account, col(Usage.day) >= windows.baseline_start, col(Usage.day) <= windows.recent_end)
            .lateral("window_sums")
        )
        query = select(account_id, both.c.recent, both.c.baseline).join(both, true())
    else:

        def window_sum(first: date, last: date) -> ScalarSelect[float | None]:
            return (
                select(func.sum(Usage.value))
                .where(in_account, col(Usage.day) >= first, col(Usage.day) <= last)
                .scalar_subquery()
            )

        query = select(
            account_id,
            window_sum(windows.recent_start, windows.recent_end),
            window_sum(windows.baseline_start, windows.baseline_end),
        )
    query = query.where(col(Account.first_usage_day) <= windows.baseline_start)
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
            select(col(Usage.account_id), col(Usage.day), col(Usage.value)).where(
                col(Usage.account_id).in_(chunk), col(Usage.day) >= first, col(Usage.day) <= last
            )
        ).all()
        for account_id, day, value in rows:
            series[account_id][(day - first).days] = float(value)
    return {account_id: series[account_id] for account_id in ids}


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sparkline_window(today: date, *, session: Session, days: int = 28) -> tuple[date, date]:
    """The `days` days a sparkline shows, ending on the feed's newest day like the windows."""
    last = today - timedelta(days=1)
    newest = feed_newest(session=session)
    last = last if newest is None else min(newest, last)
    return last - timedelta(days=days - 1), last
