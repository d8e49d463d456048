"""playbook steps; the day each account was first seen; delivered messages' blocks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("first_seen_on", sa.Date(), nullable=True))
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("blocks_json", sa.String(), nullable=True))

    op.create_table(
        "playbook_step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("playbook", sa.String(40), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("completed_by", sa.String(32), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("agreed_outcomes", sa.String(), nullable=True),
        sa.Column("results_reviewed", sa.String(), nullable=True),
        sa.Column("next_outcomes", sa.String(), nullable=True),
        sa.Column("expansion_found", sa.Boolean(), nullable=True),
        sa.Column("skip_reason", sa.String(500), nullable=True),
        sa.UniqueConstraint("account_id", "playbook", "step", "sequence", name="uq_playbook_step_once"),
    )
    op.create_index("ix_playbook_step_account_id", "playbook_step", ["account_id"])
    op.create_index("ix_playbook_step_open_due", "playbook_step", ["status", "due_on"])


def downgrade() -> None:
    op.drop_table("playbook_step")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("blocks_json")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("first_seen_on")
