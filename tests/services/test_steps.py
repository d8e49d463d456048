"""Playbook steps on a real database: generated once, listed when due, completed once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, func, select

from bot.domain.playbooks import DEFAULT_REVIEW_CADENCE, Step
from bot.models import Account, PlaybookStep
from bot.services import steps
from tests.support import factories

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(PlaybookStep)).one()


def setup(session: Session) -> tuple[Account, Account]:
    team = factories.team(session)
    ana = factories.person(session, team, "U0ANA")
    old, new = factories.book(session, ana, enterprise=2)
    new.start_date = date(2026, 11, 1)
    session.add(new)
    session.commit()
    return old, new


def test_generation_is_idempotent(session: Session) -> None:
    setup(session)
    assert steps.generate(session=session, today=TODAY, cadence=DEFAULT_REVIEW_CADENCE) == 2
    first = count(session)
    assert first == 2 + 3 + 2  # two master plans, one onboarding of three steps, two reviews
    assert steps.generate(session=session, today=TODAY, cadence=DEFAULT_REVIEW_CADENCE) == 0
    assert steps.generate(session=session, today=date(2026, 12, 1), cadence=DEFAULT_REVIEW_CADENCE) == 0
    assert count(session) == first


def test_due_steps_most_overdue_first_and_snoozed_ones_left_out(session: Session) -> None:
    old, new = setup(session)
    steps.generate(session=session, today=TODAY, cadence=DEFAULT_REVIEW_CADENCE)
    due = steps.due_steps(session=session, today=TODAY, owner_ids=[old.owner_id])
    labels = [(d.account.id, d.step.step) for d in due]
    # old: review due 2024-03-31 (start + 90); new: kickoff 11-08; first outcome 12-01 is 8 days away
    assert labels[0] == (old.id, Step.REVIEW)
    assert (new.id, Step.KICKOFF) in labels and (new.id, Step.FIRST_OUTCOME) not in labels
    assert all(d.step.due_on <= date(2026, 11, 30) for d in due)
    assert steps.snooze(session=session, step=due[0].step, today=TODAY, days=7)
    assert not steps.snooze(session=session, step=due[0].step, today=TODAY, days=7)  # a double click
    again = steps.due_steps(session=session, today=TODAY, owner_ids=[old.owner_id])
    assert due[0].step.id not in {d.step.id for d in again}


def test_completing_a_review_records_it_once_and_schedules_the_next(session: Session) -> None:
    old, _ = setup(session)
    steps.generate(session=session, today=TODAY, cadence=DEFAULT_REVIEW_CADENCE)
    review = session.exec(
        select(PlaybookStep).where(PlaybookStep.account_id == old.id, PlaybookStep.step == Step.REVIEW.value)
    ).one()
    kwargs = dict(
        session=session,
        step=review,
        account=old,
        by="U0ANA",
        now=NOW,
        today=TODAY,
        cadence=DEFAULT_REVIEW_CADENCE,
        results_reviewed="Cut ticket time 40%",
        next_outcomes="Roll out to EMEA",
        expansion_found=True,
    )
    assert steps.complete(**kwargs)  # type: ignore[arg-type]
    assert not steps.complete(**kwargs)  # type: ignore[arg-type]
    session.commit()
    reviews = session.exec(
        select(PlaybookStep)
        .where(PlaybookStep.account_id == old.id, PlaybookStep.step == Step.REVIEW.value)
        .order_by(PlaybookStep.sequence)
    ).all()
    assert [(r.sequence, r.status, r.due_on) for r in reviews] == [
        (1, "done", TODAY),  # its own date (31 Mar 2024) came before csm-coach saw the account
        (2, "open", date(2027, 2, 21)),
    ]
    assert reviews[0].expansion_found is True and reviews[0].completed_by == "U0ANA"
    assert old.last_review_date == TODAY
    done = steps.review_outcomes(
        session=session, people=[session.get(factories.Person, old.owner_id)], since=date(2026, 8, 25)
    )
    assert (done[0].done, done[0].on_time, done[0].expansion) == (1, 1, 1)  # done the day it was due


def test_skip_records_who_and_why_once(session: Session) -> None:
    old, _ = setup(session)
    steps.generate(session=session, today=TODAY, cadence=DEFAULT_REVIEW_CADENCE)
    plan = session.exec(
        select(PlaybookStep).where(
            PlaybookStep.account_id == old.id, PlaybookStep.step == Step.MASTER_PLAN.value
        )
    ).one()
    assert steps.skip(
        session=session, step=plan, by="U0MIA", now=NOW, today=TODAY, reason="Merged into parent"
    )
    assert not steps.skip(session=session, step=plan, by="U0MIA", now=NOW, today=TODAY, reason=None)
    assert (plan.status, plan.completed_by, plan.skip_reason) == ("skipped", "U0MIA", "Merged into parent")
