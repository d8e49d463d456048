"""Reading a SQL source: the query's result streamed, in chunks, into a CSV file in the importer's columns.

The importer then reads the file exactly as it reads an import, so a sync validates and commits
like one. Only the result's column names and the rows' lines are kept, to say errors in the
result's words.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Date, bindparam, create_engine, text
from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

from bot.errors import UserFacingError
from bot.plaintext import flatten
from bot.sync.config import Source

CHUNK = 10_000  # rows fetched at a time: the result is never held whole
Counter = Callable[[int], None]  # rows fetched so far


class SyncError(UserFacingError):
    """A sync that failed: its message is safe to print (no password in it); `reason` without the kind."""

    def __init__(self, reason: str, *, kind: str | None = None) -> None:
        self.reason = reason
        self.kind = kind
        super().__init__(f"sync {kind}: {reason}" if kind else reason)


@dataclass
class Fetched:
    """What was written: the result's own name for each CSV column, and where multi-line rows begin."""

    columns: dict[str, str]  # importer column -> the result's column name
    rows: int = 0
    whole: bool = False  # a usage query without :since, run whole
    # (first CSV line, row number) of each row after one whose values span several lines
    shifts: list[tuple[int, int]] = field(default_factory=list)

    def row_of(self, line: int) -> int:
        """The result's row number (1-based) of a CSV line; the header is line 1."""
        index = bisect_right(self.shifts, (line, math.inf)) - 1
        if index < 0:
            return line - 1
        start, row = self.shifts[index]
        return row + (line - start)


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
    """The result's index of each importer column it has; a missing required one is an error."""
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        index.setdefault(normalise(name), position)
    missing = [column for column in required if column not in index]
    if missing:
        raise SyncError(
            f'missing column "{missing[0]}" in the query\'s result (it has: {", ".join(names)}); '
            f"alias it: SELECT … AS {missing[0]}"
        )
    return {column: index[column] for column in (*required, *optional) if column in index}


def fetch(
    source: Source,
    out: IO[str],
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    since: date | None = None,
    counter: Counter | None = None,
) -> Fetched:
    """Run the source's query and write its rows to `out` as CSV; SyncError (no password in it)."""
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
    try:
        with engine.connect() as connection:
            _as_text_from_postgresql(connection.connection.dbapi_connection)
            result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(clause)
            names = list(result.keys())
            picked = pick_columns(names, required, optional)
            fetched = Fetched({column: names[i] for column, i in picked.items()})
            fetched.whole = since is not None and "since" not in wanted
            _write(result.partitions(CHUNK), picked, out, fetched, counter)
    except SQLAlchemyError as error:
        said = getattr(error, "orig", None) or error
        first = (str(said).strip().splitlines() or [type(said).__name__])[0]
        # Not chained: the driver's exception may carry the URL or the statement's parameters.
        raise SyncError(f"the source said: {scrub(first, source)}") from None
    finally:
        engine.dispose()
    return fetched


def _as_text_from_postgresql(dbapi_connection: Any) -> None:
    """psycopg: NUMERIC (and DATE, when the server writes it as ISO) read as the server's text, which
    the import parses anyway, rather than as objects written back to text: most of the cost of a usage
    sync from PostgreSQL was those steps."""
    adapters = getattr(dbapi_connection, "adapters", None)
    if adapters is None or not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    from psycopg.types.string import TextLoader

    adapters.register_loader("numeric", TextLoader)
    style = dbapi_connection.execute("SHOW DateStyle").fetchone()
    if style and str(style[0]).upper().startswith("ISO"):
        adapters.register_loader("date", TextLoader)


def _write(
    partitions: Any, picked: dict[str, int], out: IO[str], fetched: Fetched, counter: Counter | None
) -> None:
    """Write the rows a chunk at a time, with loops that stay in C where the values allow.

    csv writes str, int, float and date as the import reads them, and None as an empty field; only a
    chunk holding a Decimal or a datetime is converted value by value.
    """
    header = csv.writer(out, lineterminator="\n")
    header.writerow(list(picked))
    project = itemgetter(*picked.values())  # a tuple: every kind requires three columns or more
    line = 2  # of the next row; the header is line 1
    for partition in partitions:
        rows = list(map(project, partition))
        if not set(map(type, chain.from_iterable(rows))) <= _WRITTEN_AS_IS:
            rows = [tuple(map(as_text, row)) for row in rows]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        text = buffer.getvalue()
        out.write(text)
        if _breaks(text) != len(rows):  # a value spans lines: note where the rows after it begin
            for fields in rows:
                fetched.rows += 1
                breaks = _breaks("".join(f for f in fields if isinstance(f, str)))
                line += 1 + breaks
                if breaks:
                    fetched.shifts.append((line, fetched.rows + 1))
        else:
            fetched.rows += len(rows)
            line += len(rows)
        if counter is not None:
            counter(fetched.rows)


_WRITTEN_AS_IS = {str, int, float, date, type(None)}


def _breaks(text: str) -> int:
    """Line breaks as a CSV reader counts lines (bot/importers/csvfile.py)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def temporary_csv(directory: Path | None = None) -> Any:
    """A named temporary file the importer can open by path, removed afterwards."""
    return tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller's `with`
        "w", suffix=".csv", dir=directory, encoding="utf-8", newline="", delete=True
    )
