"""usage's primary key carries the value on PostgreSQL, so detection reads the key alone

Detection sums each account's last 35 days through the (account_id, day) key. With the value in
the key (INCLUDE) and the table vacuumed after each import, PostgreSQL answers from the key without
visiting the table: 1.1 s against 1.5 s for 100,000 accounts. SQLite's usage table is already
its key (WITHOUT ROWID), so nothing changes there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(include: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE usage DROP CONSTRAINT usage_pkey")
        op.execute(f"ALTER TABLE usage ADD CONSTRAINT usage_pkey PRIMARY KEY (account_id, day){include}")


def upgrade() -> None:
    _key(" INCLUDE (value)")


def downgrade() -> None:
    _key("")
