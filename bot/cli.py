"""The `csm-coach` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.config import InvalidSettings, MissingSetting, Settings, describe_invalid, get_settings
from bot.db import get_engine, migrate, refresh_statistics, request_engine, session_scope
from bot.errors import UserFacingError
from bot.importers.errors import CsvError, ImportResult
from bot.jobs.scheduler import configure as configure_scheduler
from bot.jobs.stopping import Stopper
from bot.logs import configure_logging
from bot.slack.client import make_round_client

app = typer.Typer(
    name="csm-coach",
    help="csm-coach: coaches Customer Success Managers in Slack.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(
    help="Import a CSV file (all-or-nothing): team, accounts or usage.", no_args_is_help=True
)
team_app = typer.Typer(help="Team settings: channel, post time, time zone.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(team_app, name="team")

console = Console()
errors = Console(stderr=True)
SOCKET_MODE_THREADS = 10  # Socket Mode's workers, each may hold a pooled connection
AT_TOLERANCE = timedelta(minutes=1)  # `digest --at` this close to now is "now", clocks drifting apart


def ready_engine(settings: Settings) -> Engine:
    """The configured database, its schema brought up to date."""
    engine = get_engine(settings.database_url)
    migrate(engine)
    return engine


@app.command("migrate")
def migrate_cmd() -> None:
    """Bring the database schema up to date (Alembic)."""
    settings = get_settings()
    ready_engine(settings)
    console.print(
        f"Database schema is up to date ({get_engine(settings.database_url).url.render_as_string()})."
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
) -> None:
    """HTTP mode on PORT: POST /slack/events (Slack-signed) and GET /healthz."""
    import uvicorn

    settings = get_settings()
    settings.require("slack_bot_token", "slack_signing_secret")
    ready_engine(settings)
    uvicorn.run(
        "bot.web:asgi_factory",
        factory=True,
        host=host,
        port=settings.port,
        workers=settings.web_concurrency,
        proxy_headers=True,
        log_level="info",
    )


@app.command()
def run() -> None:
    """Socket Mode (SLACK_APP_TOKEN): for a laptop or a single box, no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import LISTENER_THREADS, create_app

    settings = get_settings()
    settings.require("slack_bot_token", "slack_app_token")
    engine = ready_engine(settings)
    # Requests wait 2 s for a lock and answer "busy"; the round, on `engine`, waits as long as it needs.
    requests = request_engine(settings.database_url, threads=SOCKET_MODE_THREADS + LISTENER_THREADS)
    bolt = create_app(settings, engine=requests, socket_mode=True)
    stopper = Stopper()
    scheduler = configure_scheduler(BackgroundScheduler(), engine, settings, stopper)
    handler = SocketModeHandler(bolt, settings.secret("slack_app_token"), concurrency=SOCKET_MODE_THREADS)
    stopper.install()
    scheduler.start()
    try:
        handler.connect()
        stopper.wait()
    finally:
        handler.close()
        stopper.stop(scheduler)


@app.command()
def clock() -> None:
    """The scheduler alone: each team's morning round at its post time (run one per deployment).

    On start and every two minutes it also sends the round of any team whose post time has passed
    today and whose round has not gone out; on SIGTERM it finishes the message in flight and exits.
    """
    settings = get_settings()
    settings.require("slack_bot_token")
    engine = ready_engine(settings)
    stopper = Stopper()
    scheduler = configure_scheduler(BackgroundScheduler(), engine, settings, stopper)
    for job in scheduler.get_jobs():
        console.print(f"{job.name}: {job.trigger}", soft_wrap=True, markup=False)
    stopper.install()
    scheduler.start()
    stopper.wait()
    stopper.stop(scheduler)


@app.command()
def digest(
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the messages here; send nothing.")
    ] = False,
    at: Annotated[
        str | None, typer.Option(help="Pretend it is this moment (ISO 8601, e.g. 2026-11-23T09:00+00:00).")
    ] = None,
) -> None:
    """Run the morning round now: each team's channel post and each CSM's DM."""
    from bot.jobs.compose import plan_round
    from bot.jobs.digest import morning_round
    from bot.render import render_message

    settings = get_settings()
    real_now = datetime.now(UTC)
    now = parse_moment(at) if at else real_now
    if not dry_run and now > real_now + AT_TOLERANCE:
        # Sending now under a future date would claim that day's round, and the real one would send nothing.
        raise UserFacingError(
            f"--at {at} is in the future: a future moment works only with --dry-run (nothing was sent)"
        )
    engine = ready_engine(settings)
    if dry_run:
        for plan in plan_round(engine=engine, now=now, settings=settings, team_name=team, commit=False):
            if not plan.outgoing:
                console.print(f"[dim]Team {plan.team}: nothing to send.[/]")
            for out in plan.outgoing:
                render_message(
                    console, title=out.title, blocks=out.message.block_dicts(), text=out.message.text
                )
        return
    client = make_round_client(settings, token=settings.secret("slack_bot_token"))
    summary = morning_round(engine=engine, client=client, now=now, settings=settings, team_name=team)
    console.print(summary.line(), soft_wrap=True, markup=False)
    if summary.outcomes["failed"] or summary.outcomes["refused"]:
        raise typer.Exit(code=3)


@app.command()
def plan(
    team: Annotated[str | None, typer.Option(help="Only this team (default: every team).")] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Also write the moves: external_id,name,segment,arr,from,to,reason."),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Make the moves and DM each CSM concerned (needs SLACK_BOT_TOKEN)."),
    ] = False,
) -> None:
    """The rebalancing plan: the fewest moves that bring every CSM within band, and the headcount."""
    from bot.plan_cli import run_plan

    settings = get_settings()
    engine = ready_engine(settings)
    run_plan(
        console,
        engine=engine,
        settings=settings,
        now=datetime.now(UTC),
        team_name=team,
        csv_path=csv_file,
        apply=apply,
    )


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
        task = progress.add_task(path.name, total=max(path.stat().st_size, 1))

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def run_import(kind: str, path: Path) -> None:
    from bot.importers.accounts import import_accounts
    from bot.importers.team import import_team
    from bot.importers.usage import import_usage

    today = datetime.now(UTC).date()  # the edge: the real day bounds the file's dates (SPEC §4)
    importers: dict[str, Callable[..., ImportResult]] = {
        "team": import_team,
        "accounts": partial(import_accounts, today=today),
        "usage": partial(import_usage, today=today),
    }
    importer = importers[kind]
    settings = get_settings()
    if not path.is_file():
        raise UserFacingError(f"{path}: no such file")
    engine = ready_engine(settings)
    with progress_bar(path) as progress:
        result = importer(path, engine=engine, progress=progress)
    console.print(result.summary(), soft_wrap=True, markup=False)
    if kind == "accounts":
        from bot.services import steps

        with session_scope(engine) as session:
            started = steps.generate(session=session, today=today, cadence=settings.review_cadence_days)
        console.print(f"Playbook steps generated for {started:,} new accounts.", soft_wrap=True, markup=False)
    refresh_statistics(engine)


@import_app.command("team")
def import_team_cmd(
    file: Annotated[Path, typer.Argument(help="slack_user_id,email,name,team,role,timezone")],
) -> None:
    """People and teams; the file is the whole roster."""
    run_import("team", file)


@import_app.command("accounts")
def import_accounts_cmd(
    file: Annotated[
        Path,
        typer.Argument(help="external_id,name,segment,arr,owner,start_date,renewal_date[,last_review_date]"),
    ],
) -> None:
    """Accounts, updated by external_id (an owner change moves the account)."""
    run_import("accounts", file)


@import_app.command("usage")
def import_usage_cmd(file: Annotated[Path, typer.Argument(help="external_id,date,value")]) -> None:
    """Daily usage per account; a day imported again replaces its value."""
    run_import("usage", file)


@team_app.command("set")
def team_set(
    team: Annotated[str, typer.Argument(help="Team name as in the team file.")],
    channel: Annotated[str | None, typer.Option(help="Slack channel id (C…) for the daily post.")] = None,
    post_time: Annotated[str | None, typer.Option(help="Local time of the daily post, HH:MM.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone, e.g. Europe/London.")] = None,
) -> None:
    """Where and when a team's daily post goes (default 09:00 in the team's time zone)."""
    from bot.services import teams

    engine = ready_engine(get_settings())
    with session_scope(engine) as session:
        updated = teams.configure(
            session=session, name=team, channel=channel, post_time=post_time, timezone=timezone
        )
        console.print(teams.describe(updated, session=session), soft_wrap=True, markup=False)


@app.command()
def demo(
    db: Annotated[Path, typer.Option(help="SQLite file to (re)create for the demo.")] = Path(
        "csm-coach-demo.db"
    ),
    today: Annotated[str | None, typer.Option(help="Pretend today is this date (YYYY-MM-DD).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic company.")] = 7,
    holiday: Annotated[
        bool, typer.Option(help="Make the last 7 days a holiday week: everyone's usage down by about half.")
    ] = False,
) -> None:
    """Build a realistic synthetic company in SQLite and show what the bot would say (no Slack needed)."""
    from bot.demo.run import run_demo

    day = parse_day(today) if today else datetime.now(ZoneInfo("UTC")).date()
    run_demo(console, db_path=db, today=day, seed=seed, holiday=holiday)


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserFacingError(f"--at: {value!r} is not a moment like 2026-11-23T09:00+00:00") from None
    if moment.tzinfo is None:
        raise UserFacingError(f"--at: {value!r} needs a UTC offset, e.g. 2026-11-23T09:00+00:00")
    return moment


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserFacingError(f"--today: {value!r} is not a date like 2026-11-22") from None


def main() -> None:
    configure_logging()
    try:
        app()
    except (InvalidSettings, ValidationError) as exc:
        if isinstance(exc, ValidationError) and exc.title != Settings.__name__:
            raise
        lines = exc.lines if isinstance(exc, InvalidSettings) else describe_invalid(exc)
        for line in lines:
            errors.print(f"csm-coach: {line}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except (MissingSetting, UserFacingError, CsvError) as exc:
        errors.print(f"csm-coach: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2 if isinstance(exc, MissingSetting) else 1)
    except OperationalError as exc:
        errors.print(
            f"csm-coach: cannot use the database: {exc.orig}", markup=False, highlight=False, soft_wrap=True
        )
        sys.exit(1)
