"""usage.account_id without a foreign key: the import checks every account itself

On PostgreSQL the per-row foreign-key check took two thirds of a bulk usage import (52k rows/s
with it, against 200k rows/s needed). The importer reads the account map inside its own
transaction and refuses any row whose account is not in it, and accounts are never deleted, so
the constraint proved nothing the import had not already checked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite cannot drop a constraint: the table is rebuilt, keeping its WITHOUT ROWID layout.
_SQLITE_USAGE = (
    "CREATE TABLE usage_rebuilt (account_id INTEGER NOT NULL, day DATE NOT NULL, value FLOAT NOT NULL,"
    " PRIMARY KEY (account_id, day){fk}) WITHOUT ROWID"
)
_SQLITE_FK = ", FOREIGN KEY(account_id) REFERENCES account (id) ON DELETE CASCADE"


def _rebuild_sqlite(fk: str) -> None:
    op.execute(_SQLITE_USAGE.format(fk=fk))
    op.execute("INSERT INTO usage_rebuilt (account_id, day, value) SELECT account_id, day, value FROM usage")
    op.execute("DROP TABLE usage")
    op.execute("ALTER TABLE usage_rebuilt RENAME TO usage")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite("")
    else:
        op.drop_constraint("usage_account_id_fkey", "usage", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(_SQLITE_FK)
    else:
        op.create_foreign_key(
            "usage_account_id_fkey", "usage", "account", ["account_id"], ["id"], ondelete="CASCADE"
        )
