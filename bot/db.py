"""Engine, session scope and schema migration."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Engine, create_engine, event, text, update
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, col

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x63736D  # "csm"


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


# How long a write waits for another's lock. The round and the imports wait long: nobody is watching
# them. A click waits briefly and answers "busy, try again in a moment" instead of hanging.
BUSY_WAIT_SECONDS = 30.0
REQUEST_BUSY_WAIT_SECONDS = 2.0
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out


def _sqlite_pragmas(busy_ms: int) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the web process read while an import or the morning round writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    return on_connect


@lru_cache(maxsize=8)
def get_engine(url: str, *, busy_wait: float = BUSY_WAIT_SECONDS, pool_size: int = 5) -> Engine:
    """One engine per (URL, waiting policy). `busy_wait`: seconds a write waits for a lock."""
    busy_ms = round(busy_wait * 1000)
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_wait},
            pool_size=pool_size,
            pool_timeout=busy_wait,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
        return engine
    if busy_wait >= BUSY_WAIT_SECONDS:
        return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=10)
    # No overflow: the pool has a connection per thread that can ask for one, so nobody queues for it.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=busy_wait,
        connect_args={"options": f"-c lock_timeout={busy_ms}"},
    )


def request_engine(url: str, *, threads: int) -> Engine:
    """The web process's engine: short lock waits, and a pooled connection for each of its `threads`."""
    return get_engine(url, busy_wait=REQUEST_BUSY_WAIT_SECONDS, pool_size=threads)


def is_busy(error: BaseException) -> bool:
    """A lock or a pooled connection not had in time: the database is busy, not broken."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return True
    message = str(error.orig).lower()
    return "database is locked" in message or "database table is locked" in message


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


class Keyed(Protocol):
    """A table model whose primary key is its `id`."""

    id: int | None


def update_if(session: Session, row: Keyed, condition: ColumnElement[bool], **values: Any) -> bool:
    """Write `values` to `row` only if `condition` still holds in the database; reload `row` either way.

    Two processes may both read a row and decide to change it (one click through two web processes);
    the database re-checks `condition` as it writes, so only one of them does, and both then show it.
    """
    model = type(row)
    statement = (
        update(model)
        .where(col(model.id) == row.id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    written = session.exec(statement).rowcount
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
