"""The clock's daily sync: every source of `csm-coach.toml` at `SYNC_TIME` (UTC), once per deployment.

It runs from the sync time to the end of the UTC day (a clock started late catches up), claimed by a
row per source and day (bot/services/sync_runs.py). A failure is recorded with its reason, which the
morning posts then say; the sources after a failed one are recorded as not run.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from pathlib import Path

from sqlalchemy import Engine

from bot.config import Settings
from bot.errors import CannotStart
from bot.services import sync_runs
from bot.services.freshness import settle
from bot.sync.config import KINDS, config_path, load_sources
from bot.sync.fetch import SyncError
from bot.sync.run import importer_options, sync_source

log = logging.getLogger(__name__)


def sync_time(settings: Settings) -> time:
    hour, minute = (int(part) for part in settings.sync_time.split(":"))
    return time(hour, minute)


def configured(settings: Settings, *, cwd: Path) -> Path | None:
    """The configuration file the clock syncs from, None when there is none (no sync then)."""
    path, named = config_path(settings, cwd=cwd)
    if path.is_file():
        load_sources(path)  # a bad file stops the clock at start, in one line, rather than at SYNC_TIME
        return path
    if named:
        raise CannotStart(f"CSM_COACH_CONFIG={path}: no such file")
    return None


def daily_sync(*, engine: Engine, settings: Settings, now: datetime, path: Path) -> list[str]:
    """Today's sync, if its time has come and no clock took it yet; the lines to log."""
    if now.time() < sync_time(settings):
        return []
    day = now.date()
    try:
        sources = load_sources(path)
    except CannotStart as error:
        # The file is read each day, so an edit takes effect without a restart; a bad one is said.
        for kind in sync_runs.claim(engine=engine, sources=KINDS, day=day, now=now):
            sync_runs.finish(engine=engine, source=kind, day=day, now=now, error=str(error))
        return [f"sync: {error}"]
    lines = []
    failed: str | None = None
    for kind in sync_runs.claim(engine=engine, sources=list(sources), day=day, now=now):
        if failed is not None:
            reason = f"not run, as the {failed} sync failed"
            sync_runs.finish(engine=engine, source=kind, day=day, now=now, error=reason)
            lines.append(f"sync {kind}: {reason}")
            continue
        try:
            synced = sync_source(
                sources[kind], engine=engine, today=day, options=importer_options(kind, settings)
            )
            said = settle(kind, engine=engine, now=now, settings=settings)
        except SyncError as error:
            failed = kind
            sync_runs.finish(engine=engine, source=kind, day=day, now=now, error=error.reason)
            lines.append(str(error))
            continue
        except Exception:
            failed = kind
            log.exception("sync %s failed", kind)
            reason = "an unexpected error (the clock's log has it)"
            sync_runs.finish(engine=engine, source=kind, day=day, now=now, error=reason)
            continue
        summary = synced.summary()
        sync_runs.finish(engine=engine, source=kind, day=day, now=now, error=None, summary=summary)
        lines.extend([*summary.splitlines(), *said])
    return lines
