"""Another connection holding the locks a request needs, as an import or the morning round would."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from sqlalchemy import Engine, make_url, text


@contextlib.contextmanager
def write_lock_held(engine: Engine, database_url: str, *, tables: str = "alert, team") -> Iterator[None]:
    """SQLite's write lock, or on PostgreSQL the `tables` (comma-separated) in EXCLUSIVE mode: readers
    go on, writers wait."""
    if engine.dialect.name == "sqlite":
        holder = sqlite3.connect(make_url(database_url).database or "", timeout=1, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()
