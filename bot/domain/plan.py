"""Rebalancing a team's books: the fewest moves that bring every CSM within band.

The rules: docs/how-it-works.md, "Rebalancing a team".

Pure: plain values in, moves out. The solver works on counts per (giver, receiver, segment), so the
problem stays small whatever the number of accounts; which accounts move follows from the counts.

Loads are kept in integer units: one full book is the least common multiple C of the segments' band
tops, and an account of segment s weighs C / top_s. Every constraint and the overload objective are
then integers, so the MILP's answer is exact, not a floating-point approximation of the rule.

The objective is lexicographic, one HiGHS solve per level, each fixing the optimum of the one before:
1. least total overload left: zero whenever the team has room for everyone; when it has not, within
   one account of the heaviest segment (1 / the smallest band top) of the least possible, so a few
   units of room are not packed exactly at the price of many more moves;
2. fewest moves;
3. least ARR moved: moving k accounts out of one (giver, segment) costs the sum of its k cheapest
   movable accounts, a convex piecewise-linear cost, written as one [0, 1] variable per candidate
   account; a linear program fills cheapest first, so the cost is exact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from bot.domain.bands import Band, book_load
from bot.domain.plan_solver import Triple, solve_counts
from bot.plaintext import percent, plural

NEW_ACCOUNT_DAYS = 90  # an account this young is still onboarding with its CSM
PACE_DAYS = 180  # new accounts over this many days set the team's pace


class Protection(StrEnum):
    OPEN_ALERT = "open_alert"
    RENEWING = "renewing"
    NEW = "new"
    FROM_LEAVER = "from_leaver"  # placed by this plan from a leaver's book: it does not move twice

    def words(self, renewal_days: int) -> str:
        return {
            "open_alert": "open decline alert",
            "renewing": f"renews within {plural(renewal_days, 'day')}",
            "new": f"started within the last {NEW_ACCOUNT_DAYS} days",
            "from_leaver": "just taken over from a leaver",
        }[self.value]

    def counted(self, n: int, renewal_days: int) -> str:
        """How many accounts this keeps with their CSM: "6 with an open decline alert"."""
        return {
            "open_alert": f"{n:,} with an open decline alert",
            "renewing": f"{n:,} renewing within {plural(renewal_days, 'day')}",
            "new": f"{n:,} started within the last {NEW_ACCOUNT_DAYS} days",
            "from_leaver": f"{n:,} just taken over from a leaver",
        }[self.value]


def protection(
    *, open_alert: bool, renewal: date | None, start: date, today: date, renewal_days: int
) -> Protection | None:
    """Why an account must stay with its CSM, if it must: a warm handoff cannot wait for these."""
    if open_alert:
        return Protection.OPEN_ALERT
    if renewal is not None and today <= renewal <= today + timedelta(days=renewal_days):
        return Protection.RENEWING
    if (today - start).days < NEW_ACCOUNT_DAYS:
        return Protection.NEW
    return None


@dataclass(frozen=True)
class PlanAccount:
    id: int
    segment: str
    arr: float
    renewal: date | None = None
    protected: Protection | None = None


@dataclass(frozen=True)
class Holder:
    """One CSM's book; `may_receive` is False for a manager or a leaver who still owns accounts.
    Every account of a `leaver` (left out of the last team file) moves, whatever protects it."""

    key: str
    accounts: tuple[PlanAccount, ...]
    may_receive: bool = True
    leaver: bool = False


@dataclass(frozen=True)
class Move:
    account: PlanAccount
    giver: str
    receiver: str
    reason: str


@dataclass(frozen=True)
class Plan:
    moves: tuple[Move, ...]
    before: Mapping[str, Fraction]  # load_at_top per CSM
    after: Mapping[str, Fraction]
    protected: tuple[tuple[str, PlanAccount], ...]  # (owner, account) kept by over-band CSMs
    overload_left: Fraction  # Σ of load_at_top above 1, in full books
    hires: Mapping[str, int]  # segment key -> more CSMs needed
    receivers: frozenset[str] = field(default_factory=frozenset)
    leaver_moves: int = 0  # the first moves, every account of a leaver
    stranded: tuple[tuple[str, PlanAccount], ...] = ()  # a leaver's accounts nobody on the team may take

    @property
    def fits(self) -> bool:
        return self.overload_left == 0

    @property
    def arr_moved(self) -> float:
        return sum(m.account.arr for m in self.moves)

    def room_left(self) -> Fraction:
        """Load the team can still take, in full books, after the moves (zero when it does not fit)."""
        if not self.fits:
            return Fraction(0)
        return sum((max(Fraction(0), 1 - self.after[k]) for k in self.receivers), Fraction(0))


def selection_order(account: PlanAccount) -> tuple[float, int, int]:
    """Cheapest first; among equal ARR, the renewal furthest away (none at all: furthest)."""
    far = -(account.renewal.toordinal() if account.renewal else date.max.toordinal())
    return (account.arr, far, account.id)


def plan_moves(holders: Sequence[Holder], bands: Sequence[Band]) -> Plan:
    """Leavers first (each of their accounts moves), then the fewest moves that bring all within band."""
    by_key = {b.key: b for b in bands}
    unknown = {a.segment for h in holders for a in h.accounts} - set(by_key)
    if unknown:
        raise ValueError(f"no band for segment(s): {', '.join(sorted(unknown))}")
    if len({h.key for h in holders}) != len(holders):
        raise ValueError("each CSM appears once")
    if not any(h.leaver and h.accounts for h in holders):
        return _rebalance(holders, bands)
    handed, stranded, after_leavers = _leavers_first(holders, bands)
    rest = _rebalance(after_leavers, bands)
    full = math.lcm(*(b.high for b in bands))
    weight = {b.key: full // b.high for b in bands}
    before = {h.key: Fraction(sum(weight[a.segment] for a in h.accounts), full) for h in holders}
    return replace(
        rest,
        moves=handed + rest.moves,
        before=before,
        leaver_moves=len(handed),
        stranded=stranded,
    )


def _leavers_first(
    holders: Sequence[Holder], bands: Sequence[Band]
) -> tuple[tuple[Move, ...], tuple[tuple[str, PlanAccount], ...], list[Holder]]:
    """Every account of a leaver to the CSM with the most room who owns its segment (anyone who may
    receive when nobody does), open alerts first, then the largest ARR: a mandatory move each, so
    their number is fixed and only where they go is chosen. The books that result, for rebalancing."""
    full = math.lcm(*(b.high for b in bands))
    weight = {b.key: full // b.high for b in bands}
    units = {h.key: sum(weight[a.segment] for a in h.accounts) for h in holders}
    owns = {h.key: {a.segment for a in h.accounts} for h in holders}
    takers = sorted(h.key for h in holders if h.may_receive and not h.leaver)
    gained: dict[str, list[PlanAccount]] = defaultdict(list)
    moves: list[Move] = []
    stranded: list[tuple[str, PlanAccount]] = []
    leaving = [(h.key, a) for h in holders if h.leaver for a in h.accounts]
    leaving.sort(key=lambda ka: (ka[1].protected is not Protection.OPEN_ALERT, -ka[1].arr, ka[1].id))
    for giver, account in leaving:
        owners = [k for k in takers if account.segment in owns[k]]
        candidates = owners or takers
        if not candidates:
            stranded.append((giver, account))
            continue
        receiver = min(candidates, key=lambda k: (units[k] + weight[account.segment], k))
        units[giver] -= weight[account.segment]
        units[receiver] += weight[account.segment]
        owns[receiver].add(account.segment)
        gained[receiver].append(replace(account, protected=Protection.FROM_LEAVER))
        why = "its CSM has left the team: each of their accounts moves, protected or not"
        if account.protected is Protection.OPEN_ALERT:
            why += "; an open decline alert needs an owner first"
        if not owners:
            why += "; nobody on the team owns this segment yet"
        why += f"; the receiver goes to {percent(Fraction(units[receiver], full), places=0)}"
        moves.append(Move(account, giver, receiver, why))
    kept = {(k, a.id) for k, a in stranded}
    after = [
        replace(
            h,
            accounts=tuple(a for a in h.accounts if not h.leaver or (h.key, a.id) in kept)
            + tuple(gained[h.key]),
        )
        for h in holders
    ]
    return tuple(moves), tuple(stranded), after


def _rebalance(holders: Sequence[Holder], bands: Sequence[Band]) -> Plan:
    full = math.lcm(*(b.high for b in bands)) if bands else 1
    weight = {b.key: full // b.high for b in bands}
    units = {h.key: sum(weight[a.segment] for a in h.accounts) for h in holders}
    over = {h.key for h in holders if units[h.key] > full}
    receivers = frozenset(h.key for h in holders if h.may_receive and h.key not in over)
    owns = {h.key: {a.segment for a in h.accounts} for h in holders}
    movable: dict[tuple[str, str], list[PlanAccount]] = defaultdict(list)
    for h in holders:
        for a in h.accounts:
            if a.protected is None:
                movable[(h.key, a.segment)].append(a)
    for candidates in movable.values():
        candidates.sort(key=selection_order)

    counts: dict[Triple, int] = {}
    if over:
        counts = solve_counts(
            gives=sorted(movable),
            takes=[(r, s) for r in sorted(receivers) for s in sorted(owns[r])],
            weight=weight,
            full=full,
            units=units,
            over=over,
            arr={pair: [a.arr for a in accounts] for pair, accounts in movable.items()},
        )
    return _assemble(holders, bands, weight, full, units, counts, movable, over, receivers)


def _assemble(
    holders: Sequence[Holder],
    bands: Sequence[Band],
    weight: Mapping[str, int],
    full: int,
    units: Mapping[str, int],
    counts: Mapping[Triple, int],
    movable: Mapping[tuple[str, str], list[PlanAccount]],
    over: set[str],
    receivers: frozenset[str],
) -> Plan:
    """Turn counts into named accounts, check every rule exactly, and say what is left over."""
    after_units = dict(units)
    taken: dict[tuple[str, str], int] = defaultdict(int)
    picked: list[tuple[PlanAccount, str, str]] = []
    for triple in sorted(counts):
        n = counts[triple]
        pair = (triple.giver, triple.segment)
        for account in movable[pair][taken[pair] : taken[pair] + n]:
            picked.append((account, triple.giver, triple.receiver))
        taken[pair] += n
        delta = n * weight[triple.segment]
        after_units[triple.giver] -= delta
        after_units[triple.receiver] += delta
    for key, value in after_units.items():
        if key not in over and value > full:
            raise AssertionError(f"plan would push {key} over band")  # the solver broke a rule
    before = {k: Fraction(v, full) for k, v in units.items()}
    after = {k: Fraction(v, full) for k, v in after_units.items()}
    moves = tuple(
        Move(account, giver, receiver, _reason(giver, receiver, before, after, over))
        for account, giver, receiver in picked
    )

    moved = {m.account.id for m in moves}
    segment_counts: dict[str, dict[str, int]] = {h.key: defaultdict(int) for h in holders}
    for h in holders:
        for a in h.accounts:
            if a.id not in moved:
                segment_counts[h.key][a.segment] += 1
    for m in moves:
        segment_counts[m.receiver][m.account.segment] += 1
    overload_by_segment: dict[str, Fraction] = defaultdict(Fraction)
    for key, load in after.items():
        if load > 1:
            main = book_load(segment_counts[key], bands).main_segment
            assert main is not None
            overload_by_segment[main.key] += load - 1
    protected = tuple(
        (h.key, a)
        for h in holders
        if h.key in over
        for a in sorted(h.accounts, key=lambda a: (-a.arr, a.id))
        if a.protected is not None
    )
    return Plan(
        moves=moves,
        before=before,
        after=after,
        protected=protected,
        overload_left=sum(overload_by_segment.values(), Fraction(0)),
        hires={s: math.ceil(v) for s, v in overload_by_segment.items()},
        receivers=receivers,
    )


def _reason(
    giver: str,
    receiver: str,
    before: Mapping[str, Fraction],
    after: Mapping[str, Fraction],
    over: set[str],
) -> str:
    def change(key: str) -> str:
        return f"{percent(before[key], places=0)} → {percent(after[key], places=0)}"

    theirs = f"the receiver goes {change(receiver)}"
    if giver in over:
        return f"over band: {change(giver)} of a full book; {theirs}"
    return f"makes room for accounts from an over-band CSM ({change(giver)}); {theirs}"


def runway(
    *, plan: Plan, new_accounts: Mapping[str, int], bands: Sequence[Band], today: date, days: int = PACE_DAYS
) -> date | None:
    """The day the team runs out of room at its pace of new accounts; None when it gains none.

    The pace is the load the last `days` days' new accounts added (each weighs 1 / its band top),
    spread evenly; the room is what the CSMs who may receive have left after the plan.
    """
    tops = {b.key: b.high for b in bands}
    added = sum((Fraction(n, tops[s]) for s, n in new_accounts.items() if s in tops), Fraction(0))
    room = plan.room_left()
    if room <= 0 or not plan.fits:
        return today
    if added == 0:
        return None
    return today + timedelta(days=math.floor(room / (added / days)))
