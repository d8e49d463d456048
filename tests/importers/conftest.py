"""Helpers for the importer tests: CSV files in tmp_path and a look at everything stored."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.importers.team import import_team
from tests.support.importing import TEAM_CSV, WriteCsv

TABLES = {
    "team": "id, name, channel_id, post_time, timezone",
    "person": "id, slack_user_id, email, name, team_id, role, timezone, active",
    "account": "id, external_id, name, segment_key, arr, owner_id, start_date, renewal_date, "
    "last_review_date",
    "usage": "account_id, day, value",
}


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write a CSV file (text is dedented; bytes are written as they are) and return its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8", newline="")
        return path

    return write


@pytest.fixture
def team(engine: Engine, write_csv: WriteCsv) -> None:
    """Three people (U001, U002 in EMEA; U003 in AMER) already imported."""
    import_team(write_csv("team.csv", TEAM_CSV), engine=engine)


@pytest.fixture
def snapshot(engine: Engine) -> Callable[[], dict[str, list[tuple[object, ...]]]]:
    """Every stored row of the data tables, to prove a failed import changed nothing."""

    def take() -> dict[str, list[tuple[object, ...]]]:
        with engine.connect() as conn:
            return {
                table: [
                    tuple(row) for row in conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1, 2"))
                ]
                for table, columns in TABLES.items()
            }

    return take
