"""Two real `csm-coach clock` processes started by mistake sync once: the day's sync is claimed by a row.

SYNC_TIME is 00:00 UTC, always past, so each clock's catch-up job syncs at start, without waiting for
the clock on the wall."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bot.models import SyncRun, SyncState, Usage
from tests.e2e.test_clock_process import Output, stop
from tests.support import company, warehouse
from tests.support.processes import EVERY_DAY, Cli


def test_two_clocks_started_after_sync_time_sync_once(
    engine: Engine, session: Session, cli: Cli, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    warehouse.fill(url, *company.write_files(tmp_path, today=today))
    warehouse.write_config(cli.workdir / "csm-coach.toml", url)
    env = {**EVERY_DAY, "SYNC_TIME": "00:00"}

    clocks = [cli.start("clock", env=env), cli.start("clock", env=env)]
    outputs = [Output(clock) for clock in clocks]
    for output in outputs:
        output.wait_for("catch up on today's sync", "executed successfully", timeout=120)
    for clock, output in zip(clocks, outputs, strict=True):
        assert stop(clock, 10) < 10 and clock.returncode == 0, output.text()

    synced = [output.text().count("usage from sqlite:///") for output in outputs]
    assert sorted(synced) == [0, 1], [output.text()[-3000:] for output in outputs]
    runs = session.exec(select(SyncRun)).scalars().all()
    assert sorted((r.source, r.run_date, r.state, r.started_by) for r in runs) == [
        (kind, today, SyncState.DONE, "clock") for kind in ("accounts", "team", "usage")
    ]
    with engine.connect() as connection:
        held = connection.execute(select(func.count()).select_from(Usage)).scalar_one()
    done = next(r for r in runs if r.source == "usage")
    assert done.summary is not None and f"{held:,} new" in done.summary, done.summary
