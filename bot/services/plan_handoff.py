"""What each CSM concerned by an applied plan gains or hands over, for a warm handoff."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from bot.domain.playbooks import Step
from bot.models import Account, Person, PlanApplication, PlaybookStep, StepStatus
from bot.services import books
from bot.services.plan import moves_of


@dataclass(frozen=True)
class HandoffLine:
    name: str
    segment: str  # label
    arr: float
    renewal: date | None
    other: str  # Slack user id of the CSM on the other side
    open_steps: tuple[tuple[str, date], ...]  # (step label, due)


@dataclass
class Handoff:
    user_id: str
    gains: list[HandoffLine] = field(default_factory=list)
    hands_over: list[HandoffLine] = field(default_factory=list)


def handoffs(*, session: Session, record: PlanApplication) -> list[Handoff]:
    """One per CSM concerned, in user-id order."""
    moves = moves_of(record)
    ids = [int(str(m["account_id"])) for m in moves]
    accounts = {a.id: a for a in session.exec(select(Account).where(col(Account.id).in_(ids))).all()}
    labels = {b.key: b.label for b in books.list_bands(session)}
    steps: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for step in session.exec(
        select(PlaybookStep)
        .where(col(PlaybookStep.account_id).in_(ids), PlaybookStep.status == StepStatus.OPEN)
        .order_by(col(PlaybookStep.due_on))
    ).all():
        steps[step.account_id].append((Step(step.step).label, step.due_on))
    found: dict[str, Handoff] = {}
    for move in moves:
        account = accounts.get(int(str(move["account_id"])))
        if account is None or account.id is None:
            continue
        giver, receiver = str(move["from"]), str(move["to"])

        def line(other: str, account: Account = account) -> HandoffLine:
            return HandoffLine(
                name=account.name,
                segment=labels.get(account.segment_key, account.segment_key),
                arr=float(account.arr),
                renewal=account.renewal_date,
                other=other,
                open_steps=tuple(steps[account.id or 0]),
            )

        found.setdefault(receiver, Handoff(receiver)).gains.append(line(giver))
        found.setdefault(giver, Handoff(giver)).hands_over.append(line(receiver))
    # A CSM who has left hears nothing: Slack would refuse the DM, and the handover is not theirs to do.
    active = set(
        session.exec(
            select(Person.slack_user_id).where(col(Person.slack_user_id).in_(list(found)), col(Person.active))
        ).all()
    )
    return [found[k] for k in sorted(found) if k in active]
