"""`csm-coach.toml`: the SQL sources of `csm-coach sync`, one `[sync.KIND]` table each.

A bad file is one line naming the file, the table and the key (CannotStart: exit 2, nothing done).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings
from bot.errors import CannotStart
from bot.plaintext import flatten

KINDS = ("team", "accounts", "usage")  # the order of a full sync: accounts need the team, usage accounts
DEFAULT_FILE = "csm-coach.toml"
DEFAULT_RESYNC_DAYS = 3
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEYS = {
    "team": {"url", "query"},
    "accounts": {"url", "query"},
    "usage": {"url", "query", "resync_days", "skip_unknown_accounts"},
}


@dataclass(frozen=True)
class Source:
    kind: str
    url: URL
    query: str
    resync_days: int = DEFAULT_RESYNC_DAYS
    skip_unknown_accounts: bool = False

    @property
    def shown(self) -> str:
        """The URL as it may be printed: its password hidden."""
        return flatten(self.url.render_as_string(hide_password=True))

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a terminal or a log: the password, as given and as the URL writes it."""
        password = self.url.password
        if not password:
            return ()
        written = self.url.render_as_string(hide_password=False).split("@")[0].rsplit(":", 1)[-1]
        return tuple({str(password), written})


def config_path(settings: Settings, *, cwd: Path) -> tuple[Path, bool]:
    """The configuration file, and whether it was named (CSM_COACH_CONFIG) rather than looked for."""
    if settings.csm_coach_config:
        return Path(settings.csm_coach_config), True
    return cwd / DEFAULT_FILE, False


def load_sources(path: Path, *, environ: dict[str, str] | None = None) -> dict[str, Source]:
    """The sources the file configures, by kind; CannotStart naming the file, table and key."""
    environ = dict(os.environ) if environ is None else environ
    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except FileNotFoundError:
        raise CannotStart(f"{path}: no such file (the SQL sources of csm-coach sync)") from None
    except OSError as error:
        raise CannotStart(f"{path}: cannot be read: {flatten(error.strerror or str(error))}") from None
    except tomllib.TOMLDecodeError as error:
        raise CannotStart(f"{path}: not valid TOML: {flatten(str(error))}") from None
    sync = document.get("sync")
    if not isinstance(sync, dict) or not sync:
        raise CannotStart(f"{path}: no [sync.team], [sync.accounts] or [sync.usage] table")
    sources: dict[str, Source] = {}
    for kind, table in sync.items():
        where = f"{path}: [sync.{kind}]"
        if kind not in KINDS:
            raise CannotStart(f"{where}: unknown table (expected sync.team, sync.accounts or sync.usage)")
        if not isinstance(table, dict):
            raise CannotStart(f"{where}: expected a table with url and query")
        sources[kind] = _source(kind, table, where, environ)
    return {kind: sources[kind] for kind in KINDS if kind in sources}


def _source(kind: str, table: dict[str, Any], where: str, environ: dict[str, str]) -> Source:
    for key in table:
        if key not in _KEYS[kind]:
            raise CannotStart(f"{where} {key}: unknown key (expected: {', '.join(sorted(_KEYS[kind]))})")
    for key in ("url", "query"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise CannotStart(f"{where} {key}: missing (a string)")
    url = _url(table["url"], where, environ)
    resync = table.get("resync_days", DEFAULT_RESYNC_DAYS)
    if isinstance(resync, bool) or not isinstance(resync, int) or not 0 <= resync <= 365:
        raise CannotStart(f"{where} resync_days: expected a whole number of days from 0 to 365")
    skip = table.get("skip_unknown_accounts", False)
    if not isinstance(skip, bool):
        raise CannotStart(f"{where} skip_unknown_accounts: expected true or false")
    return Source(kind, url, table["query"], resync, skip)


def _url(raw: str, where: str, environ: dict[str, str]) -> URL:
    missing = [name for name in _VARIABLE.findall(raw) if name not in environ]
    if missing:
        raise CannotStart(f"{where} url: the environment variable {missing[0]} is not set")
    expanded = _VARIABLE.sub(lambda match: environ[match.group(1)], raw)
    try:
        return make_url(expanded)
    except (ArgumentError, ValueError):
        # Never quoted back: it may hold a password.
        raise CannotStart(
            f"{where} url: not a SQLAlchemy URL (like postgresql://user:${{PASSWORD}}@host/db)"
        ) from None
