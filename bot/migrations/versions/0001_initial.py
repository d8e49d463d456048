"""people, teams, segment bands (seeded), accounts, usage

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The recommended accounts-per-CSM bands (docs/how-it-works.md), editable afterwards.
DEFAULT_BANDS = [
    {"key": "smb", "label": "Digital / SMB", "band_low": 125, "band_high": 200, "position": 1},
    {"key": "mid_market", "label": "Mid-market", "band_low": 80, "band_high": 125, "position": 2},
    {"key": "large", "label": "Large", "band_low": 40, "band_high": 80, "position": 3},
    {"key": "enterprise", "label": "Enterprise", "band_low": 10, "band_high": 40, "position": 4},
]


def upgrade() -> None:
    bands = op.create_table(
        "segment_band",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("band_low", sa.Integer(), nullable=False),
        sa.Column("band_high", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("band_low > 0 AND band_high >= band_low", name="ck_segment_band_range"),
    )
    op.bulk_insert(bands, DEFAULT_BANDS)

    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("post_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
    )
    op.create_index("ix_team_name", "team", ["name"], unique=True)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slack_user_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_person_slack_user_id", "person", ["slack_user_id"], unique=True)
    op.create_index("ix_person_email", "person", ["email"], unique=True)
    op.create_index("ix_person_team_id", "person", ["team_id"])

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("segment_key", sa.String(32), sa.ForeignKey("segment_band.key"), nullable=False),
        sa.Column("arr", sa.Float(), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("last_review_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_account_external_id", "account", ["external_id"], unique=True)
    op.create_index("ix_account_owner_id", "account", ["owner_id"])

    op.create_table(
        "usage",
        sa.Column(
            "account_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("usage")
    op.drop_table("account")
    op.drop_table("person")
    op.drop_table("team")
    op.drop_table("segment_band")
