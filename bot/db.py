"""Engine, session scope and schema migration."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Engine, create_engine, event, text, update
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
        # The engine, not pysqlite, says where a transaction begins: see `_begin_before_writing`.
        # Set first, so that the pragmas below run outside any transaction (journal_mode needs it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets the web process read while an import or the morning round writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    return on_connect


# Statements that write: DML, DDL, a SAVEPOINT, and (to be safe) anything opening with a CTE.
_WRITES = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER|WITH)\b", re.IGNORECASE)


def _begin_before_writing(
    _conn: Connection, cursor: Any, statement: str, _parameters: Any, _context: Any, _executemany: bool
) -> None:
    """BEGIN IMMEDIATE before a transaction's first write; its reads before that run on their own.

    SQLAlchemy's recipe for pysqlite (docs: "Transactions with SQLite and the sqlite3 driver") takes
    BEGIN away from the driver, whose own handling never begins a transaction for a SAVEPOINT or DDL:
    a savepoint released before any write committed its rows for good, and a later rollback kept them.
    The recipe then says BEGIN in the engine's "begin" event; this says it before the first write
    instead, and IMMEDIATE. A deferred BEGIN at the first read makes the later first write an upgrade
    of a read transaction, which SQLite refuses at once ("database is locked", busy_timeout unused)
    whenever another connection writes: two clocks composing a round failed so. BEGIN IMMEDIATE at
    every BEGIN would make plain reads queue for the write lock behind imports and rounds. Reads before
    the first write see what is committed as each runs, as on PostgreSQL (read committed); from the
    first write on, the transaction holds the write lock, so nothing changes under it.
    """
    if not cursor.connection.in_transaction and _WRITES.match(statement):
        cursor.execute("BEGIN IMMEDIATE")


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
        event.listen(engine, "before_cursor_execute", _begin_before_writing)
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
def session_scope(engine: Engine, *, commit: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. `commit=False` (a dry run) rolls
    back whatever it did, success or not. Core work (the bulk importers) runs on `session.connection()`,
    in the same transaction."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        if commit:
            session.commit()
        else:
            session.rollback()
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
