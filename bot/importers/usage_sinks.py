"""Where validated usage rows go: one transaction on the raw DBAPI connection, the fastest path per engine."""

from __future__ import annotations

import logging
from contextlib import ExitStack, suppress
from itertools import chain
from types import TracebackType
from typing import Any, Protocol, Self

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)

# Only values that differ are written, so re-importing a file leaves its pages alone.
_SQLITE_UPSERT = (
    "INSERT INTO usage (account_id, day, value) VALUES {values} "
    "ON CONFLICT (account_id, day) DO UPDATE SET value = excluded.value "
    "WHERE usage.value IS NOT excluded.value"
)
# Rows per INSERT on SQLite: one statement per row costs more in the sqlite3 module than the insert itself.
SQLITE_ROWS_PER_STATEMENT = 100  # 300 parameters, under SQLite's oldest limit of 999
_POSTGRES_INSERT = (
    "INSERT INTO usage (account_id, day, value)"
    " SELECT account_id, day, value FROM usage_import ORDER BY account_id, day"  # index order, and
)  # each account's days together in the table
_POSTGRES_UPSERT = (
    "WITH written AS ("
    f" {_POSTGRES_INSERT}"
    " ON CONFLICT (account_id, day) DO UPDATE SET value = excluded.value"
    " WHERE usage.value IS DISTINCT FROM excluded.value"
    " RETURNING xmax = 0 AS new)"  # xmax is 0 on a freshly inserted row version
    " SELECT count(*) FILTER (WHERE new), count(*) FILTER (WHERE NOT new) FROM written"
)
# Could a stored row share an (account, day) with a file spanning these days? Only where an
# account's stored days reach into the span: never for the next day's feed.
_POSTGRES_OVERLAP = (
    "SELECT EXISTS (SELECT 1 FROM account"
    " WHERE first_usage_day <= %(last)s::date AND last_usage_day >= %(first)s::date)"
)
# Each account's first and last usage day, kept on the account so that detection need not scan the
# usage table; min/max on the (account_id, day) key is one index seek each.
REFRESH_USAGE_DAYS = (
    "UPDATE account SET"
    " first_usage_day = (SELECT min(day) FROM usage WHERE usage.account_id = account.id),"
    " last_usage_day = (SELECT max(day) FROM usage WHERE usage.account_id = account.id)"
)
# The same on PostgreSQL from the imported rows alone (usage rows are only ever added or replaced), and
# only for the accounts whose days move.
_POSTGRES_WIDEN_USAGE_DAYS = (
    "UPDATE account SET first_usage_day = least(first_usage_day, span.first),"
    " last_usage_day = greatest(last_usage_day, span.last)"
    " FROM (SELECT account_id, min(day) AS first, max(day) AS last"
    " FROM usage_import GROUP BY account_id) AS span"
    " WHERE account.id = span.account_id AND (first_usage_day IS NULL OR span.first < first_usage_day"
    " OR span.last > last_usage_day)"
)
# Page cache for the import's connection, about the size of the file within these bounds: a history
# load spreads each day over every account's pages, so the cache sets its pace (docs/benchmarks.md,
# "Usage import"). Pages are only allocated as they are used.
SQLITE_CACHE_KIB = (256 * 1024, 1024 * 1024)


class UsageSink(Protocol):
    accounts: dict[str, Any]  # external_id -> the account id, in the form `write` wants it

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def write(self, rows: list[tuple[Any, str, float]]) -> None: ...

    def finish(self, span: tuple[str, str] | None) -> tuple[int, int]:
        """(new rows, replaced values), once every row is written; the commit follows on exit.

        `span` is the first and last ISO day in the file (None when it had no rows).
        """
        ...


class SqliteSink:
    """executemany of an upsert, in one IMMEDIATE transaction (the write lock is taken up front)."""

    def __init__(self, engine: Engine, *, file_bytes: int = 0) -> None:
        self.engine = engine
        self.accounts: dict[str, Any] = {}
        low, high = SQLITE_CACHE_KIB
        self._cache_kib = min(max(file_bytes // 1024, low), high)

    def __enter__(self) -> Self:
        self._pooled = self.engine.raw_connection()
        db: Any = self._pooled.driver_connection
        self._db = db
        self._isolation = db.isolation_level
        self._cache = db.execute("PRAGMA cache_size").fetchone()[0]
        try:
            self._begin(db)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def _begin(self, db: Any) -> None:
        db.isolation_level = None  # we say BEGIN and COMMIT ourselves
        db.execute(f"PRAGMA cache_size = -{self._cache_kib}")
        db.execute("BEGIN IMMEDIATE")
        self.accounts = dict(db.execute("SELECT external_id, id FROM account"))
        # Counts the upserts that replaced a value; temp objects vanish with a rollback.
        db.execute("CREATE TEMP TABLE usage_import_replaced (n INTEGER NOT NULL)")
        db.execute("INSERT INTO usage_import_replaced VALUES (0)")
        db.execute(
            "CREATE TEMP TRIGGER usage_import_count AFTER UPDATE ON main.usage "
            "BEGIN UPDATE usage_import_replaced SET n = n + 1; END"
        )
        self._changes = db.total_changes
        self._many = _SQLITE_UPSERT.format(values=", ".join(["(?, ?, ?)"] * SQLITE_ROWS_PER_STATEMENT))
        self._one = _SQLITE_UPSERT.format(values="(?, ?, ?)")

    def write(self, rows: list[tuple[Any, str, float]]) -> None:
        per = SQLITE_ROWS_PER_STATEMENT
        whole = len(rows) - len(rows) % per
        if whole:
            params = iter(list(chain.from_iterable(rows[:whole])))
            self._db.executemany(self._many, zip(*[params] * (3 * per), strict=True))
        if whole < len(rows):
            self._db.executemany(self._one, rows[whole:])

    def finish(self, span: tuple[str, str] | None) -> tuple[int, int]:
        db = self._db
        replaced = db.execute("SELECT n FROM usage_import_replaced").fetchone()[0]
        changes = db.total_changes - self._changes  # the trigger's own update counts once per replace
        db.execute("DROP TRIGGER usage_import_count")
        db.execute("DROP TABLE usage_import_replaced")
        db.execute(REFRESH_USAGE_DAYS)
        return changes - 2 * replaced, replaced

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        db = self._db
        try:
            if db.in_transaction:
                db.execute("COMMIT" if exc is None else "ROLLBACK")
        finally:
            db.execute(f"PRAGMA cache_size = {self._cache}")
            db.isolation_level = self._isolation
            self._pooled.close()


class PostgresSink:
    """Three ways in, by what is stored, each through COPY and in one transaction:

    - into an empty usage table, COPY straight into it with its primary key dropped, and build the
      key once at the end (a history load: tens of millions of rows);
    - else COPY into a temporary table and INSERT … SELECT it in key order: a plain insert when no
      stored (account, day) can collide with the file's (the next day's feed), an upsert otherwise.
    Imports take turns on a table lock that leaves readers alone, so what they find stays true.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.accounts: dict[str, Any] = {}

    def __enter__(self) -> Self:
        self._pooled = self.engine.raw_connection()
        db = self._pooled.driver_connection  # psycopg 3: the first statement opens the transaction
        if db is None:  # only a connection the pool has already invalidated has none
            raise RuntimeError("the database connection was lost before the import began")
        self._db: Any = db
        self._cursor = self._db.cursor()
        self._copying = ExitStack()
        try:
            self._begin()
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def _begin(self) -> None:
        cursor = self._cursor
        cursor.execute("LOCK TABLE usage IN SHARE ROW EXCLUSIVE MODE")  # one import at a time
        cursor.execute("SELECT external_id, id::text FROM account")
        self.accounts = dict(cursor.fetchall())
        cursor.execute("SELECT EXISTS (SELECT 1 FROM usage)")
        self._bulk_key: str | None = None
        self._written = 0
        if not cursor.fetchone()[0]:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'usage'::regclass AND contype = 'p'"
            )
            name, definition = cursor.fetchone()
            self._bulk_key = f'CONSTRAINT "{name}" {definition}'  # as it was, INCLUDE and all
            cursor.execute(f'ALTER TABLE usage DROP CONSTRAINT "{name}"')
            target = "usage"
        else:
            cursor.execute(
                "CREATE TEMP TABLE usage_import (account_id integer, day date, value double precision)"
                " ON COMMIT DROP"
            )
            target = "usage_import"
        self._copy = self._copying.enter_context(
            cursor.copy(f"COPY {target} (account_id, day, value) FROM STDIN")
        )

    def write(self, rows: list[tuple[Any, str, float]]) -> None:
        self._copy.write("".join([f"{key}\t{day}\t{value!r}\n" for key, day, value in rows]))
        self._written += len(rows)

    def finish(self, span: tuple[str, str] | None) -> tuple[int, int]:
        self._copying.close()
        return self._write_usage(span)

    def _write_usage(self, span: tuple[str, str] | None) -> tuple[int, int]:
        cursor = self._cursor
        if self._bulk_key is not None:
            # The file has no (account, day) twice (the reader refuses a second row), so the key holds.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")  # back to normal at COMMIT
            cursor.execute(f"ALTER TABLE usage ADD {self._bulk_key}")
            new = self._written  # every row is new: the table was empty
            cursor.execute(REFRESH_USAGE_DAYS)
            return new, 0
        cursor.execute("SET LOCAL work_mem = '128MB'")  # for the sort
        inserted = self._insert_new(span) if span is not None else None
        if inserted is None:
            cursor.execute(_POSTGRES_UPSERT)
            new, replaced = cursor.fetchone()
        else:
            new, replaced = inserted, 0
        cursor.execute(_POSTGRES_WIDEN_USAGE_DAYS)
        return new, replaced

    def _insert_new(self, span: tuple[str, str]) -> int | None:
        """Rows inserted when no stored day can collide with the file's, else None (upsert instead)."""
        cursor = self._cursor
        cursor.execute(_POSTGRES_OVERLAP, {"first": span[0], "last": span[1]})
        if cursor.fetchone()[0]:
            return None  # a re-import or a backfill: some (account, day) may be stored already
        # The account days say no row collides; should one all the same, undo and upsert.
        cursor.execute("SAVEPOINT usage_plain")
        try:
            cursor.execute(_POSTGRES_INSERT)
        except psycopg.errors.UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT usage_plain")
            return None
        inserted: int = cursor.rowcount
        cursor.execute("RELEASE SAVEPOINT usage_plain")
        return inserted

    def _vacuum(self) -> None:
        """Mark the new pages all-visible, so detection reads values from the key alone (migration 0005).

        Autovacuum would, in time, where it is on. VACUUM cannot run in a transaction, so it comes after
        the commit; the rows are in by then, and a failure here only costs detection some speed.
        (`bot.db.refresh_statistics`, which `csm-coach import` runs next, does the ANALYZE.)
        """
        self._db.autocommit = True
        try:
            self._cursor.execute("VACUUM usage")
        except psycopg.Error as error:
            log.warning("VACUUM usage after the import failed: %s", error)
        finally:
            self._db.autocommit = False

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            with suppress(Exception):  # the error to report is the one that stopped us
                self._copying.__exit__(exc_type, exc, tb)  # a COPY left open is failed on the server
            if exc is None:
                self._db.commit()
                self._vacuum()
            else:
                self._db.rollback()
        finally:
            self._cursor.close()
            self._pooled.close()
