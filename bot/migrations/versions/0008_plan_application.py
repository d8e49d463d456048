"""rebalancing plans applied: who, when, their moves, and the fingerprint of the books they came from

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("applied_by", sa.String(32), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moves_json", sa.String(), nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_plan_application_fingerprint"),
    )
    op.create_index("ix_plan_application_team_id", "plan_application", ["team_id"])


def downgrade() -> None:
    op.drop_table("plan_application")
