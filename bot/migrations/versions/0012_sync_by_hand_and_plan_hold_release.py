"""a sync by hand is recorded beside the clock's daily one; a plan's hold remembers the source agreeing

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BY_CLOCK = sa.text("started_by = 'clock'")


def upgrade() -> None:
    # SQLite cannot drop a constraint in place: batch mode copies the table.
    with op.batch_alter_table("sync_run") as batch:
        batch.add_column(
            sa.Column("started_by", sa.String(length=16), nullable=False, server_default="clock")
        )
        batch.drop_constraint("uq_sync_run_once", type_="unique")
    # Only the clock's daily run is once per source and day; syncs by hand are any number.
    op.create_index(
        "uq_sync_run_once",
        "sync_run",
        ["source", "run_date"],
        unique=True,
        sqlite_where=_BY_CLOCK,
        postgresql_where=_BY_CLOCK,
    )
    op.create_table(
        "plan_hold_release",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_application_id", sa.Integer(), sa.ForeignKey("plan_application.id"), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("plan_application_id", "external_id", name="uq_plan_hold_release_once"),
    )


def downgrade() -> None:
    op.drop_table("plan_hold_release")
    op.drop_index("uq_sync_run_once", table_name="sync_run")
    op.execute("DELETE FROM sync_run WHERE started_by <> 'clock'")
    with op.batch_alter_table("sync_run") as batch:
        batch.drop_column("started_by")
        batch.create_unique_constraint("uq_sync_run_once", ["source", "run_date"])
