"""Migration 0013: alerts already recorded keep what is known of their outcome, and nothing is guessed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

from bot.db import migrate
from tests.jobs.test_delivery_key_migration import downgrade

DAY = date(2026, 11, 23)
AT = datetime(2026, 11, 24, 10, tzinfo=UTC)


def test_actions_on_record_become_rows_and_only_an_untouched_baseline_is_kept(engine: Engine) -> None:
    downgrade(engine, "0012")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO team (id, name, post_time) VALUES (1, 'A', '09:00')"))
        connection.execute(
            text(
                "INSERT INTO person (id, slack_user_id, email, name, team_id, role, timezone, active)"
                " VALUES (1, 'U0A', 'a@example.com', 'A', 1, 'csm', 'UTC', true)"
            )
        )
        for i in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO account (id, external_id, name, segment_key, arr, owner_id, start_date)"
                    " VALUES (:i, :ext, 'X', 'smb', 1000, 1, :day)"
                ),
                {"i": i, "ext": f"X{i}", "day": DAY},
            )
        insert = (
            'INSERT INTO alert (id, account_id, opened_on, last_seen_on, "drop", recent_mean, baseline_mean,'
            " reached_out_by, reached_out_at, snoozed_by, snoozed_at)"
            " VALUES (:id, :account, :opened, :seen, 0.5, 5, 10,"
            " :reached, :reached_at, :snoozed, :snoozed_at)"
        )
        connection.execute(
            text(insert),
            {
                "id": 1,
                "account": 1,
                "opened": DAY,
                "seen": DAY,
                "reached": "U0A",
                "reached_at": AT,
                "snoozed": "U0A",
                "snoozed_at": AT,
            },
        )
        connection.execute(
            text(insert),
            {
                "id": 2,
                "account": 2,
                "opened": DAY,
                "seen": date(2026, 11, 25),
                "reached": None,
                "reached_at": None,
                "snoozed": None,
                "snoozed_at": None,
            },
        )
    migrate(engine)

    with engine.connect() as connection:
        baselines = connection.execute(text("SELECT id, raised_baseline_mean FROM alert ORDER BY id")).all()
        actions = connection.execute(
            text("SELECT alert_id, kind, acted_by FROM alert_action ORDER BY kind")
        ).all()
    assert [tuple(r) for r in baselines] == [(1, 10.0), (2, None)]  # alert 2 was updated since: unknown
    assert [tuple(r) for r in actions] == [(1, "reached_out", "U0A"), (1, "snoozed", "U0A")]
