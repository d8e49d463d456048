"""Engine, session scope and schema migration."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, event, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x63736D  # "csm"


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the web process read while an import or the morning round writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def update_if(session: Session, row: SQLModel, condition: ColumnElement[bool], **values: Any) -> bool:
    """Write `values` to `row` only if `condition` still holds in the database; reload `row` either way.

    Two processes may both read a row and decide to change it (one click through two web processes);
    the database re-checks `condition` as it writes, so only one of them does, and both then show it.
    """
    model = type(row)
    statement = (
        update(model)
        .where(model.__table__.c.id == row.id, condition)  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    written = session.exec(statement).rowcount  # type: ignore[call-overload]
    session.refresh(row)
    return bool(written == 1)


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE on PostgreSQL, after a load: autovacuum may be off or slow to notice, and a planner that
    still sees the tables as they were (a few thousand rows) chooses plans for that size. A failure
    is only logged: the data is committed by then, and statistics only make queries faster."""
    if is_sqlite(engine):
        return
    try:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    except DBAPIError as error:
        log.warning("ANALYZE after the import failed: %s", error)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several web processes may start at once; one migrates, the others wait and find it done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
