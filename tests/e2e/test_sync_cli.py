"""`csm-coach sync` as a user runs it: a whole sync from a warehouse file, then an incremental one; and a
source whose password must never be printed, whatever fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.db import get_engine
from bot.models import SyncRun, SyncState
from bot.services import sync_runs
from tests.support import company, warehouse
from tests.support.processes import Cli, free_port

PASSWORD = "Hunter2s3cretPW"


def test_sync_loads_every_source_in_order_then_asks_only_for_the_days_since_the_newest(
    cli: Cli, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    files = company.write_files(tmp_path, today=today)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    warehouse.fill(url, *files)
    warehouse.write_config(cli.workdir / "csm-coach.toml", url)  # found in the working directory

    first = cli.run("sync")
    assert first.returncode == 0, first.stdout
    said = first.stdout
    assert said.index("team from sqlite:///") < said.index("accounts from") < said.index("usage from"), said
    assert "4 rows read; 4 created" in said, said
    assert "Declining usage now: 4 accounts." in said, said  # company.EXPECTED_FLAGGED

    again = cli.run("sync", "usage")
    assert again.returncode == 0, again.stdout
    assert "; 0 new, 0 replaced," in again.stdout, again.stdout
    since = company.days_back(1 + 3, today).isoformat()  # the newest day held less resync_days
    assert f"days since {since} asked for" in again.stdout, again.stdout
    assert "team from" not in again.stdout


def test_a_password_in_a_source_url_is_never_printed_whatever_fails(cli: Cli, tmp_path: Path) -> None:
    env = {"WH_PASSWORD": PASSWORD, "CSM_COACH_CONFIG": str(tmp_path / "sources.toml")}
    refused = f"postgresql://csm:${{WH_PASSWORD}}@127.0.0.1:{free_port()}/warehouse"
    warehouse.write_config(tmp_path / "sources.toml", refused)
    done = cli.run("sync", env=env)
    assert done.returncode == 1, done.stdout
    assert "csm-coach: sync team: the source said:" in done.stdout, done.stdout
    assert "Not synced, as the sync stops at the first failure: accounts, usage." in done.stdout
    assert PASSWORD not in done.stdout

    (tmp_path / "sources.toml").write_text(
        '[sync.usage]\nurl = "postgresql+nodriver://csm:${WH_PASSWORD}@[::1/x"\nquery = "SELECT 1"\n'
    )
    unparsable = cli.run("sync", env=env)
    assert unparsable.returncode == 2, unparsable.stdout
    assert "sources.toml: [sync.usage] url: not a SQLAlchemy URL" in unparsable.stdout, unparsable.stdout
    assert PASSWORD not in unparsable.stdout

    missing = cli.run("sync", env={"CSM_COACH_CONFIG": env["CSM_COACH_CONFIG"]})
    assert missing.returncode == 2, missing.stdout
    assert "[sync.usage] url: the environment variable WH_PASSWORD is not set" in missing.stdout


def test_a_sync_by_hand_clears_the_failed_line_and_leaves_the_clocks_daily_slot(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    engine = get_engine(database_url)
    try:
        # The clock's sync failed this morning: the posts say so.
        assert sync_runs.claim(engine=engine, sources=["usage"], day=now.date(), now=now) == ["usage"]
        sync_runs.finish(engine=engine, source="usage", day=now.date(), now=now, error="the source said: no")
        with Session(engine) as session:
            assert [f.source for f in sync_runs.recent_failures(session=session, today=now.date())] == [
                "usage"
            ]

        files = company.write_files(tmp_path, today=now.date())
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
        warehouse.fill(url, *files)
        warehouse.write_config(cli.workdir / "csm-coach.toml", url)
        done = cli.run("sync")
        assert done.returncode == 0, done.stdout

        with Session(engine) as session:
            assert sync_runs.recent_failures(session=session, today=now.date()) == []
            by_hand = session.exec(select(SyncRun).where(SyncRun.started_by == sync_runs.BY_HAND)).all()
        assert sorted((r.source, r.state) for r in by_hand) == [
            ("accounts", SyncState.DONE),
            ("team", SyncState.DONE),
            ("usage", SyncState.DONE),
        ]
        assert all(r.summary and r.summary.startswith(f"{r.source} from sqlite:///") for r in by_hand)
        # Tomorrow's daily slot, and today's of a source the clock has not run, are still the clock's.
        tomorrow = now + timedelta(days=1)
        assert sync_runs.claim(engine=engine, sources=["team"], day=now.date(), now=now) == ["team"]
        assert sync_runs.claim(engine=engine, sources=["usage"], day=tomorrow.date(), now=tomorrow) == [
            "usage"
        ]

        # A sync by hand that fails is the latest word: the posts say it.
        (cli.workdir / "csm-coach.toml").write_text(
            f'[sync.usage]\nurl = "{url}"\nquery = "SELECT 1 AS external_id"\n', encoding="utf-8"
        )
        failed = cli.run("sync", "usage")
        assert failed.returncode == 1, failed.stdout
        with Session(engine) as session:
            failures = sync_runs.recent_failures(session=session, today=now.date())
        assert [(f.source, f.reason.split(" (")[0]) for f in failures] == [
            ("usage", 'missing columns "date", "value" in the query\'s result')
        ]
    finally:
        engine.dispose()
