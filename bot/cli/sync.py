"""`csm-coach sync [team|accounts|usage]`: pull from the SQL sources of `csm-coach.toml`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.apps import app
from bot.cli.common import errors, ready_engine, say
from bot.config import Settings, get_settings
from bot.errors import CannotStart
from bot.services import sync_runs
from bot.services.freshness import settle
from bot.sync.config import DEFAULT_FILE, Source, config_path, load_sources
from bot.sync.fetch import SyncError
from bot.sync.run import Synced, importer_options, sync_source


class Kind(StrEnum):
    TEAM = "team"
    ACCOUNTS = "accounts"
    USAGE = "usage"


def configured_sources(settings: Settings, *, cwd: Path) -> dict[str, Source]:
    """The sources of the configuration file; CannotStart when there is none or it is bad."""
    path, named = config_path(settings, cwd=cwd)
    if not named and not path.is_file():
        raise CannotStart(
            f"no {DEFAULT_FILE} in {cwd} (or name the file with CSM_COACH_CONFIG): "
            "it says which SQL sources to sync"
        )
    return load_sources(path)


@contextmanager
def sync_progress(kind: str) -> Iterator[Callable[[int], None]]:
    """A bar on a terminal counting the rows read, checked and stored as they stream; nothing otherwise."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as progress:
        reading = progress.add_task(f"sync {kind}: rows read and checked", total=None)

        def read(rows: int) -> None:
            progress.update(reading, completed=rows)

        yield read


@app.command("sync")
def sync_cmd(
    source: Annotated[
        Kind | None,
        typer.Argument(help="One source; without it, every source the file configures."),
    ] = None,
) -> None:
    """Pull team, accounts and usage from the SQL sources of csm-coach.toml (or CSM_COACH_CONFIG).

    Each source is validated and committed like its CSV import, all or nothing. Sources run in the
    order team, accounts, usage, and a failure stops the rest: accounts need their owners, usage
    its accounts.
    """
    settings = get_settings()
    sources = configured_sources(settings, cwd=Path.cwd())
    if source is not None and source.value not in sources:
        path, _ = config_path(settings, cwd=Path.cwd())
        raise CannotStart(f"{path}: no [sync.{source.value}] table")
    chosen = [sources[source.value]] if source is not None else list(sources.values())
    engine = ready_engine(settings)
    for done, one in enumerate(chosen):
        now = datetime.now(UTC)  # the edge: the real day bounds the source's dates, as an import's
        # Recorded beside the clock's daily run, not in its place: a success clears the "sync failed"
        # line of the next posts, and the clock still runs its own sync at SYNC_TIME.
        run_id = sync_runs.begin_by_hand(engine=engine, source=one.kind, now=now)
        try:
            with sync_progress(one.kind) as read:
                synced: Synced = sync_source(
                    one,
                    engine=engine,
                    today=now.date(),
                    fetching=read,
                    options=importer_options(one.kind, settings),
                )
        except SyncError as error:
            sync_runs.finish_by_hand(engine=engine, run_id=run_id, now=datetime.now(UTC), error=error.reason)
            say(f"csm-coach: {error}", to=errors)
            left = [later.kind for later in chosen[done + 1 :]]
            if left:
                say(f"Not synced, as the sync stops at the first failure: {', '.join(left)}.", to=errors)
            raise typer.Exit(1) from None
        except Exception:
            reason = "an unexpected error (csm-coach sync by hand printed it)"
            sync_runs.finish_by_hand(engine=engine, run_id=run_id, now=datetime.now(UTC), error=reason)
            raise
        except BaseException:  # stopped by hand (Ctrl-C): nothing was written, so nothing to say
            sync_runs.forget_by_hand(engine=engine, run_id=run_id)
            raise
        summary = synced.summary()
        sync_runs.finish_by_hand(
            engine=engine, run_id=run_id, now=datetime.now(UTC), error=None, summary=summary
        )
        say(summary)
        for line in settle(one.kind, engine=engine, now=now, settings=settings):
            say(line)
