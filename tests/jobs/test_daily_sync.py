"""The clock's daily sync: once per deployment whatever the number of clocks, from SYNC_TIME to the end
of the UTC day, and a failure said in the morning posts of the teams it feeds."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import sqlmodel
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bot.config import Settings
from bot.jobs.compose import plan_round
from bot.jobs.daily_sync import daily_sync
from bot.models import SyncRun, SyncState, Usage
from bot.outbox.outgoing import ChannelPost, MorningDm
from tests.support import company, warehouse
from tests.support.blockcheck import message_text

TODAY = company.TODAY
SETTINGS = Settings(_env_file=None, sync_time="06:00")
AT_SIX = datetime.combine(TODAY, time(6, 0), tzinfo=UTC)


def sqlite_warehouse(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    warehouse.fill(url, *company.write_files(tmp_path, today=TODAY))
    return warehouse.write_config(tmp_path / "csm-coach.toml", url)


def runs(engine: Engine) -> dict[str, tuple[SyncState, str | None]]:
    with Session(engine) as session:
        return {r.source: (r.state, r.error) for r in session.exec(sqlmodel.select(SyncRun)).all()}


def usage_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Usage)).scalar_one()


def test_two_clocks_at_the_same_moment_sync_once(engine: Engine, tmp_path: Path) -> None:
    config = sqlite_warehouse(tmp_path)
    start = threading.Barrier(2)
    said: list[list[str]] = []

    def clock() -> None:
        start.wait()
        said.append(daily_sync(engine=engine, settings=SETTINGS, now=AT_SIX, path=config))

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(bool(lines) for lines in said) == [False, True], said
    assert runs(engine) == {kind: (SyncState.DONE, None) for kind in ("team", "accounts", "usage")}
    held = usage_rows(engine)
    assert held > 0
    later = daily_sync(engine=engine, settings=SETTINGS, now=AT_SIX + timedelta(hours=3), path=config)
    assert later == [] and usage_rows(engine) == held  # the day's sync is taken: a restart adds nothing


def test_a_clock_syncs_from_sync_time_on_and_catches_up_when_started_late(
    engine: Engine, tmp_path: Path
) -> None:
    config = sqlite_warehouse(tmp_path)
    early = daily_sync(engine=engine, settings=SETTINGS, now=AT_SIX - timedelta(minutes=1), path=config)
    assert early == [] and runs(engine) == {}

    late = daily_sync(engine=engine, settings=SETTINGS, now=AT_SIX + timedelta(hours=11), path=config)
    assert any(line.startswith("usage from sqlite:///") for line in late), late
    assert runs(engine)["usage"] == (SyncState.DONE, None)


def test_a_failed_sync_leaves_its_reason_in_the_next_morning_posts(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    (tmp_path / "csv").mkdir()
    company.load(engine, tmp_path / "csv", today=TODAY, last_day=company.days_back(3))
    company.set_channels(session)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    warehouse.fill(url, *company.write_files(tmp_path, today=TODAY))
    config = tmp_path / "csm-coach.toml"
    warehouse.write_config(config, url, kinds=("team", "accounts"))
    with open(config, "a", encoding="utf-8") as file:  # a table the warehouse lost, its name hostile
        file.write(f'\n[sync.usage]\nurl = "{url}"\nquery = \'SELECT * FROM "<!channel> gone"\'\n')

    said = daily_sync(engine=engine, settings=SETTINGS, now=AT_SIX, path=config)

    assert "sync usage: the source said: no such table: <!channel> gone" in said, said
    assert runs(engine)["usage"] == (SyncState.FAILED, "the source said: no such table: <!channel> gone")
    plans = plan_round(
        engine=engine, now=AT_SIX + timedelta(hours=3), settings=SETTINGS, team_name=None, commit=False
    )
    posts = [o for plan in plans for o in plan.outgoing]
    assert {type(o.key) for o in posts} == {ChannelPost, MorningDm}
    reason = "usage sync of Mon 23 Nov failed: the source said: no such table: &lt;!channel&gt; gone."
    for post in posts:
        words = message_text({"blocks": post.message.block_dicts()})
        assert "The usage data is 3 days old" in words, words
        assert reason in words, words
        assert "<!channel>" not in words
