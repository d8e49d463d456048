"""The rebalancing plan: every rule holds, and it is the exact optimum (exhaustive search on small cases)."""

from __future__ import annotations

import itertools
import math
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.bands import DEFAULT_BANDS, Band
from bot.domain.plan import Holder, Plan, PlanAccount, Protection, plan_moves, protection, runway

SMALL = (Band("a", "A", 1, 3), Band("b", "B", 2, 4))
TODAY = date(2026, 11, 23)
SEARCH_LIMIT = 6000


def load(accounts: list[PlanAccount], bands: tuple[Band, ...]) -> Fraction:
    top = {b.key: b.high for b in bands}
    return sum((Fraction(1, top[a.segment]) for a in accounts), Fraction(0))


def destinations(
    holders: list[Holder], bands: tuple[Band, ...]
) -> tuple[list[tuple[str, PlanAccount]], list[list[str]]]:
    """Every (owner, account), and where each may end: its owner, or a CSM not over band who may receive
    and already owns the account's segment."""
    before = {h.key: load(list(h.accounts), bands) for h in holders}
    owns = {h.key: {a.segment for a in h.accounts} for h in holders}
    receivers = [h.key for h in holders if h.may_receive and before[h.key] <= 1]
    items = [(h.key, a) for h in holders for a in h.accounts]
    options = [
        [owner]
        + ([r for r in receivers if r != owner and a.segment in owns[r]] if a.protected is None else [])
        for owner, a in items
    ]
    return items, options


def exhaustive(holders: list[Holder], bands: tuple[Band, ...]) -> tuple[Fraction, Fraction, int, float]:
    """(least overload, slack allowed, moves, ARR moved) of the best plan: every destination of every account.

    Destinations: CSMs not over band, who may receive and already own the account's segment.
    """
    before = {h.key: load(list(h.accounts), bands) for h in holders}
    items, options = destinations(holders, bands)
    found: list[tuple[Fraction, int, float]] = []
    for choice in itertools.product(*options):
        books: dict[str, list[PlanAccount]] = {h.key: [] for h in holders}
        for (_owner, account), to in zip(items, choice, strict=True):
            books[to].append(account)
        after = {k: load(v, bands) for k, v in books.items()}
        if any(before[k] <= 1 < after[k] for k in after):
            continue
        moved = [(o, a) for (o, a), to in zip(items, choice, strict=True) if to != o]
        score = (
            sum((max(Fraction(0), v - 1) for v in after.values()), Fraction(0)),
            len(moved),
            sum(a.arr for _, a in moved),
        )
        found.append(score)
    least = min(s[0] for s in found)
    # A team that cannot fit may leave one account of the heaviest segment more, to save moves.
    slack = Fraction(1, min(b.high for b in bands)) if least > 0 else Fraction(0)
    moves, arr = min((s[1], s[2]) for s in found if s[0] <= least + slack)
    return least, slack, moves, arr


@st.composite
def teams(draw: st.DrawFn) -> list[Holder]:
    n = draw(st.integers(min_value=2, max_value=4))
    ids = itertools.count(1)
    holders = []
    for k in range(n):
        accounts = tuple(
            PlanAccount(
                id=next(ids),
                segment=draw(st.sampled_from(["a", "b"])),
                arr=float(draw(st.integers(min_value=1, max_value=9))),
                protected=draw(st.sampled_from([None, None, None, Protection.OPEN_ALERT])),
            )
            for _ in range(draw(st.integers(min_value=0, max_value=6)))
        )
        holders.append(Holder(f"U{k}", accounts, may_receive=draw(st.booleans()) or k < 2))
    # The exhaustive search tries every destination of every account: keep it to a few thousand books.
    _, options = destinations(holders, SMALL)
    assume(math.prod(len(o) for o in options) <= SEARCH_LIMIT)
    return holders


def check_rules(plan: Plan, holders: list[Holder], bands: tuple[Band, ...]) -> None:
    by_id = {a.id: (h.key, a) for h in holders for a in h.accounts}
    owns = {h.key: {a.segment for a in h.accounts} for h in holders}
    books = {h.key: list(h.accounts) for h in holders}
    assert len({m.account.id for m in plan.moves}) == len(plan.moves)
    for m in plan.moves:
        owner, account = by_id[m.account.id]
        assert owner == m.giver != m.receiver
        assert account.protected is None
        assert account.segment in owns[m.receiver]
        assert plan.before[m.receiver] <= 1 and m.receiver in plan.receivers
        books[m.giver].remove(account)
        books[m.receiver].append(account)
    for key, accounts in books.items():
        assert plan.after[key] == load(accounts, bands)
        if plan.before[key] <= 1:
            assert plan.after[key] <= 1
    if plan.fits:
        assert all(v <= 1 for v in plan.after.values())
    assert plan.hires == {} if plan.fits else sum(plan.hires.values()) >= math.ceil(plan.overload_left)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)
@given(teams())
def test_the_plan_is_the_exact_optimum_and_keeps_every_rule(holders: list[Holder]) -> None:
    plan = plan_moves(holders, SMALL)
    check_rules(plan, holders, SMALL)
    least, slack, moves, arr = exhaustive(holders, SMALL)
    assert least <= plan.overload_left <= least + slack
    assert plan.fits == (least == 0)
    assert (len(plan.moves), plan.arr_moved) == (moves, arr)


def account(i: int, segment: str, arr: float = 1000.0, protected: Protection | None = None) -> PlanAccount:
    return PlanAccount(id=i, segment=segment, arr=arr, protected=protected)


def test_an_over_band_csm_hands_the_cheapest_accounts_to_the_one_with_room() -> None:
    dana = Holder("UDANA", tuple(account(i, "mid_market", arr=1000.0 + i) for i in range(130)))
    eli = Holder("UELI", tuple(account(1000 + i, "mid_market") for i in range(100)))
    plan = plan_moves([dana, eli], DEFAULT_BANDS)
    assert len(plan.moves) == 5 and plan.fits
    assert sorted(m.account.id for m in plan.moves) == [0, 1, 2, 3, 4]
    assert plan.after == {"UDANA": 1, "UELI": Fraction(105, 125)}
    assert plan.moves[0].reason.startswith("over band: 104% → 100%")


def test_heavier_segments_move_first_so_fewer_accounts_move() -> None:
    # 16 over in load units: 8 smb (0.005 each) or 2 enterprise (0.025 each) would do; 2 wins.
    mixed = Holder(
        "UA",
        (
            *(account(i, "smb") for i in range(190)),
            *(account(500 + i, "enterprise") for i in range(2)),
            account(600, "enterprise"),
        ),
    )
    helper = Holder("UB", (account(700, "smb"), account(701, "enterprise")))
    plan = plan_moves([mixed, helper], DEFAULT_BANDS)
    assert plan.fits and len(plan.moves) == 1 and plan.moves[0].account.segment == "enterprise"


def test_no_receiver_owning_the_segment_means_hires_for_it() -> None:
    ana = Holder("UANA", tuple(account(i, "large") for i in range(130)))
    ben = Holder("UBEN", tuple(account(500 + i, "smb") for i in range(10)))
    plan = plan_moves([ana, ben], DEFAULT_BANDS)
    assert plan.moves == () and not plan.fits
    assert plan.overload_left == Fraction(50, 80) and plan.hires == {"large": 1}


def test_protected_accounts_stay_and_are_listed() -> None:
    ana = Holder("UANA", (*(account(i, "mid_market", protected=Protection.RENEWING) for i in range(126)),))
    ben = Holder("UBEN", (account(900, "mid_market"),))
    plan = plan_moves([ana, ben], DEFAULT_BANDS)
    assert plan.moves == () and len(plan.protected) == 126 and plan.hires == {"mid_market": 1}


def test_protection_reasons() -> None:
    kw = {"today": TODAY, "renewal_days": 60}
    assert protection(open_alert=True, renewal=None, start=date(2020, 1, 1), **kw) is Protection.OPEN_ALERT
    assert (
        protection(open_alert=False, renewal=date(2027, 1, 22), start=date(2020, 1, 1), **kw)
        is Protection.RENEWING
    )
    assert protection(open_alert=False, renewal=date(2027, 1, 23), start=date(2020, 1, 1), **kw) is None
    assert protection(open_alert=False, renewal=None, start=date(2026, 8, 26), **kw) is Protection.NEW
    assert protection(open_alert=False, renewal=None, start=date(2026, 8, 25), **kw) is None


def test_runway_at_the_pace_of_new_accounts() -> None:
    eli = Holder("UELI", tuple(account(i, "mid_market") for i in range(100)))
    plan = plan_moves([eli], DEFAULT_BANDS)  # room: 25 mid-market accounts
    assert runway(plan=plan, new_accounts={"mid_market": 18}, bands=DEFAULT_BANDS, today=TODAY) == date(
        2027, 7, 31
    )  # 25 at 0.1 a day: 250 days
    assert runway(plan=plan, new_accounts={}, bands=DEFAULT_BANDS, today=TODAY) is None


def test_a_plan_with_moves_is_deterministic() -> None:
    holders = [
        Holder("UA", tuple(account(i, "mid_market", arr=500.0) for i in range(140))),
        Holder("UB", tuple(account(300 + i, "mid_market", arr=500.0) for i in range(60))),
        Holder("UC", tuple(account(600 + i, "mid_market", arr=500.0) for i in range(60))),
    ]
    first, second = plan_moves(holders, DEFAULT_BANDS), plan_moves(holders, DEFAULT_BANDS)
    assert first.moves == second.moves and len(first.moves) == 15


def test_an_unknown_segment_is_refused() -> None:
    with pytest.raises(ValueError, match="no band"):
        plan_moves([Holder("UA", (account(1, "nope"),))], DEFAULT_BANDS)


def test_every_account_of_a_leaver_moves_first_protected_or_not_open_alerts_leading() -> None:
    leaver_accounts = (
        *(account(i, "mid_market", arr=500.0 + i) for i in range(26)),
        account(100, "mid_market", arr=90_000.0, protected=Protection.RENEWING),
        account(101, "mid_market", arr=10.0, protected=Protection.OPEN_ALERT),
        account(102, "mid_market", arr=20.0, protected=Protection.NEW),
        account(103, "enterprise", arr=5_000.0),  # nobody on the team owns Enterprise
    )
    gone = Holder("UGONE", leaver_accounts, may_receive=False, leaver=True)
    ana = Holder("UANA", tuple(account(1000 + i, "mid_market") for i in range(60)))
    ben = Holder("UBEN", tuple(account(2000 + i, "mid_market") for i in range(95)))
    olga = Holder("UOLGA", tuple(account(3000 + i, "mid_market", arr=1.0 + i) for i in range(130)))  # over
    plan = plan_moves([gone, ana, ben, olga], DEFAULT_BANDS)

    assert plan.leaver_moves == 30 and plan.stranded == ()
    first = plan.moves[:30]
    assert {m.giver for m in first} == {"UGONE"} and {m.account.id for m in first} == {
        a.id for a in leaver_accounts
    }
    assert first[0].account.id == 101 and "open decline alert" in first[0].reason  # moves first
    assert "protected or not" in first[1].reason and first[1].account.id == 100  # then by ARR
    enterprise = next(m for m in first if m.account.id == 103)
    assert "nobody on the team owns this segment yet" in enterprise.reason
    assert plan.before["UGONE"] > 0 and plan.after["UGONE"] == 0
    assert all(m.giver != "UGONE" for m in plan.moves[30:])  # then the rebalancing: Olga's overload
    assert {m.giver for m in plan.moves[30:]} == {"UOLGA"} and plan.after["UOLGA"] <= 1
    assert all(plan.after[k] <= 1 for k in ("UANA", "UBEN")) and plan.fits
    assert len({m.account.id for m in plan.moves}) == len(plan.moves)  # nothing moves twice


def test_a_leavers_accounts_with_nobody_to_take_them_are_said_to_be_stranded() -> None:
    gone = Holder("UGONE", (account(1, "large"), account(2, "large")), may_receive=False, leaver=True)
    manager = Holder("UMGR", (account(3, "large"),), may_receive=False)
    plan = plan_moves([gone, manager], DEFAULT_BANDS)
    assert plan.moves == () and [a.id for _, a in plan.stranded] == [1, 2]


def test_protected_accounts_are_counted_in_words_that_agree_with_the_count() -> None:
    assert Protection.OPEN_ALERT.counted(6, 60) == "6 with an open decline alert"
    assert Protection.RENEWING.counted(1, 1) == "1 renewing within 1 day"
    assert Protection.RENEWING.words(1) == "renews within 1 day"
    assert Protection.NEW.counted(2, 60) == "2 started within the last 90 days"
