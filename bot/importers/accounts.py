"""The accounts file: each account's segment, ARR, owner and dates, upserted by `external_id`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlmodel import SQLModel

from bot.db import session_scope
from bot.domain.segments import match_segment
from bot.importers.crm import LABELS, SOURCES, Source
from bot.importers.csvfile import CsvFile, Progress, Row, Table
from bot.importers.errors import CsvError, ImportResult
from bot.importers.fields import DateBounds
from bot.importers.holds import PlanHolds
from bot.services import books

DEFAULT_PLAN_HOLD_DAYS = 30  # Settings.plan_hold_days; callers pass the setting

COLUMNS = ("external_id", "name", "segment", "arr", "owner", "start_date", "renewal_date")
OPTIONAL = ("last_review_date",)

# Stored columns in the order compared and written; the file's columns map onto them in _values().
_STORED = ("name", "segment_key", "arr", "owner_id", "start_date", "renewal_date", "last_review_date")


class _Lookups:
    """Segment and owner resolution, each distinct spelling worked out once.

    Owners are matched by Slack id or email, case-insensitively; from a CRM export also by a name
    that only one person has (exports often give the owner's full name).
    """

    def __init__(self, conn: Connection, source: Source | None = None) -> None:
        self.who = f"this {LABELS[source.name]} user" if source and source.name in SOURCES else "them"
        self.bands = books.list_bands(conn)
        self.segments: dict[str, str | None] = {}
        person = SQLModel.metadata.tables["person"]
        self.people: dict[str, tuple[int, bool]] = {}
        self.by_slack_id: dict[str, int] = {}
        self.active: set[int] = set()
        names: dict[str, list[tuple[int, bool]]] = {}
        for person_id, slack_user_id, email, name, active in conn.execute(
            select(person.c.id, person.c.slack_user_id, person.c.email, person.c.name, person.c.active)
        ):
            self.people[slack_user_id.lower()] = self.people[email.lower()] = (person_id, active)
            self.by_slack_id[slack_user_id] = person_id
            if active:
                self.active.add(person_id)
            names.setdefault(name.casefold(), []).append((person_id, active))
        if source is not None:
            for name, found in names.items():
                if len(found) == 1:
                    self.people.setdefault(name, found[0])

    def segment(self, row: Row) -> str:
        raw = row.raw("segment").strip()
        if raw not in self.segments:
            self.segments[raw] = match_segment(raw, self.bands)
        key = self.segments[raw]
        if key is None:
            known = ", ".join(band.key for band in self.bands)
            raise row.fail("segment", f'unknown segment "{raw}" (expected one of: {known})')
        return key

    def owner(self, row: Row) -> tuple[int, bool]:
        """The person the row names as its owner, and whether they are active."""
        raw = row.text("owner", max_length=320)
        found = self.people.get(raw.lower()) or self.people.get(raw.casefold())
        if found is None:
            raise row.fail(
                "owner",
                f'"{raw}" is not in the team file: add {self.who} to it (the email is enough, Slack '
                "finds the id) and run `csm-coach import team` first",
            )
        return found


def _open(path: Path | Table, source: Source | None) -> Table:
    if isinstance(path, Table):  # the rows of a SQL source, in our columns
        return path
    if source is None:
        return CsvFile(path, required=COLUMNS, optional=OPTIONAL)
    optional = (*OPTIONAL, *source.optional)
    return CsvFile(
        path,
        required=[column for column in COLUMNS if column not in optional],
        optional=optional,
        rename=source.columns,
        parse_day=source.parse_date,
    )


def _values(row: Row, lookups: _Lookups, dates: DateBounds, with_review: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.text("name", max_length=300),
        "segment_key": lookups.segment(row),
        "arr": row.amount("arr"),
        "owner_id": lookups.owner(row)[0],
        "start_date": row.date("start_date", dates),
        "renewal_date": row.optional_date("renewal_date", dates),
    }
    if with_review:  # without the column, a re-import leaves the stored review dates alone
        values["last_review_date"] = row.optional_date("last_review_date", dates)
    return values


def import_accounts(
    path: Path | Table,
    *,
    engine: Engine,
    today: date,
    progress: Progress | None = None,
    source: Source | None = None,
    plan_hold_days: int = DEFAULT_PLAN_HOLD_DAYS,
) -> ImportResult:
    """Create or update every account in the file; accounts not in it are left as they are.

    `today` sets the bounds of the dates (README, "CSV formats"); `source` reads a CRM's export, or
    any file whose columns a map renames (bot/importers/crm.py). For `plan_hold_days` after a plan
    is applied, a moved account the file gives its old owner keeps the plan's (bot/importers/holds.py).
    """
    started = perf_counter()
    dates = DateBounds.accounts(today)
    account = SQLModel.metadata.tables["account"]
    with session_scope(engine) as session:
        conn = session.connection()
        lookups = _Lookups(conn, source)
        holds = PlanHolds(conn, today=today, hold_days=plan_hold_days, person_ids=lookups.by_slack_id)
        stored = {
            row.external_id: row
            for row in conn.execute(select(account.c.id, account.c.external_id, *account.c[_STORED]))
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        first_line: dict[str, int] = {}
        moved = unchanged = 0
        with _open(path, source) as file:
            with_review = "last_review_date" in file.columns
            for row in file.rows(progress):
                try:
                    external_id = row.text("external_id")
                    seen = first_line.setdefault(external_id, row.line)
                    if seen != row.line:
                        raise row.fail(
                            "external_id", f'"{external_id}" is on line {seen} too: one row per account'
                        )
                    values = _values(row, lookups, dates, with_review)
                    old = stored.get(external_id)
                    owner = holds.owner(
                        external_id, None if old is None else old.owner_id, values["owner_id"]
                    )
                    if owner not in lookups.active:
                        raise row.fail(
                            "owner",
                            f'"{row.raw("owner").strip()}" was left out of the last team file (inactive); '
                            "import the team first",
                        )
                    values["owner_id"] = owner
                except CsvError as error:
                    file.problems.add(error)
                    continue
                if old is None:
                    # The day csm-coach first saw it: steps dated before it are due from that day.
                    inserts.append({"external_id": external_id, **values, "first_seen_on": today})
                elif any(getattr(old, column) != value for column, value in values.items()):
                    updates.append({"_id": old.id, **values})
                    if old.owner_id != values["owner_id"]:
                        moved += 1
                else:
                    unchanged += 1
        file.problems.raise_any()  # before any write: nothing changes when a row is bad
        if inserts:
            conn.execute(account.insert(), inserts)
        if updates:  # SET takes the columns the dicts name besides "_id"
            conn.execute(account.update().where(account.c.id == bindparam("_id")), updates)
        holds.store(conn)
    return ImportResult(
        "accounts",
        file.name,
        rows=len(first_line),
        created=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        seconds=perf_counter() - started,
        details={"owner changes": moved},
        notes=holds.notes(),
    )
