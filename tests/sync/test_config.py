"""`csm-coach.toml`: a bad file is one line naming the file, the table and the key; and what a query's
result must hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.errors import CannotStart
from bot.sync.config import load_sources
from bot.sync.fetch import SyncError
from bot.sync.run import sync_source
from tests.support import company, warehouse

URL = "sqlite:///warehouse.db"


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ("[sync.usage]\nquery = 'SELECT 1'\n", "[sync.usage] url: missing (a string)"),
        (
            f"[sync.usage]\nurl = '{URL}'\nquery = 'x'\nresync_days = -1\n",
            "[sync.usage] resync_days: expected",
        ),
        (f"[sync.usage]\nurl = '{URL}'\nquery = 'x'\nresync = 1\n", "[sync.usage] resync: unknown key"),
        (
            f"[sync.accounts]\nurl = '{URL}'\nquery = 'x'\nresync_days = 1\n",
            "[sync.accounts] resync_days: unknown",
        ),
        (f"[sync.deals]\nurl = '{URL}'\nquery = 'x'\n", "[sync.deals]: unknown table"),
        (
            "[sync.usage]\nurl = 'x://${NOT_SET_ANYWHERE}'\nquery = 'x'\n",
            "the environment variable NOT_SET_ANYWHERE",
        ),
        ("[other]\n", "no [sync.team], [sync.accounts] or [sync.usage] table"),
        ("[sync.usage\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_table_and_key(tmp_path: Path, toml: str, said: str) -> None:
    path = tmp_path / "csm-coach.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(CannotStart) as raised:
        load_sources(path, environ={})
    assert str(raised.value).startswith(f"{path}:"), raised.value
    assert said in str(raised.value)
    assert "\n" not in str(raised.value)


def source_with(tmp_path: Path, kind: str, query: str) -> Path:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    warehouse.fill(url, *company.write_files(tmp_path, today=company.TODAY))
    path = tmp_path / "csm-coach.toml"
    path.write_text(f'[sync.{kind}]\nurl = "{url}"\nquery = """{query}"""\n', encoding="utf-8")
    return path


def test_a_result_without_some_of_the_columns_names_every_one(engine: Engine, tmp_path: Path) -> None:
    path = source_with(tmp_path, "team", "SELECT member_id AS slack_user_id, work_email FROM crm_people")
    with pytest.raises(
        SyncError,
        match=r'^sync team: missing columns "email", "name", "team", "role", "timezone" in the query',
    ):
        sync_source(load_sources(path)["team"], engine=engine, today=company.TODAY)


def test_only_since_may_be_a_parameter_and_only_in_a_usage_query(engine: Engine, tmp_path: Path) -> None:
    path = source_with(tmp_path, "team", "SELECT * FROM crm_people WHERE squad = :squad")
    with pytest.raises(
        SyncError, match=r"^sync team: the query has a parameter :squad \(none in this query\)"
    ):
        sync_source(load_sources(path)["team"], engine=engine, today=company.TODAY)


def test_a_usage_query_without_since_runs_whole_and_says_so(engine: Engine, tmp_path: Path) -> None:
    path = source_with(tmp_path, "team", warehouse.QUERIES["team"])
    with open(path, "a", encoding="utf-8") as file:
        file.write(f'[sync.accounts]\nurl = "sqlite:///{tmp_path / "warehouse.db"}"\n')
        file.write(f'query = """{warehouse.QUERIES["accounts"]}"""\n')
        file.write(f'[sync.usage]\nurl = "sqlite:///{tmp_path / "warehouse.db"}"\n')
        file.write(
            'query = "SELECT acct_ref AS external_id, activity_day AS date, active_users AS value '
            'FROM product_daily"\n'
        )
    sources = load_sources(path)
    for kind in ("team", "accounts"):
        sync_source(sources[kind], engine=engine, today=company.TODAY)
    first = sync_source(sources["usage"], engine=engine, today=company.TODAY)
    again = sync_source(sources["usage"], engine=engine, today=company.TODAY)
    assert again.whole and "has no :since parameter" in again.summary()
    assert again.result.rows == first.result.rows == again.result.unchanged


def test_usage_of_accounts_not_held_is_bad_input_unless_the_source_skips_it(
    engine: Engine, tmp_path: Path
) -> None:
    path = source_with(tmp_path, "team", warehouse.QUERIES["team"])
    trial = (
        "SELECT acct_ref AS external_id, activity_day AS date, active_users AS value FROM product_daily "
        "WHERE activity_day >= :since UNION ALL SELECT 'TRIAL9', '2026-11-20', 3"
    )
    with open(path, "a", encoding="utf-8") as file:
        file.write(f'[sync.accounts]\nurl = "sqlite:///{tmp_path / "warehouse.db"}"\n')
        file.write(f'query = """{warehouse.QUERIES["accounts"]}"""\n')
        file.write(f'[sync.usage]\nurl = "sqlite:///{tmp_path / "warehouse.db"}"\nquery = "{trial}"\n')
    sources = load_sources(path)
    for kind in ("team", "accounts"):
        sync_source(sources[kind], engine=engine, today=company.TODAY)
    with pytest.raises(SyncError, match=r"row 857, column external_id: unknown account \"TRIAL9\""):
        sync_source(sources["usage"], engine=engine, today=company.TODAY)

    path.write_text(path.read_text(encoding="utf-8") + "skip_unknown_accounts = true\n", encoding="utf-8")
    skipping = sync_source(load_sources(path)["usage"], engine=engine, today=company.TODAY)
    assert "1 row of an unknown account skipped" in skipping.summary(), skipping.summary()
    assert skipping.result.created > 0
