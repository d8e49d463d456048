"""Where validated usage rows go: one transaction on the raw DBAPI connection, the fastest path per engine."""

from __future__ import annotations

from contextlib import ExitStack, suppress
from itertools import chain
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy import Engine

# Only values that differ are written, so re-importing a file leaves its pages alone.
_SQLITE_UPSERT = (
    "INSERT INTO usage (account_id, day, value) VALUES {values} "
    "ON CONFLICT (account_id, day) DO UPDATE SET value = excluded.value "
    "WHERE usage.value IS NOT excluded.value"
)
# Rows per INSERT on SQLite: one statement per row costs more in the sqlite3 module than the insert itself.
SQLITE_ROWS_PER_STATEMENT = 100  # 300 parameters, under SQLite's oldest limit of 999
_POSTGRES_UPSERT = (
    "WITH written AS ("
    " INSERT INTO usage (account_id, day, value)"
    " SELECT account_id, day, value FROM usage_import ORDER BY account_id, day"  # index order, and
    " ON CONFLICT (account_id, day) DO UPDATE SET value = excluded.value"  # each account's days together
    " WHERE usage.value IS DISTINCT FROM excluded.value"
    " RETURNING xmax = 0 AS new)"  # xmax is 0 on a freshly inserted row version
    " SELECT count(*) FILTER (WHERE new), count(*) FILTER (WHERE NOT new) FROM written"
)
# Each account's first and last usage day, kept on the account so that detection need not scan the
# usage table; min/max on the (account_id, day) key is one index seek each.
REFRESH_USAGE_DAYS = (
    "UPDATE account SET"
    " first_usage_day = (SELECT min(day) FROM usage WHERE usage.account_id = account.id),"
    " last_usage_day = (SELECT max(day) FROM usage WHERE usage.account_id = account.id)"
)
# Page cache for the import's connection, about the size of the file within these bounds: a history
# load spreads each day over every account's pages, and measured 95k rows/s with 256 MiB for 36 M rows
# (1 GB file) against 157k rows/s with 1 GiB. Pages are only allocated as they are used.
SQLITE_CACHE_KIB = (256 * 1024, 1024 * 1024)


class UsageSink(Protocol):
    accounts: dict[str, Any]  # external_id -> the account id, in the form `write` wants it

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def write(self, rows: list[tuple[Any, str, float]]) -> None: ...

    def finish(self) -> tuple[int, int]:
        """(new rows, replaced values), once every row is written; the commit follows on exit."""
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
        self._foreign_keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
        try:
            self._begin(db)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def _begin(self, db: Any) -> None:
        db.isolation_level = None  # we say BEGIN and COMMIT ourselves
        db.execute(f"PRAGMA cache_size = -{self._cache_kib}")
        # Every account id comes from the map read below under the write lock, so the per-row
        # foreign-key check (a fifth of the insert time) proves nothing; it is back on after COMMIT.
        db.execute("PRAGMA foreign_keys = OFF")
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

    def finish(self) -> tuple[int, int]:
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
            db.execute(f"PRAGMA foreign_keys = {self._foreign_keys}")
            db.isolation_level = self._isolation
            self._pooled.close()


class PostgresSink:
    """COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT into usage."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.accounts: dict[str, Any] = {}

    def __enter__(self) -> Self:
        self._pooled = self.engine.raw_connection()
        self._db: Any = self._pooled.driver_connection  # psycopg 3: the first statement opens the transaction
        self._cursor = self._db.cursor()
        self._copying = ExitStack()
        try:
            self._begin()
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def _begin(self) -> None:
        self._cursor.execute("SELECT external_id, id::text FROM account")
        self.accounts = dict(self._cursor.fetchall())
        self._cursor.execute(
            "CREATE TEMP TABLE usage_import (account_id integer, day date, value double precision)"
            " ON COMMIT DROP"
        )
        self._copy = self._copying.enter_context(
            self._cursor.copy("COPY usage_import (account_id, day, value) FROM STDIN")
        )

    def write(self, rows: list[tuple[Any, str, float]]) -> None:
        self._copy.write("".join([f"{key}\t{day}\t{value!r}\n" for key, day, value in rows]))

    def finish(self) -> tuple[int, int]:
        self._copying.close()
        self._cursor.execute("SET LOCAL work_mem = '128MB'")  # for the sort; back to normal at COMMIT
        self._cursor.execute(_POSTGRES_UPSERT)
        new, replaced = self._cursor.fetchone()
        self._cursor.execute(REFRESH_USAGE_DAYS)
        return new, replaced

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            with suppress(Exception):  # the error to report is the one that stopped us
                self._copying.__exit__(exc_type, exc, tb)  # a COPY left open is failed on the server
            if exc is None:
                self._db.commit()
            else:
                self._db.rollback()
        finally:
            self._cursor.close()
            self._pooled.close()
