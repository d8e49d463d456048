"""Playbook steps: generated once per account, listed when due, completed, snoozed or skipped."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select, update

from bot.db import update_if
from bot.domain.playbooks import NUDGE_AHEAD_DAYS, PlannedStep, Step, initial_steps, next_review, on_time
from bot.models import Account, Person, PlaybookStep, StepStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueStep:
    step: PlaybookStep
    account: Account

    def overdue(self, today: date) -> bool:
        """Past its date; a step csm-coach never saw the date of is overdue from the day it saw it."""
        return self.step.due_on < today or (self.step.from_first_sight and self.step.due_on <= today)


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(rows), 2000):
        statement = (
            insert(PlaybookStep)
            .values(rows[start : start + 2000])
            .on_conflict_do_nothing(index_elements=["account_id", "playbook", "step", "sequence"])
        )
        session.exec(statement)


def _row(account_id: int, planned: PlannedStep) -> dict[str, object]:
    return {
        "account_id": account_id,
        "playbook": planned.playbook.value,
        "step": planned.step.value,
        "sequence": planned.sequence,
        "due_on": planned.due_on,
        "from_first_sight": planned.from_first_sight,
        "status": StepStatus.OPEN,
    }


def generate(*, session: Session, today: date, cadence: Mapping[str, int]) -> int:
    """Give every account that has no steps yet its initial steps; returns how many accounts got some.

    Idempotent twice over: only step-less accounts are looked at, and the unique key
    (account, playbook, step, sequence) turns any race into a no-op.
    """
    session.exec(update(Account).where(col(Account.first_seen_on).is_(None)).values(first_seen_on=today))
    has_steps = exists().where(col(PlaybookStep.account_id) == col(Account.id))
    accounts = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel's select() is typed for at most 4 columns
            Account.id,
            Account.start_date,
            Account.first_seen_on,
            Account.segment_key,
            Account.last_review_date,
        ).where(~has_steps)
    ).all()
    rows: list[dict[str, object]] = []
    for account_id, start, first_seen, segment, last_review in accounts:
        try:
            planned_steps = initial_steps(
                start_date=start,
                first_seen=first_seen or today,
                segment=segment,
                last_review_date=last_review,
                cadence=cadence,
            )
        except (OverflowError, ValueError) as exc:
            # One account's impossible dates (9999-12-31 + a cadence) never stop the others' steps.
            log.warning("account %s: no playbook steps generated (%s)", account_id, exc)
            continue
        rows.extend(_row(account_id, planned) for planned in planned_steps)
    _insert_ignoring_duplicates(session, rows)
    session.flush()
    return len(accounts)


def due_steps(
    *, session: Session, today: date, owner_ids: Iterable[int], ahead: int = NUDGE_AHEAD_DAYS
) -> list[DueStep]:
    """Open, unsnoozed steps overdue or due within `ahead` days, most overdue first."""
    ids = sorted(set(owner_ids))
    if not ids:
        return []
    rows = session.exec(
        select(PlaybookStep, Account)
        .join(Account, col(Account.id) == col(PlaybookStep.account_id))
        .where(
            col(Account.owner_id).in_(ids),
            col(PlaybookStep.status) == StepStatus.OPEN,
            col(PlaybookStep.due_on) <= today + timedelta(days=ahead),
            (col(PlaybookStep.snoozed_until).is_(None)) | (col(PlaybookStep.snoozed_until) <= today),
        )
        .order_by(col(PlaybookStep.due_on), col(Account.arr).desc(), col(PlaybookStep.id))
    ).all()
    return [DueStep(step, account) for step, account in rows]


def overdue_count(*, session: Session, today: date, owner_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(PlaybookStep)
        .join(Account, col(Account.id) == col(PlaybookStep.account_id))
        .where(
            Account.owner_id == owner_id,
            PlaybookStep.status == StepStatus.OPEN,
            (col(PlaybookStep.due_on) < today)
            | (col(PlaybookStep.from_first_sight) & (col(PlaybookStep.due_on) <= today)),
        )
    ).one()


def complete(
    *,
    session: Session,
    step: PlaybookStep,
    account: Account,
    by: str,
    now: datetime,
    today: date,
    cadence: Mapping[str, int],
    agreed_outcomes: Sequence[str] = (),
    results_reviewed: str | None = None,
    next_outcomes: str | None = None,
    expansion_found: bool | None = None,
) -> bool:
    """Record the step done; a review schedules the next one. False when it was already closed."""
    values: dict[str, object] = {"completed_by": by, "completed_at": now, "completed_on": today}
    if step.step == Step.MASTER_PLAN:
        values["agreed_outcomes"] = "\n".join(o.strip() for o in agreed_outcomes if o.strip())
    if step.step == Step.REVIEW:
        values.update(
            results_reviewed=results_reviewed,
            next_outcomes=next_outcomes,
            expansion_found=bool(expansion_found),
        )
    if not _close(session, step, StepStatus.DONE, **values):
        return False
    if step.step == Step.REVIEW:
        following = next_review(
            done_on=today, sequence=step.sequence, segment=account.segment_key, cadence=cadence
        )
        if following is not None and account.id is not None:
            _insert_ignoring_duplicates(session, [_row(account.id, following)])
        account.last_review_date = today
        session.add(account)
    session.flush()
    return True


def snooze(*, session: Session, step: PlaybookStep, today: date, days: int) -> bool:
    until = today + timedelta(days=days)
    if step.status != StepStatus.OPEN or (step.snoozed_until is not None and step.snoozed_until >= until):
        return False
    step.snoozed_until = until
    session.add(step)
    return True


def skip(
    *, session: Session, step: PlaybookStep, by: str, now: datetime, today: date, reason: str | None
) -> bool:
    return _close(
        session,
        step,
        StepStatus.SKIPPED,
        completed_by=by,
        completed_at=now,
        completed_on=today,
        skip_reason=reason,
    )


def _close(session: Session, step: PlaybookStep, status: StepStatus, **values: object) -> bool:
    """Close the step if it is still open: of two closing it at once, one wins and both see who."""
    return update_if(session, step, col(PlaybookStep.status) == StepStatus.OPEN, status=status, **values)


@dataclass(frozen=True)
class ReviewOutcomes:
    person: Person
    done: int
    on_time: int
    expansion: int


def review_outcomes(*, session: Session, people: Sequence[Person], since: date) -> list[ReviewOutcomes]:
    """Executive Outcomes Reviews done since `since`, per person: how many, on time, with expansion."""
    ids = [p.id for p in people if p.id is not None]
    rows = session.exec(
        select(
            Account.owner_id,
            col(PlaybookStep.due_on),
            col(PlaybookStep.completed_on),
            col(PlaybookStep.expansion_found),
        )
        .join(Account, col(Account.id) == col(PlaybookStep.account_id))
        .where(
            col(Account.owner_id).in_(ids),
            PlaybookStep.step == Step.REVIEW.value,
            PlaybookStep.status == StepStatus.DONE,
            col(PlaybookStep.completed_on) >= since,
        )
    ).all()
    tally: dict[int, list[int]] = {i: [0, 0, 0] for i in ids}
    for owner_id, due_on, done_on, expansion in rows:
        counts = tally[owner_id]
        counts[0] += 1
        counts[1] += int(done_on is not None and on_time(due_on, done_on))  # never None: see the WHERE
        counts[2] += int(bool(expansion))
    return [ReviewOutcomes(p, *tally[p.id]) for p in people if p.id is not None]
