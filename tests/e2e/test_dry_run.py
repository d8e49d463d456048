"""`csm-coach digest --dry-run` prints the round and writes nothing at all, on either database: not the
steps a real round would generate, not the day it first saw an account, not an alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlmodel as sql
from sqlalchemy import Engine, MetaData, delete, select, update
from sqlmodel import Session, col

from bot.config import Settings
from bot.models import Account, PlaybookStep
from bot.services import steps
from tests.support import company
from tests.support.processes import Cli
from tests.support.slack_standin import SlackStandIn


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the database, in a fixed order."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(select(table).order_by(*table.columns))]
            for name, table in sorted(tables.tables.items())
        }


def account_id(session: Session, external_id: str) -> int:
    account = session.exec(sql.select(Account).where(Account.external_id == external_id)).one()
    assert account.id is not None
    return account.id


def test_a_dry_run_now_or_at_a_future_moment_writes_nothing_that_a_real_round_would(
    cli: Cli, engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    company.load(engine, tmp_path, today=today)
    company.set_channels(session)
    steps.generate(session=session, today=today, cadence=Settings(_env_file=None).review_cadence_days)
    deleted, unseen = account_id(session, "DECL"), account_id(session, "NEW")
    session.exec(delete(PlaybookStep).where(col(PlaybookStep.account_id).in_([deleted, unseen])))
    session.exec(update(Account).where(col(Account.id) == unseen).values(first_seen_on=None))
    session.commit()
    before = snapshot(engine)
    assert before["playbook_step"] and not before["alert"] and not before["delivery"]

    now = cli.run("digest", "--dry-run", env={"COLUMNS": "120"})
    assert now.returncode == 0, now.stdout
    assert "Dunmore Freight" in now.stdout and "DM to" in now.stdout  # the round was worked out
    assert snapshot(engine) == before

    future = (datetime.now(UTC) + timedelta(days=40)).replace(microsecond=0).isoformat()
    later = cli.run("digest", "--dry-run", "--at", future, env={"COLUMNS": "120"})
    assert later.returncode == 0, later.stdout
    assert snapshot(engine) == before
    assert slack.calls() == []

    # The same round for real writes exactly what the dry runs left alone.
    assert cli.run("digest").returncode == 0
    after = snapshot(engine)
    session.expire_all()
    assert session.get(Account, unseen).first_seen_on is not None  # type: ignore[union-attr]
    assert len(after["playbook_step"]) > len(before["playbook_step"]) and after["alert"]
