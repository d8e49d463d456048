"""A plan whose books change between its computation and its writes: nothing moved, nothing recorded,
nobody told, on either database."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.cli.plan import apply_all
from bot.config import Settings
from bot.db import session_scope
from bot.models import Account, PlanApplication, Team
from bot.services import plan as plans
from tests.support.plan_flow import harbor_books, owners
from tests.support.slack_standin import SlackStandIn


def test_an_owner_changed_between_the_plans_computation_and_its_writes_moves_nothing_and_tells_nobody(
    engine: Engine, session: Session, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = harbor_books(session)
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_api_url=slack.base_url)
    now = datetime.now(UTC)
    team = session.exec(select(Team).where(Team.name == "Harbor")).one()
    shown = plans.compute(session=session, team=team, today=now.date(), settings=settings)
    session.rollback()
    moving = shown.plan.moves[0].account.id
    compute = plans.compute

    def compute_then_the_books_change(**kwargs: Any) -> plans.TeamPlan:
        found = compute(**kwargs)
        # Another session moves one of the plan's accounts and commits, before the plan writes anything.
        with session_scope(engine) as other:
            other.exec(update(Account).where(col(Account.id) == moving).values(owner_id=books["eli"].id))
        return found

    monkeypatch.setattr(plans, "compute", compute_then_the_books_change)
    before = owners(session)

    with pytest.raises(plans.BooksChanged):
        apply_all(Console(file=io.StringIO()), engine=engine, settings=settings, now=now, found=[shown])

    assert owners(session) == {**before, moving: books["eli"].id}  # the other session's change alone
    assert session.exec(select(PlanApplication)).all() == []
    assert slack.calls() == []  # no handoff DM, nor anything else
