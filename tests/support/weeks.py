"""Eight weeks of a team's life, driven through the real importers and morning rounds, and what the
manager's week should then say, worked out here independently of `bot.domain.week`.

Usage is flat (no weekly rhythm, no noise) so the test can compute every window's mean itself:
steady accounts stay at `LEVEL`; an episode account falls to a share of it on a chosen day and, for
some, comes back. The CSMs act on chosen alerts the working day after they are raised (Reached out
through the service the listener calls, or Snooze), and complete chosen reviews.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from statistics import NormalDist

from scipy.optimize import brentq
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.domain.playbooks import Step
from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from bot.jobs.compose import plan_round
from bot.models import Account, Alert, PlaybookStep, StepStatus
from bot.plaintext import escape
from bot.services import alerts, steps

LEVEL = 20.0
RECENT, BASELINE = 7, 28
WORKING = frozenset(range(5))  # POST_DAYS by default
HARBOR_CSMS = ("U0ANA", "U0BEN", "U0CAL")
TEAM_CSV = """slack_user_id,email,name,team,role,timezone
U0ANA,ana@example.com,Ana Alvarez,Harbor,csm,UTC
U0BEN,ben@example.com,Ben Brooks,Harbor,csm,UTC
U0CAL,cal@example.com,Cal <!channel> Cortez,Harbor,csm,UTC
U0MIA,mia@example.com,Mia Manager,Harbor,manager,UTC
U0SAM,sam@example.com,Sam Summit,Summit,csm,UTC
U0SUE,sue@example.com,Sue Summit,Summit,manager,UTC
"""


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass(frozen=True)
class Episode:
    external_id: str
    owner: str
    arr: float
    drop: date  # the first day at `share` of its usual usage
    share: float
    back: date | None = None  # the first day at full usage again
    reach: bool = False  # Reached out the working day after it is raised
    snooze: bool = False  # Snoozed the working day after it is raised

    def value(self, day: date) -> float:
        if day < self.drop or (self.back is not None and day >= self.back):
            return LEVEL
        return LEVEL * self.share


@dataclass(frozen=True)
class Review:
    external_id: str
    owner: str
    due: date  # last_review_date + the enterprise cadence (90 days)
    done: date | None  # completed on this day, or left open


@dataclass
class Plan:
    report_day: date  # the day the manager's week is made
    first_day: date  # the first day of usage
    first_round: date
    last_round: date
    steady: list[tuple[str, str, float]]  # (external_id, owner, arr)
    episodes: list[Episode]
    reviews: list[Review]
    names: dict[str, str] = field(default_factory=dict)  # external_id -> account name

    def value(self, external_id: str, day: date) -> float:
        for e in self.episodes:
            if e.external_id == external_id:
                return e.value(day)
        return LEVEL

    @property
    def round_days(self) -> list[date]:
        days, day = [], self.first_round
        while day <= self.last_round:
            if day.weekday() in WORKING:
                days.append(day)
            day += timedelta(days=1)
        return days


def make_plan(report_day: date, *, last_round: date | None = None) -> Plan:
    """The team's accounts and episodes around `report_day` (a Monday for the scheduled DM)."""
    r = report_day
    episodes: list[Episode] = []
    # Flagged 28 to 56 days before the report: 13 reached out (9 recover), 13 not (4 recover).
    for i in range(26):
        drop = r - timedelta(days=58 - i)
        reach = i % 2 == 0
        k = i // 2
        recovers = k < 9 if reach else k < 4
        episodes.append(
            Episode(
                f"LIFT{i:02d}",
                HARBOR_CSMS[i % 3],
                10_000.0 + 1_000 * i,
                drop,
                0.3,
                back=drop + timedelta(days=14) if recovers else None,
                reach=reach,
                snooze=not reach and i % 5 == 1,
            )
        )
    # Older than the window, and too recent for it.
    episodes.append(
        Episode("OLD01", "U0ANA", 50_000.0, r - timedelta(days=64), 0.3, back=r - timedelta(days=40))
    )
    episodes.append(Episode("NEW01", "U0BEN", 80_000.0, r - timedelta(days=20), 0.25, reach=True))
    # The week just ended: raised, acted on, unclaimed.
    week_start = r - timedelta(days=r.weekday() + 7)
    episodes += [
        Episode("WEEK01", "U0ANA", 120_000.0, week_start - timedelta(days=4), 0.2, reach=True),
        Episode("WEEK02", "U0BEN", 30_000.0, week_start - timedelta(days=3), 0.3, snooze=True),
        Episode("WEEK03", "U0CAL", 300_000.0, week_start - timedelta(days=2), 0.2),  # unclaimed
        Episode("WEEK04", "U0CAL", 45_000.0, week_start - timedelta(days=2), 0.4),  # unclaimed, less at risk
        Episode("WEEK05", "U0ANA", 60_000.0, week_start + timedelta(days=1), 0.1),  # raised Friday: not yet
        Episode("OPEN01", "U0BEN", 20_000.0, r - timedelta(days=26), 0.3),  # unclaimed for weeks
    ]
    steady = [(f"STEADY{i:02d}", HARBOR_CSMS[i % 3], 5_000.0 + 100 * i) for i in range(40)]
    steady += [(f"SUMMIT{i:02d}", "U0SAM", 7_000.0) for i in range(6)]
    reviews = [
        Review("REV01", "U0ANA", week_start + timedelta(days=3), week_start + timedelta(days=2)),  # on time
        Review("REV02", "U0BEN", week_start + timedelta(days=1), week_start + timedelta(days=4)),  # late
        Review("REV03", "U0CAL", week_start - timedelta(days=15), week_start + timedelta(days=3)),  # late
        Review("REV04", "U0ANA", week_start - timedelta(days=10), None),  # overdue
        Review("REV05", "U0BEN", week_start - timedelta(days=30), None),  # overdue
        Review("REV06", "U0CAL", r + timedelta(days=5), None),  # not due yet
        Review("REV07", "U0ANA", week_start - timedelta(days=20), week_start - timedelta(days=12)),  # before
    ]
    first_round = r - timedelta(days=r.weekday() + 7 * 8)  # the Monday eight weeks before the week's
    return Plan(
        report_day=r,
        first_day=first_round - timedelta(days=RECENT + BASELINE + 5),
        first_round=first_round,
        last_round=last_round or r,
        steady=steady,
        episodes=episodes,
        reviews=reviews,
    )


def account_rows(plan: Plan) -> list[tuple[str, str, str, float, str, str]]:
    """(external_id, name, segment, arr, owner, last_review_date)."""
    rows = [(e, f"Steady {e}", "smb", arr, owner, "") for e, owner, arr in plan.steady]
    rows += [(e.external_id, f"Acme {e.external_id}", "smb", e.arr, e.owner, "") for e in plan.episodes]
    rows[-1] = (*rows[-1][:1], "Open <!here> & *Co*", *rows[-1][2:])  # a hostile name stays text
    rows += [
        (
            r.external_id,
            f"Review {r.external_id}",
            "enterprise",
            90_000.0,
            r.owner,
            str(r.due - timedelta(days=90)),
        )
        for r in plan.reviews
    ]
    plan.names.update((row[0], row[1]) for row in rows)
    return rows


# --- Driving it through the real code ---------------------------------------------------------------


@dataclass
class Ledger:
    """What the test did: each action on an episode's alert, at what moment."""

    actions: list[tuple[str, str, datetime]] = field(default_factory=list)  # (external_id, kind, moment)


def simulate(engine: Engine, directory: Path, plan: Plan, settings: Settings) -> Ledger:
    """Import the team and accounts, then week by week the usage, running every working day's round
    (`plan_round`, committed, as the clock's round does before it sends) and acting on chosen alerts."""
    directory.mkdir(parents=True, exist_ok=True)
    team_csv = directory / "team.csv"
    team_csv.write_text(TEAM_CSV, encoding="utf-8")
    import_team(team_csv, engine=engine)
    accounts_csv = directory / "accounts.csv"
    lines = ["external_id,name,segment,arr,owner,start_date,renewal_date,last_review_date"]
    for ext, name, segment, arr, owner, last_review in account_rows(plan):
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(f"{ext},{quoted},{segment},{arr:.0f},{owner},2024-01-15,2027-06-15,{last_review}")
    accounts_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_accounts(accounts_csv, engine=engine, today=plan.first_day)

    ids = [row[0] for row in account_rows(plan)]
    model = independent_alerts(plan)
    ledger = Ledger()
    imported_to = plan.first_day - timedelta(days=1)
    for day in plan.round_days:
        if imported_to < day - timedelta(days=1):
            # The usage of every day up to the coming Sunday, as a weekly export would bring it.
            last = day + timedelta(days=6 - day.weekday())
            _import_usage(engine, directory, plan, ids, imported_to + timedelta(days=1), last)
            imported_to = last
        plan_round(engine=engine, now=at(day), settings=settings, team_name=None, commit=True)
        _act(engine, plan, model, ledger, day, settings)
        _review(engine, plan, day, settings)
    return ledger


def _import_usage(
    engine: Engine, directory: Path, plan: Plan, ids: list[str], first: date, last: date
) -> None:
    path = directory / f"usage-{first.isoformat()}.csv"
    rows = ["external_id,date,value"]
    day = first
    while day <= last:
        rows += [f"{ext},{day.isoformat()},{plan.value(ext, day):g}" for ext in ids]
        day += timedelta(days=1)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_usage(path, engine=engine, today=last)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() not in WORKING:
        day += timedelta(days=1)
    return day


def _act(
    engine: Engine,
    plan: Plan,
    model: dict[str, list[ModelAlert]],
    ledger: Ledger,
    day: date,
    settings: Settings,
) -> None:
    """Reached out or Snooze, at 10:00 the working day after the alert was raised, as its owner."""
    with Session(engine) as session:
        for e in plan.episodes:
            if not (e.reach or e.snooze):
                continue
            for m in model.get(e.external_id, []):
                if next_working_day(m.opened) != day:
                    continue
                alert = session.exec(
                    select(Alert)
                    .join(Account, col(Account.id) == col(Alert.account_id))
                    .where(Account.external_id == e.external_id, col(Alert.closed_on).is_(None))
                ).one()
                now = at(day, 10)
                if e.reach:
                    assert alerts.reached_out(session=session, alert=alert, by=e.owner, now=now)
                    ledger.actions.append((e.external_id, "reached_out", now))
                else:
                    assert alerts.snooze(
                        session=session,
                        alert=alert,
                        by=e.owner,
                        now=now,
                        today=day,
                        days=settings.snooze_days,
                    )
                    ledger.actions.append((e.external_id, "snoozed", now))
        session.commit()


def _review(engine: Engine, plan: Plan, day: date, settings: Settings) -> None:
    """Complete the reviews planned for the days from the last round up to this one."""
    previous = day - timedelta(days=3 if day.weekday() == 0 else 1)
    with Session(engine) as session:
        for r in plan.reviews:
            if r.done is None or not previous < r.done <= day:
                continue
            step, account = session.exec(
                select(PlaybookStep, Account)
                .join(Account, col(Account.id) == col(PlaybookStep.account_id))
                .where(
                    Account.external_id == r.external_id,
                    PlaybookStep.step == Step.REVIEW.value,
                    PlaybookStep.status == StepStatus.OPEN,
                )
            ).one()
            assert step.due_on == r.due
            assert steps.complete(
                session=session,
                step=step,
                account=account,
                by=r.owner,
                now=at(r.done, 15),
                today=r.done,
                cadence=settings.review_cadence_days,
                results_reviewed="usage up",
                next_outcomes="renewal",
            )
        session.commit()


# --- What the report should say, worked out from the plan alone -------------------------------------


@dataclass
class ModelAlert:
    external_id: str
    opened: date
    raised_baseline: float
    drop: float
    closed: date | None = None
    recovered: date | None = None


def _mean(plan: Plan, ext: str, first: date, days: int) -> float:
    return sum(plan.value(ext, first + timedelta(days=k)) for k in range(days)) / days


def independent_alerts(plan: Plan) -> dict[str, list[ModelAlert]]:
    """Each round day: recent = the 7 days before it, baseline = the 28 before those; raised at a drop of
    30% or more, closed at recent >= 90% of today's baseline, recovered at recent >= 90% of the
    baseline when raised (within 56 days). Every account is flat, so no feed-wide dip."""
    found: dict[str, list[ModelAlert]] = {}
    for e in plan.episodes:
        ext = e.external_id
        for day in plan.round_days:
            recent = _mean(plan, ext, day - timedelta(days=RECENT), RECENT)
            baseline = _mean(plan, ext, day - timedelta(days=RECENT + BASELINE), BASELINE)
            history = found.setdefault(ext, [])
            current = history[-1] if history and history[-1].closed is None else None
            for m in history:
                watched = m.recovered is None and m.opened < day <= m.opened + timedelta(days=56)
                if watched and recent > 0 and recent >= 0.9 * m.raised_baseline - 1e-9:
                    m.recovered = day
            if current is None and recent <= 0.7 * baseline + 1e-9 and baseline >= 5:
                history.append(ModelAlert(ext, day, baseline, 1 - recent / baseline))
            elif current is not None:
                if recent > 0 and recent >= 0.9 * baseline - 1e-9:
                    current.closed = day
                elif recent <= 0.7 * baseline + 1e-9 and baseline >= 5:
                    current.drop = 1 - recent / baseline
    return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class Expected:
    raised: int
    acted_on: int
    reached_out: int
    snoozed: int
    recovered: int
    unclaimed: list[str]  # external_ids, money at risk first
    reviews_done: int
    reviews_on_time: int
    reviews_overdue: int
    reached: int
    reached_recovered: int
    untouched: int
    untouched_recovered: int
    interval: tuple[float, float] | None


def wilson_by_root(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's bounds as the roots of |p̂ − p| = z √(p(1−p)/n), found numerically."""
    p_hat = x / n

    def score(p: float) -> float:
        return (p_hat - p) ** 2 - z * z * p * (1 - p) / n

    low = 0.0 if x == 0 else brentq(score, 1e-12, min(p_hat, 1 - 1e-12))
    high = 1.0 if x == n else brentq(score, max(p_hat, 1e-12), 1 - 1e-12)
    return low, high


def newcombe_by_root(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    z = NormalDist().inv_cdf(0.95)
    l1, u1 = wilson_by_root(x1, n1, z)
    l2, u2 = wilson_by_root(x2, n2, z)
    p1, p2 = x1 / n1, x2 / n2
    return p1 - p2 - math.hypot(p1 - l1, u2 - p2), p1 - p2 + math.hypot(u1 - p1, p2 - l2)


def expected(
    plan: Plan,
    ledger: Ledger,
    *,
    day: date,
    moment: datetime,
    extra: Iterable[tuple[str, str, datetime]] = (),
) -> Expected:
    """The report as of `moment` (on the local `day`): for the week before `day`'s own."""
    model = independent_alerts(plan)
    start = day - timedelta(days=day.weekday() + 7)
    end = start + timedelta(days=6)
    actions = [a for a in [*ledger.actions, *extra] if a[2] <= moment]
    arr = {e.external_id: e.arr for e in plan.episodes}

    def acted(ext: str, kind: str | None, first: date, last: date) -> bool:
        return any(
            a[0] == ext and (kind is None or a[1] == kind) and first <= a[2].date() <= last for a in actions
        )

    every = [m for ms in model.values() for m in ms if m.opened <= day]
    reached = {m.external_id for m in every if acted(m.external_id, "reached_out", start, end)}
    snoozed = {m.external_id for m in every if acted(m.external_id, "snoozed", start, end)}
    unclaimed = []
    for m in every:
        open_now = m.closed is None or m.closed > day
        mornings = sum(
            (m.opened + timedelta(days=k)).weekday() in WORKING for k in range((day - m.opened).days)
        )
        if open_now and mornings >= 3 and not acted(m.external_id, None, m.opened, day):
            unclaimed.append(m)
    unclaimed.sort(key=lambda m: -arr[m.external_id] * m.drop)

    lift_first, lift_last = day - timedelta(days=56), day - timedelta(days=28)
    groups = {True: [0, 0], False: [0, 0]}
    for ext, ms in model.items():
        first = next((m for m in ms if lift_first <= m.opened <= lift_last), None)
        if first is None:
            continue
        group = groups[acted(ext, "reached_out", first.opened, day)]
        group[0] += 1
        group[1] += int(first.recovered is not None and first.recovered <= day)
    (n1, x1), (n2, x2) = groups[True], groups[False]

    done = [r for r in plan.reviews if r.done is not None and start <= r.done <= end]
    return Expected(
        raised=sum(start <= m.opened <= end for m in every),
        acted_on=len(reached | snoozed),
        reached_out=len(reached),
        snoozed=len(snoozed),
        recovered=sum(m.recovered is not None and start <= m.recovered <= end for m in every),
        unclaimed=[m.external_id for m in unclaimed],
        reviews_done=len(done),
        reviews_on_time=sum(r.done is not None and r.done <= r.due for r in done),
        reviews_overdue=sum(r.done is None and r.due < day for r in plan.reviews),
        reached=n1,
        reached_recovered=x1,
        untouched=n2,
        untouched_recovered=x2,
        interval=newcombe_by_root(x1, n1, x2, n2) if min(n1, n2) >= 10 else None,
    )


def assert_report_says(text: str, want: Expected, plan: Plan, *, named: int) -> None:
    """The manager's week as a person reads it says every expected figure, names first at risk first."""
    assert f"*{want.raised}* raised" in text
    assert f"*{want.acted_on}* acted on ({want.reached_out} reached out, {want.snoozed} snoozed)" in text
    assert f"*{want.recovered}* recovered" in text and f"*{len(want.unclaimed)}* unclaimed" in text
    assert f"*{want.reviews_done}* done in the week, {want.reviews_on_time} on time" in text
    assert f"*{want.reviews_overdue}* overdue" in text
    assert f"*{want.reached_recovered}* of {want.reached} accounts recovered" in text
    assert f"*{want.untouched_recovered}* of {want.untouched} accounts recovered" in text
    if want.interval is None:
        assert "Too few to tell" in text
    else:
        difference = want.reached_recovered / want.reached - want.untouched_recovered / want.untouched
        low, high = (f"{v * 100:+.0f} points" for v in want.interval)
        assert f"*{difference * 100:+.0f} points* (90% confidence interval {low} to {high}" in text
    assert "comparison, not an experiment" in text
    positions = [text.index(f"*{escape(plan.names[ext])}*") for ext in want.unclaimed[:named]]
    assert positions == sorted(positions), "money at risk first"
    assert "<!here>" not in text and "<!channel>" not in text  # hostile names stay text
