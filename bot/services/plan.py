"""A team's rebalancing plan: its books as the domain sees them, and applying the moves.

The rules: docs/how-it-works.md, "Rebalancing a team".

The plan is recomputed wherever it is needed (shown, confirmed, applied): the domain is deterministic,
so the same books give the same moves. A fingerprint of those books travels with the button and the
modal; applying checks it against the books as they are now, and records it so a resubmit is a no-op.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.domain.bands import Band
from bot.domain.plan import PACE_DAYS, Holder, Plan, PlanAccount, plan_moves, protection, runway
from bot.errors import UserFacingError
from bot.models import Account, Alert, Person, PlanApplication, Role, Team
from bot.services import books


@dataclass(frozen=True)
class AccountFacts:
    id: int
    external_id: str
    name: str
    segment: str
    arr: float
    owner_id: int
    start: date
    renewal: date | None


@dataclass(frozen=True)
class TeamPlan:
    team: Team
    today: date
    bands: list[Band]
    people: dict[str, Person]  # by Slack user id
    accounts: dict[int, AccountFacts]
    plan: Plan
    fingerprint: str
    new_accounts: dict[str, int]  # segment -> accounts started over the last PACE_DAYS days
    runs_out_on: date | None
    renewal_days: int

    def without_taker(self) -> list[str]:
        """Segments that need hires and that no CSM with room owns: why their accounts cannot move."""
        by_id = {p.id: p.slack_user_id for p in self.people.values()}
        owners: dict[str, set[str]] = defaultdict(set)
        for a in self.accounts.values():
            owners[a.segment].add(by_id[a.owner_id])
        return [s for s in sorted(self.plan.hires) if not owners[s] & self.plan.receivers]

    def label(self, segment: str) -> str:
        return next((b.label for b in self.bands if b.key == segment), segment)


def compute(*, session: Session, team: Team, today: date, settings: Settings) -> TeamPlan:
    """The team's plan from its books as they are now."""
    assert team.id is not None
    members = [b.person for b in books.team_books(session=session, team_id=team.id)]
    by_id = {p.id: p for p in members if p.id is not None}
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for at most 4 columns
            Account.id,
            Account.external_id,
            Account.name,
            Account.segment_key,
            Account.arr,
            Account.owner_id,
            Account.start_date,
            Account.renewal_date,
        ).where(col(Account.owner_id).in_(list(by_id)))
    ).all()
    accounts = {row[0]: AccountFacts(*row) for row in rows}
    alerting = set(
        session.exec(
            select(Alert.account_id).where(
                col(Alert.closed_on).is_(None),
                col(Alert.account_id).in_(select(Account.id).where(col(Account.owner_id).in_(list(by_id)))),
            )
        ).all()
    )
    renewal_days = settings.plan_protect_renewal_days
    owned: dict[int, list[PlanAccount]] = defaultdict(list)
    for a in sorted(accounts.values(), key=lambda a: a.id):
        why = protection(
            open_alert=a.id in alerting,
            renewal=a.renewal,
            start=a.start,
            today=today,
            renewal_days=renewal_days,
        )
        owned[a.owner_id].append(PlanAccount(a.id, a.segment, float(a.arr), a.renewal, why))
    holders = [
        Holder(
            p.slack_user_id,
            tuple(owned[p.id]),
            may_receive=p.active and p.role == Role.CSM,
            leaver=not p.active,
        )
        for p in sorted(by_id.values(), key=lambda p: p.slack_user_id)
        if p.id is not None
    ]
    bands = books.list_bands(session)
    plan = plan_moves(holders, bands)
    since = today - timedelta(days=PACE_DAYS)
    new_accounts = dict(Counter(a.segment for a in accounts.values() if since < a.start <= today))
    return TeamPlan(
        team=team,
        today=today,
        bands=bands,
        people={p.slack_user_id: p for p in by_id.values()},
        accounts=accounts,
        plan=plan,
        fingerprint=fingerprint(session=session, team=team, holders=holders, bands=bands),
        new_accounts=new_accounts,
        runs_out_on=runway(plan=plan, new_accounts=new_accounts, bands=bands, today=today),
        renewal_days=renewal_days,
    )


def fingerprint(*, session: Session, team: Team, holders: list[Holder], bands: list[Band]) -> str:
    """What the plan depends on. The team's last application is part of it: books put back exactly as
    they were before a plan was applied still give a plan of their own, not "already applied"."""
    last = session.exec(select(func.max(PlanApplication.id)).where(PlanApplication.team_id == team.id)).one()
    data = {
        "team": team.id,
        "last_application": last,
        "bands": [(b.key, b.low, b.high) for b in bands],
        "books": [
            (h.key, h.may_receive, h.leaver, [(a.id, a.segment, a.arr, a.protected) for a in h.accounts])
            for h in holders
        ],
    }
    return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY = "already applied"
    STALE = "stale"


@dataclass(frozen=True)
class Application:
    outcome: Outcome
    record: PlanApplication | None  # the application made now, or the earlier one
    current: TeamPlan  # the plan as the books stand when asked


class BooksChanged(UserFacingError):
    """An account's owner changed while the plan was being applied: nothing is moved."""


def already_applied(*, session: Session, fingerprint: str) -> PlanApplication | None:
    return session.exec(select(PlanApplication).where(PlanApplication.fingerprint == fingerprint)).first()


def apply(
    *, session: Session, team: Team, shown: str, by: str, now: datetime, today: date, settings: Settings
) -> Application:
    """Apply the plan whose fingerprint was `shown`, once; refuse it if the books changed since.

    The caller commits. Owners change only where they still are what the plan was computed from;
    a concurrent change raises BooksChanged, so nothing is half-applied.
    """
    earlier = already_applied(session=session, fingerprint=shown)
    current = compute(session=session, team=team, today=today, settings=settings)
    if earlier is not None:
        return Application(Outcome.ALREADY, earlier, current)
    if current.fingerprint != shown:
        return Application(Outcome.STALE, None, current)
    assert team.id is not None
    people = current.people
    moves = [
        {
            "account_id": m.account.id,
            "external_id": current.accounts[m.account.id].external_id,
            "segment": m.account.segment,
            "arr": m.account.arr,
            "from": m.giver,
            "to": m.receiver,
            "reason": m.reason,
        }
        for m in current.plan.moves
    ]
    record = PlanApplication(
        team_id=team.id, fingerprint=shown, applied_by=by, applied_at=now, moves_json=json.dumps(moves)
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # the same plan applied by another request at this very moment
        earlier = already_applied(session=session, fingerprint=shown)
        return Application(Outcome.ALREADY, earlier, current)
    for m in current.plan.moves:
        written = session.exec(
            update(Account)
            .where(col(Account.id) == m.account.id, col(Account.owner_id) == people[m.giver].id)
            .values(owner_id=people[m.receiver].id)
        ).rowcount
        if written != 1:
            raise BooksChanged(
                "The books changed while the plan was being applied, so nothing was moved. "
                "Ask for the plan again to see the new one."
            )
    session.flush()
    return Application(Outcome.APPLIED, record, current)


def moves_of(record: PlanApplication) -> list[dict[str, object]]:
    return list(json.loads(record.moves_json))
