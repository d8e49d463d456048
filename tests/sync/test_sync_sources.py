"""`sync` from real SQL sources loads what the CSV import loads: the same `/myload`, the same morning."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlmodel import Session

from bot.config import Settings
from bot.db import get_engine, migrate
from bot.jobs.compose import plan_round
from bot.models import Usage
from bot.services.freshness import settle
from bot.slack.answers import myload
from bot.slack.interactions import SlashCommand
from bot.sync.config import load_sources
from bot.sync.fetch import SyncError
from bot.sync.run import Synced, sync_source
from tests.support import company, warehouse
from tests.support.blockcheck import message_text
from tests.sync.conftest import WarehouseUrl

TODAY = company.TODAY
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=UTC)
SETTINGS = Settings(_env_file=None)
SOURCES = ["sqlite", "postgres", "duckdb"]


def sync_all(config: Path, engine: Engine) -> list[Synced]:
    done = []
    for source in load_sources(config).values():
        done.append(sync_source(source, engine=engine, today=TODAY))
        settle(source.kind, engine=engine, now=NOW, settings=SETTINGS)
    return done


def what_they_see(engine: Engine) -> dict[str, Any]:
    """Every CSM's `/myload` and every message of the morning round, as words."""
    with Session(engine) as session:
        loads = {
            user: message_text(
                myload.answer(
                    SlashCommand.of({"command": "/myload", "user_id": user, "text": "", "channel_id": "C0"}),
                    session=session,
                    settings=SETTINGS,
                    now=NOW,
                ).ephemeral()
            )
            for user in ("U0ANA", "U0BEN", "U0SAM")
        }
    company.set_channels(Session(engine))
    plans = plan_round(engine=engine, now=NOW, settings=SETTINGS, team_name=None, commit=False)
    round_ = [
        (o.key, o.recipient, o.message.text, message_text({"blocks": o.message.block_dicts()}))
        for plan in plans
        for o in plan.outgoing
    ]
    return {"myload": loads, "round": round_}


def imported_by_csv(tmp_path: Path) -> dict[str, Any]:
    reference = get_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    migrate(reference)
    company.load(reference, tmp_path / "csv", today=TODAY)
    for kind in ("accounts", "usage"):
        settle(kind, engine=reference, now=NOW, settings=SETTINGS)
    return what_they_see(reference)


@pytest.mark.parametrize("kind", SOURCES)
def test_a_sync_from_a_source_with_its_own_column_names_says_what_the_csv_import_says(
    kind: str, warehouse_url: WarehouseUrl, engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "csv").mkdir()
    files = company.write_files(tmp_path / "csv", today=TODAY)
    url = warehouse_url(kind)
    warehouse.fill(url, *files)
    config = warehouse.write_config(tmp_path / "csm-coach.toml", url)

    team, accounts, usage = sync_all(config, engine)

    assert (team.result.rows, accounts.result.rows) == (4, len(company.ACCOUNTS))
    assert usage.since is not None and usage.since.year == 1990  # nothing held: everything asked for
    assert usage.result.created == usage.result.rows > 0
    seen = what_they_see(engine)
    assert seen["round"], "the round says something"
    assert seen == imported_by_csv(tmp_path)


@pytest.mark.parametrize("kind", SOURCES)
def test_a_second_sync_with_one_new_day_reports_only_that_day(
    kind: str, warehouse_url: WarehouseUrl, engine: Engine, tmp_path: Path
) -> None:
    yesterday = company.days_back(1)
    files = company.write_files(tmp_path, today=TODAY, last_day=company.days_back(2))
    url = warehouse_url(kind)
    warehouse.fill(url, *files)
    config = warehouse.write_config(tmp_path / "csm-coach.toml", url)
    sync_all(config, engine)
    with engine.begin() as connection:
        held_before = connection.execute(select(func.count()).select_from(Usage)).scalar_one()

    source_engine = create_engine(url)
    with source_engine.begin() as connection:
        warehouse.add_usage(connection, [(ref, yesterday, "100") for ref in company.ACCOUNTS])
    source_engine.dispose()
    usage = sync_source(load_sources(config)["usage"], engine=engine, today=TODAY)

    assert usage.since == company.days_back(2 + 3)  # the newest day held less resync_days
    accounts = len(company.ACCOUNTS)
    present = sum(
        1
        for *_, curve in company.ACCOUNTS.values()
        for age in (2, 3, 4, 5)
        if curve(company.days_back(age), age) is not None
    )
    assert (usage.result.created, usage.result.updated) == (accounts, 0)
    assert usage.result.unchanged == present
    assert usage.result.rows == accounts + present
    with engine.begin() as connection:
        held = connection.execute(select(func.count()).select_from(Usage)).scalar_one()
    assert held == held_before + accounts


@pytest.mark.parametrize("kind", SOURCES)
def test_a_bad_row_names_its_row_and_column_and_changes_nothing(
    kind: str, warehouse_url: WarehouseUrl, engine: Engine, tmp_path: Path
) -> None:
    files = company.write_files(tmp_path, today=TODAY)
    url = warehouse_url(kind)
    warehouse.fill(url, *files)
    config = warehouse.write_config(tmp_path / "csm-coach.toml", url)
    sync_all(config, engine)
    with engine.begin() as connection:
        before = sorted(connection.execute(select(Usage.account_id, Usage.day, Usage.value)).all())

    source_engine = create_engine(url)
    with source_engine.begin() as connection:
        warehouse.add_usage(connection, [("DECL", TODAY, "5"), ("NOBODY", TODAY, "7")])
    source_engine.dispose()
    with pytest.raises(SyncError) as raised:
        sync_source(load_sources(config)["usage"], engine=engine, today=TODAY)

    # Ordered by day then account: the resynced days' rows, then DECL, then NOBODY, the last row.
    with create_engine(url).connect() as connection:
        rows = connection.execute(
            select(func.count())
            .select_from(warehouse.DAILY)
            .where(warehouse.DAILY.c.activity_day >= company.days_back(1 + 3))
        ).scalar_one()
    assert str(raised.value).startswith(f"sync usage: row {rows}, column external_id: "), raised.value
    assert "NOBODY" in str(raised.value)
    with engine.begin() as connection:
        after = sorted(connection.execute(select(Usage.account_id, Usage.day, Usage.value)).all())
    assert after == before
