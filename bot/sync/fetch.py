"""Reading a SQL source: the query's result streamed, a chunk at a time, straight into the importer.

`ResultRows` is read by the importers through the same interface as a CSV file (`Table`), so a sync
validates and commits exactly like an import, with no file in between; a "line" is the result's row
number plus one, and errors name the result's own column names.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from itertools import chain
from operator import itemgetter, length_hint
from typing import Any, Self

from sqlalchemy import Connection, Date, Engine, TextClause, bindparam, create_engine, text
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

from bot.errors import UserFacingError
from bot.importers.csvfile import Progress, Row, Table
from bot.importers.errors import Problems
from bot.importers.fields import parse_date
from bot.plaintext import flatten
from bot.sync.config import Source

CHUNK = 10_000  # rows fetched at a time: the result is never held whole
Counter = Callable[[int], None]  # rows read so far


class SyncError(UserFacingError):
    """A sync that failed: its message is safe to print (no password in it); `reason` without the kind."""

    def __init__(self, reason: str, *, kind: str | None = None) -> None:
        self.reason = reason
        self.kind = kind
        super().__init__(f"sync {kind}: {reason}" if kind else reason)


def normalise(name: str) -> str:
    """A column name as the CSV header is matched: case, spaces and dashes do not matter."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def as_text(value: Any) -> str:
    """A value as the CSV import expects it: ISO dates, plain numbers, empty for NULL."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if _midnight(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def _midnight(moment: datetime) -> bool:
    return moment.hour == moment.minute == moment.second == moment.microsecond == 0


def scrub(message: str, source: Source) -> str:
    """A message from a driver, on one line and with the source's password (in any spelling) hidden."""
    said = flatten(" ".join(message.split()))
    for secret in source.secrets:
        said = said.replace(secret, "***")
    return said


def pick_columns(names: Sequence[str], required: Sequence[str], optional: Sequence[str]) -> dict[str, int]:
    """The result's index of each importer column it has; every column given twice and every missing
    one is said, in one error."""
    index: dict[str, int] = {}
    problems = []
    for position, name in enumerate(names):
        column = normalise(name)
        if column in index and column in (*required, *optional):
            first = names[index[column]]
            problems.append(f'the query\'s result has column "{column}" twice ("{first}" and "{name}")')
        index.setdefault(column, position)
    missing = [column for column in required if column not in index]
    if missing:
        said = ", ".join(f'"{column}"' for column in missing)
        aliases = ", ".join(f"… AS {column}" for column in missing)
        problems.append(
            f"missing column{'s' if len(missing) > 1 else ''} {said} in the query's result "
            f"(it has: {', '.join(names)}); alias {'them' if len(missing) > 1 else 'it'}: SELECT {aliases}"
        )
    if problems:
        raise SyncError("\n".join(problems))
    return {column: index[column] for column in (*required, *optional) if column in index}


class _ResultReader:
    """The result's rows, a chunk at a time, as tuples in the importer's columns; `line_num` as a csv
    reader's (the header is line 1, so row N is line N + 1).

    The rows are handed on by `chain`, in C: the line is worked out from the chunk's iterator only when
    asked for (a bad row, the end of a batch), never counted row by row.
    """

    def __init__(
        self,
        partitions: Iterator[Sequence[Any]],
        project: Callable[[Any], tuple[Any, ...]] | None,
        source: Source,
        errors: tuple[type[Exception], ...],
        *,
        text: bool,
    ) -> None:
        self.rows = 0  # rows handed on so far
        self.counter: Counter | None = None
        self._start = 1  # the line before the current chunk
        self._size = 0
        self._current: Iterator[Any] = iter(())
        self._rows = chain.from_iterable(self._chunks(partitions, project, source, errors, text))

    @property
    def line_num(self) -> int:
        return self._start + self._size - length_hint(self._current)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return self._rows

    def _chunks(
        self,
        partitions: Iterator[Sequence[Any]],
        project: Callable[[Any], tuple[Any, ...]] | None,
        source: Source,
        errors: tuple[type[Exception], ...],
        text: bool,
    ) -> Iterator[Iterator[tuple[str, ...]]]:
        try:
            for partition in partitions:
                rows = list(partition) if project is None else list(map(project, partition))
                # Text as the CSV import reads it, unless the driver says every column is text (or NULL,
                # which the importers' careful path reads as an empty field); the check stays in C.
                if not text and not set(map(type, chain.from_iterable(rows))) <= _TEXT:
                    rows = [tuple(map(as_text, row)) for row in rows]
                self._start += self._size
                self._size = len(rows)
                self._current = iter(rows)
                self.rows += len(rows)
                yield self._current
                if self.counter is not None:
                    self.counter(self.rows)
        except errors as error:
            raise SyncError(said_by_source(error, source)) from None


_TEXT = {str}


class ResultRows(Table):
    """A query's result, read by the importers as they read a file (bot/importers/csvfile.py `Table`):
    only the importer's columns, in its order; errors name the result's own column."""

    def __init__(
        self,
        source: Source,
        names: Sequence[str],
        picked: dict[str, int],
        partitions: Iterator[Sequence[Any]],
        errors: tuple[type[Exception], ...] = (SQLAlchemyError,),
        text_columns: Sequence[bool] = (),
    ) -> None:
        self.name = source.shown
        self.parse_day = parse_date
        self.header = list(picked)
        self.shown_header = [names[i] for i in picked.values()]
        self.header_line = 1
        self.columns = {column: position for position, column in enumerate(picked)}
        self.labels = {column: names[i] for column, i in picked.items() if names[i] != column}
        self.problems = Problems()
        self.whole = False  # a usage query without :since, run whole
        indexes = list(picked.values())
        getter = itemgetter(*indexes)
        project = getter if len(picked) > 1 else (lambda row: (getter(row),))
        plain = indexes == list(range(len(names))) and bool(text_columns)  # the driver's own tuples
        text = bool(text_columns) and all(text_columns[i] for i in indexes)
        self.result = self.reader = _ResultReader(
            partitions, None if plain else project, source, errors, text=text
        )

    def line_of(self, fields: Sequence[str]) -> int:
        return self.result.line_num

    def bytes_read(self) -> int:
        return self.result.rows

    def text_of(self, fields: Sequence[Any]) -> Sequence[str]:
        return tuple(map(as_text, fields))

    def is_blank(self, fields: Sequence[Any]) -> bool:
        return not any(as_text(field).strip() for field in fields)

    def rows(self, progress: Progress | None = None, every: int = 5_000) -> Iterator[Row]:
        for row in super().rows(progress, every):
            row.fields = self.text_of(row.fields)
            yield row


def said_by_source(error: Exception, source: Source) -> str:
    said = getattr(error, "orig", None) or error
    first = (str(said).strip().splitlines() or [type(said).__name__])[0]
    return f"the source said: {scrub(first, source)}"


@contextmanager
def result_rows(
    source: Source,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    since: date | None = None,
    counter: Counter | None = None,
) -> Iterator[ResultRows]:
    """Run the source's query; its rows, streamed a chunk at a time while the `with` lasts.

    SyncError (no password in it) when the query cannot run or the source fails while it is read.
    """
    clause = text(source.query)
    wanted = set(clause.compile().params)
    given: dict[str, Any] = {}
    if since is not None and "since" in wanted:
        clause = clause.bindparams(bindparam("since", since, type_=Date))
        given["since"] = since
    unknown = sorted(wanted - set(given))
    if unknown:
        allowed = "only :since, in a usage query" if source.kind == "usage" else "none in this query"
        raise SyncError(f"the query has a parameter :{unknown[0]} ({allowed})")
    try:
        engine = create_engine(source.url)
    except NoSuchModuleError:
        raise SyncError(
            f"no SQLAlchemy dialect for {source.url.drivername}:// is installed (pip install its "
            "package, e.g. csm-coach[duckdb], snowflake-sqlalchemy, sqlalchemy-bigquery)"
        ) from None
    except ImportError as error:
        module = getattr(error, "name", None) or "its driver"
        raise SyncError(f"{source.url.drivername} needs the Python module {module}") from None
    errors = _driver_errors(engine)
    try:
        try:
            connection = engine.connect()
        except errors as error:
            # Not chained: the driver's exception may carry the URL or the statement's parameters.
            raise SyncError(said_by_source(error, source)) from None
        with connection, ExitStack() as stack:
            try:
                names, partitions, text_columns = _execute(connection, clause, stack)
            except errors as error:
                raise SyncError(said_by_source(error, source)) from None
            picked = pick_columns(names, required, optional)
            rows = ResultRows(source, names, picked, partitions, errors, text_columns)
            rows.whole = since is not None and "since" not in wanted
            rows.result.counter = counter
            yield rows
    finally:
        engine.dispose()


def _driver_errors(engine: Engine) -> tuple[type[Exception], ...]:
    """What a source may raise: SQLAlchemy's errors, and its driver's own where the rows come from it."""
    dbapi_error = getattr(getattr(engine.dialect, "loaded_dbapi", None), "Error", None)
    if isinstance(dbapi_error, type) and issubclass(dbapi_error, Exception):
        return (SQLAlchemyError, dbapi_error)
    return (SQLAlchemyError,)


def _execute(
    connection: Connection, clause: TextClause, stack: ExitStack
) -> tuple[list[str], Iterator[Sequence[Any]], list[bool]]:
    """The result's column names, its rows a chunk at a time, and which columns the driver gives as
    text (or NULL) whatever the row.

    From psycopg, straight from a server-side cursor of the driver, fetched a chunk ahead in a thread
    while the importer checks and stores the last one: plain tuples made in C, where SQLAlchemy's rows
    cost about as much as all the rest of a usage sync (docs/benchmarks.md, "Sync"). Any other source
    through SQLAlchemy's streamed result. Either way `:since` is a bound parameter.
    """
    dbapi_connection: Any = connection.connection.dbapi_connection
    if _is_psycopg(dbapi_connection):
        as_text_oids = _as_text_from_postgresql(dbapi_connection)
        compiled = clause.compile(dialect=connection.dialect)
        cursor = dbapi_connection.cursor(name="csm_coach_sync")
        cursor.itersize = CHUNK
        cursor.execute(str(compiled), compiled.params)  # a dict, even empty: "%%" is then read as "%"
        description = cursor.description or ()
        names = [column.name for column in description]
        ahead = stack.enter_context(_Ahead(partial(cursor.fetchmany, CHUNK)))
        return names, iter(ahead), [column.type_code in as_text_oids for column in description]
    result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(clause)
    return list(result.keys()), result.partitions(CHUNK), []


class _Ahead:
    """Chunks fetched in a thread, at most `depth` ahead of the reader; the driver waits on the network
    without the GIL, so the source's server works while the rows before are checked and stored."""

    def __init__(self, fetch: Callable[[], Sequence[Any]], depth: int = 2) -> None:
        self._fetch = fetch
        self._queue: queue.Queue[Sequence[Any] | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="csm-coach-sync-fetch", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()  # the reader stopped (done, or a bad row): the thread ends after its fetch
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                chunk = self._fetch()
                self._put(chunk)
                if not chunk:
                    return
        except BaseException as error:  # said by the reader, in its own thread
            self._put(error)

    def _put(self, item: Sequence[Any] | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[Sequence[Any]]:
        while True:
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item


def _is_psycopg(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg") and hasattr(dbapi_connection, "adapters")


def _as_text_from_postgresql(dbapi_connection: Any) -> set[int]:
    """psycopg: NUMERIC (and DATE, when the server writes it as ISO) read as the server's text, which
    the import parses anyway, rather than as objects written back to text: most of the cost of a usage
    sync from PostgreSQL was those steps. The type ids then read as text (or NULL)."""
    adapters = dbapi_connection.adapters
    from psycopg.types.string import TextLoader

    adapters.register_loader("numeric", TextLoader)
    as_text = ["text", "varchar", "bpchar", "name", "numeric"]
    style = dbapi_connection.execute("SHOW DateStyle").fetchone()
    if style and str(style[0]).upper().startswith("ISO"):
        adapters.register_loader("date", TextLoader)
        as_text.append("date")
    return {info.oid for info in map(adapters.types.get, as_text) if info is not None}
