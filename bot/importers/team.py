"""The team file is the roster: who is on which team, with which role and timezone."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlmodel import SQLModel

from bot.db import session_scope
from bot.identifiers import is_slack_user_id
from bot.importers.csvfile import CsvFile, Progress, Row, Table
from bot.importers.errors import CsvError, ImportResult
from bot.models import Role
from bot.plaintext import plural
from bot.services import teams
from bot.services.localtime import place_zone

LookupByEmail = Callable[[str], str | None]  # an email to its Slack member id; None when Slack knows none

COLUMNS = ("slack_user_id", "email", "name", "team", "role", "timezone")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ROLES = tuple(role.value for role in Role)


@dataclass(frozen=True)
class _Member:
    line: int
    slack_user_id: str
    email: str
    name: str
    team: str
    role: Role
    timezone: str


def _member(row: Row, lookup: LookupByEmail | None) -> _Member:
    email = row.text("email", max_length=320).lower()
    if not _EMAIL.fullmatch(email):
        raise row.fail("email", f'"{email}" is not an email address')
    if row.raw("slack_user_id").strip():
        slack_user_id = row.text("slack_user_id", max_length=32)
        if not is_slack_user_id(slack_user_id):
            raise row.fail("slack_user_id", f'"{slack_user_id}" is not a Slack user id (like U024BE7LH)')
    else:
        slack_user_id = _look_up(row, email, lookup)
    role = row.text("role").lower()
    if role not in _ROLES:
        raise row.fail(
            "role", f'unknown role "{row.raw("role").strip()}" (expected one of: {", ".join(_ROLES)})'
        )
    try:
        timezone = place_zone(row.text("timezone"))
    except ValueError as error:
        raise row.fail("timezone", str(error)) from None
    return _Member(row.line, slack_user_id, email, row.text("name"), row.text("team"), Role(role), timezone)


def _look_up(row: Row, email: str, lookup: LookupByEmail | None) -> str:
    """The member id Slack has for an email, asked only for a row that leaves the id empty."""
    if lookup is None:
        raise row.fail(
            "slack_user_id",
            "empty, and Slack cannot be asked for the id of this email without SLACK_BOT_TOKEN: "
            "set it, or give the member id (in Slack: the person's profile, ⋮, Copy member ID)",
        )
    found = lookup(email)
    if found is None:
        raise row.fail(
            "email",
            f'Slack has no member with the email "{email}" (users_not_found): '
            "check the address, or give the member id in slack_user_id",
        )
    return found


def _read(file: Table, progress: Progress | None, lookup: LookupByEmail | None) -> list[_Member]:
    members: list[_Member] = []
    first_line: dict[tuple[str, str], int] = {}
    for row in file.rows(progress):
        try:
            member = _member(row, lookup)
            for column, value in (("slack_user_id", member.slack_user_id), ("email", member.email)):
                seen = first_line.setdefault((column, value), row.line)
                if seen != row.line:
                    raise row.fail(column, f'"{value}" is on line {seen} too: one row per person')
        except CsvError as error:
            file.problems.add(error)
            continue
        members.append(member)
    file.problems.raise_any()
    if not members:
        raise file.error(2, None, "no people: the team file is the whole roster, so it cannot be empty")
    return members


def import_team(
    path: Path | Table,
    *,
    engine: Engine,
    progress: Progress | None = None,
    lookup: LookupByEmail | None = None,
) -> ImportResult:
    """Make the people and teams match the file; people left out of it become inactive.

    `lookup` finds the Slack member id of a row that gives only an email (bot.slack.people).
    """
    started = perf_counter()
    with CsvFile(path, required=COLUMNS) if not isinstance(path, Table) else path as file:
        members = _read(file, progress, lookup)
    result = ImportResult("team", file.name, rows=len(members))
    with session_scope(engine) as session:
        conn = session.connection()
        team_ids, created = teams.ensure_named(conn, [member.team for member in members])
        result.details["teams created"] = created
        _write_people(conn, file, members, team_ids, result)
    result.seconds = perf_counter() - started
    return result


def _write_people(
    conn: Connection, file: Table, members: list[_Member], team_ids: dict[str, int], result: ImportResult
) -> None:
    person = SQLModel.metadata.tables["person"]
    columns = ("slack_user_id", "email", "name", "team_id", "role", "timezone", "active")
    stored = {row.slack_user_id: row for row in conn.execute(select(person.c.id, *person.c[columns]))}
    owner_of_email = {row.email: row.slack_user_id for row in stored.values()}
    in_file = {member.slack_user_id for member in members}

    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    reactivated = 0
    for member in members:
        values: dict[str, object] = {
            "slack_user_id": member.slack_user_id,
            "email": member.email,
            "name": member.name,
            "team_id": team_ids[member.team.casefold()],
            "role": member.role,
            "timezone": member.timezone,
            "active": True,
        }
        holder = owner_of_email.get(member.email)
        if holder is not None and holder != member.slack_user_id and holder not in in_file:
            file.problems.add(
                file.error(
                    member.line, "email", f'"{member.email}" belongs to someone else already ({holder})'
                )
            )
            continue
        old = stored.get(member.slack_user_id)
        if old is None:
            inserts.append(values)
        elif tuple(old[1:]) != tuple(values[c] for c in columns):
            updates.append({"_id": old.id, **values})
            if not old.active:
                reactivated += 1
        else:
            result.unchanged += 1
    file.problems.raise_any()
    gone = [
        {"_id": row.id, "active": False}
        for row in stored.values()
        if row.slack_user_id not in in_file and row.active
    ]

    # Each UPDATE sets the columns its parameter dicts name besides "_id".
    update = person.update().where(person.c.id == bindparam("_id"))
    moving = [u for u in updates if u["email"] != stored[str(u["slack_user_id"])].email]
    if moving:  # park the changing emails first, so that two people may swap theirs
        conn.execute(update, [{"_id": u["_id"], "email": f"#{u['_id']}"} for u in moving])
    for batch in (updates, gone):
        if batch:
            conn.execute(update, batch)
    if inserts:
        conn.execute(person.insert(), inserts)
    result.created, result.updated = len(inserts), len(updates)
    result.details.update(reactivated=reactivated, deactivated=len(gone))
    result.notes.extend(_leavers(conn, [int(str(g["_id"])) for g in gone], stored))


def _leavers(conn: Connection, gone: list[int], stored: dict[str, Any]) -> list[str]:
    """One line per person this file leaves out: who, and how many accounts they still own."""
    if not gone:
        return []
    account = SQLModel.metadata.tables["account"]
    owned: dict[int, int] = dict(
        conn.execute(
            select(account.c.owner_id, func.count())
            .where(account.c.owner_id.in_(gone))
            .group_by(account.c.owner_id)
        ).all()
    )
    lines = []
    for row in sorted((r for r in stored.values() if r.id in gone), key=lambda r: r.name):
        n = owned.get(row.id, 0)
        still = (
            f"still owns {plural(n, 'account')}: `csm-coach plan` (or `/teamload plan`) moves them first"
            if n
            else "owns no accounts"
        )
        lines.append(f"Left the team: {row.name} ({row.slack_user_id}), {still}.")
    return lines
