"""A team's plan from the database: protected accounts, applying once, refusing a stale plan, the handoffs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.plan import Protection
from bot.models import Account, Alert, PlanApplication, PlaybookStep
from bot.services import plan as plans
from bot.services.plan_handoff import handoffs
from tests.support import factories as f

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)


@pytest.fixture
def harbor(session: Session) -> f.Team:
    team = f.team(session)
    f.person(session, team, "U0MGR", role="manager")
    dana = f.person(session, team, "U0DANA")
    eli = f.person(session, team, "U0ELI")
    accounts = f.book(session, dana, mid_market=130)
    f.book(session, eli, mid_market=100)
    for i, account in enumerate(accounts):
        account.arr = 10_000.0 + 100 * i  # the first ones are the cheapest
    accounts[0].renewal_date = TODAY + timedelta(days=30)  # renews soon: stays
    accounts[1].start_date = TODAY - timedelta(days=20)  # onboarding: stays
    session.add(
        Alert(
            account_id=accounts[2].id,
            opened_on=TODAY,
            last_seen_on=TODAY,
            drop=0.4,
            recent_mean=3,
            baseline_mean=5,
        )
    )
    session.add(
        PlaybookStep(
            account_id=accounts[3].id, playbook="eor", step="review", due_on=TODAY + timedelta(days=9)
        )
    )
    session.commit()
    return team


def test_the_plan_moves_the_cheapest_unprotected_accounts_and_lists_the_protected(
    session: Session, harbor: f.Team
) -> None:
    result = plans.compute(session=session, team=harbor, today=TODAY, settings=SETTINGS)
    moved = [result.accounts[m.account.id].external_id for m in result.plan.moves]
    ids = sorted(
        a.id
        for a in session.exec(select(Account).where(Account.owner_id == result.people["U0DANA"].id)).all()
    )
    assert [result.accounts[i].external_id for i in ids[3:8]] == moved
    assert {m.receiver for m in result.plan.moves} == {"U0ELI"} and result.plan.fits
    reasons = {a.id: a.protected for _, a in result.plan.protected}
    assert reasons == {ids[0]: Protection.RENEWING, ids[1]: Protection.NEW, ids[2]: Protection.OPEN_ALERT}
    assert result.plan.after["U0DANA"] == 1 and "U0MGR" not in result.plan.before  # a manager without a book


def test_applying_moves_the_owners_once_and_records_who_and_when(session: Session, harbor: f.Team) -> None:
    shown = plans.compute(session=session, team=harbor, today=TODAY, settings=SETTINGS)
    done = plans.apply(
        session=session,
        team=harbor,
        shown=shown.fingerprint,
        by="U0MGR",
        now=NOW,
        today=TODAY,
        settings=SETTINGS,
    )
    session.commit()
    assert done.outcome is plans.Outcome.APPLIED and done.record is not None
    eli = shown.people["U0ELI"]
    assert len(session.exec(select(Account).where(Account.owner_id == eli.id)).all()) == 105
    record = session.exec(select(PlanApplication)).one()
    assert (record.applied_by, record.applied_at.replace(tzinfo=UTC)) == ("U0MGR", NOW)
    assert len(plans.moves_of(record)) == 5

    again = plans.apply(
        session=session,
        team=harbor,
        shown=shown.fingerprint,
        by="U0MGR",
        now=NOW,
        today=TODAY,
        settings=SETTINGS,
    )
    session.commit()
    assert (
        again.outcome is plans.Outcome.ALREADY and again.record is not None and again.record.id == record.id
    )
    assert len(session.exec(select(Account).where(Account.owner_id == eli.id)).all()) == 105
    assert len(session.exec(select(PlanApplication)).all()) == 1
    assert again.current.plan.moves == ()  # nothing left to do


def test_a_plan_made_stale_by_a_change_is_refused_with_the_new_plan(session: Session, harbor: f.Team) -> None:
    shown = plans.compute(session=session, team=harbor, today=TODAY, settings=SETTINGS)
    f.book(session, shown.people["U0DANA"], mid_market=3)  # three more accounts since it was shown
    session.commit()
    stale = plans.apply(
        session=session,
        team=harbor,
        shown=shown.fingerprint,
        by="U0MGR",
        now=NOW,
        today=TODAY,
        settings=SETTINGS,
    )
    assert stale.outcome is plans.Outcome.STALE and stale.record is None
    assert len(stale.current.plan.moves) == 8 and stale.current.fingerprint != shown.fingerprint
    assert session.exec(select(PlanApplication)).all() == []


def test_handoffs_name_each_account_with_its_open_steps(session: Session, harbor: f.Team) -> None:
    shown = plans.compute(session=session, team=harbor, today=TODAY, settings=SETTINGS)
    done = plans.apply(
        session=session,
        team=harbor,
        shown=shown.fingerprint,
        by="U0MGR",
        now=NOW,
        today=TODAY,
        settings=SETTINGS,
    )
    session.commit()
    assert done.record is not None
    notes = {h.user_id: h for h in handoffs(session=session, record=done.record)}
    assert set(notes) == {"U0DANA", "U0ELI"}
    assert len(notes["U0ELI"].gains) == 5 and notes["U0ELI"].hands_over == []
    assert [line.other for line in notes["U0DANA"].hands_over] == ["U0ELI"] * 5
    with_step = [line for line in notes["U0ELI"].gains if line.open_steps]
    assert len(with_step) == 1 and with_step[0].open_steps[0][1] == TODAY + timedelta(days=9)


def test_runway_counts_the_new_accounts_of_the_last_180_days(session: Session, harbor: f.Team) -> None:
    eli = plans.compute(session=session, team=harbor, today=TODAY, settings=SETTINGS).people["U0ELI"]
    for account in f.book(session, eli, mid_market=9):
        account.start_date = TODAY - timedelta(days=100)  # 9 new in 180 days; 11 of room left after them
    session.commit()
    result = plans.compute(session=session, team=harbor, today=TODAY, settings=SETTINGS)
    assert result.new_accounts == {"mid_market": 10}  # with the onboarding one
    # Eli ends at 114 of 125 mid-market: 11 of room, at 10 every 180 days.
    assert result.plan.fits and result.runs_out_on == TODAY + timedelta(days=198)
