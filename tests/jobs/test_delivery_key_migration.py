"""Migration 0006: a channel post's key gains its team, and every delivery already recorded is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from bot.db import MIGRATIONS_DIR, migrate

DAY = date(2026, 11, 23)


def insert_delivery(engine: Engine, kind: str, recipient: str, team_id: int | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO delivery (kind, recipient, local_date, team_id, status, attempts, claimed_at)"
                " VALUES (:kind, :recipient, :day, :team, 'sent', 1, :at)"
            ),
            {"kind": kind, "recipient": recipient, "day": DAY, "team": team_id, "at": datetime.now(UTC)},
        )


def downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_the_post_key_gains_the_team_and_every_row_is_kept(engine: Engine) -> None:
    downgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO team (id, name, channel_id, post_time) VALUES (1, 'A', 'C0A', '09:00')")
        )
        connection.execute(
            text("INSERT INTO team (id, name, channel_id, post_time) VALUES (2, 'B', NULL, '09:00')")
        )
        connection.execute(
            text(
                "INSERT INTO person (slack_user_id, email, name, team_id, role, timezone, active)"
                " VALUES ('U0A', 'a@example.com', 'A', 2, 'csm', 'UTC', true)"
            )
        )
    insert_delivery(engine, "channel_post", "C0A", None)  # written before rows carried their team
    insert_delivery(engine, "dm", "U0A", None)
    insert_delivery(engine, "channel_post", "C0GONE", None)  # a channel no team has any more
    migrate(engine)

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, recipient, team_id FROM delivery ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("channel_post", "C0A", 1),
        ("dm", "U0A", 2),
        ("channel_post", "C0GONE", None),
    ]

    insert_delivery(engine, "channel_post", "C0A", 2)  # team B shares the channel: its own post
    with pytest.raises(IntegrityError):
        insert_delivery(engine, "channel_post", "C0A", 1)  # team A's post, a second time
    with pytest.raises(IntegrityError):
        insert_delivery(engine, "dm", "U0A", 1)  # one DM a morning, whatever the team
