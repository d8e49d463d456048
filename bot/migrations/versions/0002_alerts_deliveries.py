"""usage alerts, morning-round deliveries, first/last usage day per account

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("first_usage_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_usage_day", sa.Date(), nullable=True))
        batch.create_index("ix_account_last_usage_day", ["last_usage_day"])
    # Accounts imported before this revision: derive the days from the usage already stored.
    op.execute(
        "UPDATE account SET "
        "first_usage_day = (SELECT min(day) FROM usage WHERE usage.account_id = account.id), "
        "last_usage_day = (SELECT max(day) FROM usage WHERE usage.account_id = account.id)"
    )

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("drop", sa.Float(), nullable=False),
        sa.Column("recent_mean", sa.Float(), nullable=False),
        sa.Column("baseline_mean", sa.Float(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("snoozed_at_drop", sa.Float(), nullable=True),
        sa.Column("snoozed_by", sa.String(32), nullable=True),
        sa.Column("snoozed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached_out_by", sa.String(32), nullable=True),
        sa.Column("reached_out_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_alert_account_id", "alert", ["account_id"])
    op.create_index(
        "uq_alert_open_account",
        "alert",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text("closed_on IS NULL"),
        postgresql_where=sa.text("closed_on IS NULL"),
    )

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.UniqueConstraint("kind", "recipient", "local_date", name="uq_delivery_once"),
    )


def downgrade() -> None:
    op.drop_table("delivery")
    op.drop_table("alert")
    with op.batch_alter_table("account") as batch:
        batch.drop_index("ix_account_last_usage_day")
        batch.drop_column("last_usage_day")
        batch.drop_column("first_usage_day")
