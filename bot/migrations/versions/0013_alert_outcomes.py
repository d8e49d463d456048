"""alert outcomes: the baseline when raised, the day it recovered to it, and every action taken on it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("raised_baseline_mean", sa.Float(), nullable=True))
        batch.add_column(sa.Column("recovered_on", sa.Date(), nullable=True))
    # Only an alert never updated since the morning it was raised still holds that morning's baseline;
    # the others' is lost, and the outreach lift leaves them out rather than guess it.
    op.execute("UPDATE alert SET raised_baseline_mean = baseline_mean WHERE last_seen_on = opened_on")
    op.create_table(
        "alert_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("acted_by", sa.String(length=32), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_alert_action_alert_id", "alert_action", ["alert_id"])
    op.create_index("ix_alert_action_acted_at", "alert_action", ["acted_at"])
    # The actions already on record: the outreach, and the latest snooze (the earlier ones were overwritten).
    op.execute(
        "INSERT INTO alert_action (alert_id, kind, acted_by, acted_at) SELECT id, 'reached_out', "
        "reached_out_by, reached_out_at FROM alert "
        "WHERE reached_out_by IS NOT NULL AND reached_out_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO alert_action (alert_id, kind, acted_by, acted_at) SELECT id, 'snoozed', snoozed_by, "
        "snoozed_at FROM alert WHERE snoozed_by IS NOT NULL AND snoozed_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_alert_action_acted_at", table_name="alert_action")
    op.drop_index("ix_alert_action_alert_id", table_name="alert_action")
    op.drop_table("alert_action")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("recovered_on")
        batch.drop_column("raised_baseline_mean")
