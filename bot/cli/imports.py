"""`csm-coach import team|accounts|usage FILE` (all-or-nothing) and `csm-coach team set`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from bot.cli.apps import import_app, team_app
from bot.cli.common import as_text, errors, ready_engine, say
from bot.config import get_settings
from bot.db import session_scope
from bot.errors import UserFacingError
from bot.importers.errors import ImportResult
from bot.services.freshness import settle


@contextmanager
def progress_bar(path: Path) -> Iterator[Callable[[int, int], None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    ) as progress:
        task = progress.add_task(as_text(path.name), total=max(path.stat().st_size, 1))

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def run_import(kind: str, path: Path, **options: object) -> None:
    from bot.importers.accounts import import_accounts
    from bot.importers.team import import_team
    from bot.importers.usage import import_usage

    now = datetime.now(UTC)  # the edge: the real day bounds the file's dates (README, "CSV formats")
    today = now.date()
    importers: dict[str, Callable[..., ImportResult]] = {
        "team": import_team,
        "accounts": partial(import_accounts, today=today, plan_hold_days=get_settings().plan_hold_days),
        "usage": partial(import_usage, today=today),
    }
    importer = partial(importers[kind], **options)
    settings = get_settings()
    if not path.is_file():
        raise UserFacingError(f"{path}: no such file")
    engine = ready_engine(settings)
    with progress_bar(path) as progress:
        result = importer(path, engine=engine, progress=progress)
    say(result.summary())
    for line in settle(kind, engine=engine, now=now, settings=settings):
        say(line)


@import_app.command("team")
def import_team_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="slack_user_id,email,name,team,role,timezone (an empty slack_user_id is looked up by email)",
        ),
    ],
) -> None:
    """People and teams; the file is the whole roster."""
    from bot.slack.people import email_lookup

    run_import("team", file, lookup=email_lookup(get_settings()))


@import_app.command("accounts")
def import_accounts_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="external_id,name,segment,arr,owner,start_date,renewal_date[,last_review_date]",
        ),
    ],
    crm: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="salesforce|hubspot",
            help="Read a Salesforce account report or a HubSpot companies export as it comes.",
        ),
    ] = None,
    map_file: Annotated[
        Path | None,
        typer.Option(
            "--map",
            metavar="MAP.toml",
            help='Rename columns: a [columns] table of our name = "their header" (and date_format).',
        ),
    ] = None,
) -> None:
    """Accounts, updated by external_id (an owner change moves the account)."""
    from bot.importers.crm import source

    run_import("accounts", file, source=source(crm, map_file))


@import_app.command("usage")
def import_usage_cmd(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="external_id,date,value")],
    skip_unknown_accounts: Annotated[
        bool,
        typer.Option(
            "--skip-unknown-accounts",
            help="Skip (and count) rows of accounts csm-coach does not hold, e.g. trials and churned ones.",
        ),
    ] = False,
) -> None:
    """Daily usage per account; a day imported again replaces its value."""
    run_import("usage", file, skip_unknown_accounts=skip_unknown_accounts)


@team_app.command("set")
def team_set(
    team: Annotated[str, typer.Argument(help="Team name as in the team file.")],
    channel: Annotated[
        str | None, typer.Option(metavar="CHANNEL_ID", help="Slack channel id (C…) for the daily post.")
    ] = None,
    post_time: Annotated[
        str | None, typer.Option(metavar="HH:MM", help="Local time of the daily post.")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="The IANA name of a place, e.g. Europe/London, or UTC."),
    ] = None,
) -> None:
    """Where and when a team's daily post goes (default 09:00 in the team's time zone)."""
    from bot.services import teams

    engine = ready_engine(get_settings())
    with session_scope(engine) as session:
        updated = teams.configure(
            session=session, name=team, channel=channel, post_time=post_time, timezone=timezone
        )
        say(teams.describe(updated, session=session))
