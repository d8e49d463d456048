"""The Alembic migrations build exactly the schema the models describe, with the bands seeded."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import migrate


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata
        )
    assert diff == []


def test_default_bands_are_seeded(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, band_low, band_high FROM segment_band ORDER BY position")).all()
    assert [tuple(r) for r in rows] == [
        ("smb", 125, 200),
        ("mid_market", 80, 125),
        ("large", 40, 80),
        ("enterprise", 10, 40),
    ]


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM segment_band")).scalar_one() == 4
