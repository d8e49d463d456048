"""One sync: a SQL source's rows streamed through its kind's importer, errors in the result's words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from bot.config import Settings
from bot.importers.csvfile import Progress
from bot.importers.errors import CsvError, CsvErrors, ImportResult
from bot.importers.fields import EARLIEST_DATE
from bot.models import Usage
from bot.plaintext import plural
from bot.sync.config import Source
from bot.sync.fetch import Counter, ResultRows, SyncError, result_rows


@dataclass(frozen=True)
class Synced:
    source: Source
    result: ImportResult
    since: date | None
    whole: bool  # a usage query without :since: every row asked for

    def summary(self) -> str:
        line = self.result.summary()
        if self.whole:
            line += "\n(the usage query has no :since parameter, so every row was asked for)"
        elif self.since is not None:
            resync = self.source.resync_days
            line += f"\n(days since {self.since.isoformat()} asked for: resync_days = {resync})"
        return line


def since_for(source: Source, *, engine: Engine) -> date:
    """The first day a usage sync asks for: the newest day held less `resync_days`; far back at first."""
    with engine.connect() as connection:
        newest = connection.execute(select(func.max(Usage.day))).scalar_one_or_none()
    if newest is None:
        return EARLIEST_DATE
    if isinstance(newest, str):  # SQLite's max() of a date column is its text
        newest = date.fromisoformat(newest)
    return max(newest - timedelta(days=source.resync_days), EARLIEST_DATE)


def _importer(kind: str, today: date) -> tuple[Callable[..., ImportResult], tuple[str, ...], tuple[str, ...]]:
    """The importer of a kind (it reads a file or a query's result alike), with its columns."""
    from bot.importers import accounts, team, usage

    if kind == "usage":
        return (lambda rows, **kw: usage.import_usage(rows, today=today, **kw)), usage.COLUMNS, ()
    if kind == "accounts":
        columns = accounts.COLUMNS, tuple(getattr(accounts, "OPTIONAL", ()))
        return (lambda rows, **kw: accounts.import_accounts(rows, today=today, **kw)), *columns
    return team.import_team, team.COLUMNS, tuple(getattr(team, "OPTIONAL", ()))


def sync_source(
    source: Source,
    *,
    engine: Engine,
    today: date,
    fetching: Counter | None = None,
    progress: Progress | None = None,
    options: Mapping[str, Any] | None = None,
) -> Synced:
    """Stream the source's rows through its kind's importer, all or nothing; SyncError naming row and
    column.

    `today` (UTC) bounds the dates as an import's; `fetching` counts the rows read; `progress` is the
    importer's own; `options` are the importer's (`importer_options`), as the CSV import passes them.
    """
    importer, required, optional = _importer(source.kind, today)
    since = since_for(source, engine=engine) if source.kind == "usage" else None
    options = {**(options or {}), **({"skip_unknown_accounts": True} if source.skip_unknown_accounts else {})}
    try:
        with result_rows(source, required=required, optional=optional, since=since, counter=fetching) as rows:
            try:
                result = importer(rows, engine=engine, progress=progress, **options)
            except CsvError as error:
                raise SyncError(said_by_row(error, rows)) from None
    except SyncError as error:
        raise SyncError(error.reason, kind=source.kind) from None
    result.file = source.shown
    return Synced(source, result, since, rows.whole)


def importer_options(kind: str, settings: Settings) -> dict[str, Any]:
    """What the CSV import passes its importer besides the file: the plan's hold, the email look-up."""
    if kind == "accounts":
        return {"plan_hold_days": settings.plan_hold_days}
    if kind == "team":
        from bot.slack.people import email_lookup

        return {"lookup": email_lookup(settings)}
    return {}


def said_by_row(error: CsvError, rows: ResultRows) -> str:
    """The importer's "file:line:column" in the result's words: row N (the first row is 1), column C;
    every bad row the importer named, one a line."""
    if isinstance(error, CsvErrors):
        lines = [_said(e, rows) for e in error.errors]
        if error.total > len(error.errors):
            lines.append(f"and {plural(error.total - len(error.errors), 'more bad row')}")
        return "\n".join(lines)
    return _said(error, rows)


def _said(error: CsvError, rows: ResultRows) -> str:
    if error.line <= 1:
        return f"the query's result: {error.message}"
    where = f"row {error.line - 1}"
    if error.column_name:
        where += f", column {rows.labels.get(error.column_name, error.column_name)}"
    return f"{where}: {error.message}"
