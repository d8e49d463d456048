"""The CRM owns owners: an accounts import with the old owners keeps an applied plan's moves for
PLAN_HOLD_DAYS and says so; after that, or once the source agrees, the source wins."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.models import Account, Person, PlanApplication
from tests.support.plan_flow import harbor_books, owners
from tests.support.processes import Cli


@pytest.fixture
def harbor(session: Session) -> dict[str, Any]:
    return harbor_books(session)


def crm_export(session: Session, path: Path, owner_of: dict[int, int]) -> Path:
    """The accounts as a CRM still has them: each account with the owner `owner_of` gives, by email."""
    emails = {p.id: p.email for p in session.exec(select(Person))}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["external_id", "name", "segment", "arr", "owner", "start_date", "renewal_date"])
        for a in session.exec(select(Account).order_by(Account.id)):
            renewal = a.renewal_date.isoformat() if a.renewal_date else ""
            row = [a.external_id, a.name, a.segment_key, a.arr, emails[owner_of[a.id]], a.start_date, renewal]
            writer.writerow(row)
    return path


def test_an_import_with_the_old_owners_keeps_the_plan_for_its_hold_then_the_source_wins(
    cli: Cli, session: Session, harbor: dict[str, Any], tmp_path: Path
) -> None:
    before = owners(session)
    applied = cli.run("plan", "--team", "Harbor", "--apply")
    assert applied.returncode == 0, applied.stdout
    after = owners(session)
    moved = {a for a in after if after[a] != before[a]}
    assert len(moved) == 5
    plan_id = session.exec(select(PlanApplication)).one().id

    stale = cli.run("import", "accounts", str(crm_export(session, tmp_path / "crm.csv", before)))

    assert stale.returncode == 0, stale.stdout
    assert f"5 accounts moved by plan {plan_id} still have their old owner in the source" in stale.stdout
    session.expire_all()
    assert owners(session) == after

    record = session.exec(select(PlanApplication)).one()
    record.applied_at = datetime.now(UTC) - timedelta(days=31)  # PLAN_HOLD_DAYS (30) have passed
    session.commit()
    late = cli.run("import", "accounts", str(crm_export(session, tmp_path / "crm2.csv", before)))

    assert late.returncode == 0, late.stdout
    assert "still have their old owner" not in late.stdout and "5 owner changes" in late.stdout
    session.expire_all()
    assert owners(session) == before


def test_a_source_that_agrees_with_the_plan_or_names_a_third_owner_wins_at_once(
    cli: Cli, session: Session, harbor: dict[str, Any], tmp_path: Path
) -> None:
    before = owners(session)
    assert cli.run("plan", "--team", "Harbor", "--apply").returncode == 0
    after = owners(session)
    _, second, *_ = sorted(a for a in after if after[a] != before[a])
    fay = harbor["fay"].id
    source = {**after, second: fay}  # the CRM agrees on all moves but one, given to Fay instead

    result = cli.run("import", "accounts", str(crm_export(session, tmp_path / "crm.csv", source)))

    assert result.returncode == 0, result.stdout
    assert "still have" not in result.stdout and "still has" not in result.stdout
    session.expire_all()
    assert owners(session) == source


def test_once_the_source_has_agreed_a_later_return_to_the_old_owner_is_a_real_change(
    cli: Cli, session: Session, harbor: dict[str, Any], tmp_path: Path
) -> None:
    before = owners(session)
    assert cli.run("plan", "--team", "Harbor", "--apply").returncode == 0
    after = owners(session)
    first, *others = sorted(a for a in after if after[a] != before[a])
    plan_id = session.exec(select(PlanApplication)).one().id
    # The CRM catches up on one move only; the others still have their old owner there.
    caught_up = cli.run(
        "import", "accounts", str(crm_export(session, tmp_path / "crm.csv", {**before, first: after[first]}))
    )
    assert caught_up.returncode == 0, caught_up.stdout
    assert f"4 accounts moved by plan {plan_id} still have their old owner" in caught_up.stdout
    session.expire_all()
    assert owners(session) == after

    # Within the hold, the CRM gives all five back to their old owners: for the one it had agreed on,
    # that is someone's decision, and it wins; the four others are still the CRM lagging behind.
    back = cli.run("import", "accounts", str(crm_export(session, tmp_path / "crm2.csv", before)))

    assert back.returncode == 0, back.stdout
    assert "1 owner change" in back.stdout, back.stdout
    assert f"4 accounts moved by plan {plan_id} still have their old owner" in back.stdout
    session.expire_all()
    assert owners(session) == {**after, first: before[first]}
    assert {a: owners(session)[a] for a in others} == {a: after[a] for a in others}
