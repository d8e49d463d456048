"""The long-running verbs: `migrate`, `serve` (HTTP), `run` (Socket Mode) and `clock` (the scheduler)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from apscheduler.schedulers.background import BackgroundScheduler

from bot.cli.apps import app
from bot.cli.common import as_text, console, ready_engine, say
from bot.config import get_settings
from bot.db import get_engine, request_engine
from bot.jobs.daily_sync import configured
from bot.jobs.scheduler import configure as configure_scheduler
from bot.jobs.stopping import Stopper
from bot.slack.tokens import verify_tokens

SOCKET_MODE_THREADS = 10  # Socket Mode's workers, each may hold a pooled connection


@app.command("migrate")
def migrate_cmd() -> None:
    """Bring the database schema up to date (Alembic)."""
    settings = get_settings()
    ready_engine(settings)
    url = get_engine(settings.database_url).url.render_as_string()  # the password hidden
    console.print(f"Database schema is up to date ({as_text(url)}).")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
) -> None:
    """HTTP mode on PORT: POST /slack/events (Slack-signed), GET /healthz, POST /api/v1/* (bearer tokens)."""
    import uvicorn

    from bot import web_limits
    from bot.logs import uvicorn_log_config

    settings = get_settings()
    settings.require("slack_bot_token", "slack_signing_secret")
    verify_tokens(settings)
    ready_engine(settings)
    uvicorn.run(
        "bot.web:asgi_factory",
        factory=True,
        host=host,
        port=settings.port,
        workers=settings.web_concurrency,
        proxy_headers=True,
        log_level="info",
        log_config=uvicorn_log_config(),
        # Slow clients are cut off: see bot/web_limits.py (and bot/web.py for the body's deadline).
        http=web_limits.HeadDeadline,
        timeout_keep_alive=web_limits.KEEP_ALIVE_SECONDS,
        limit_concurrency=web_limits.MAX_CONCURRENCY,
        h11_max_incomplete_event_size=web_limits.MAX_HEAD_BYTES,
    )


@app.command()
def run() -> None:
    """Socket Mode (SLACK_APP_TOKEN): for a laptop or a single box, no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import LISTENER_THREADS, create_app

    settings = get_settings()
    settings.require("slack_bot_token", "slack_app_token")
    verify_tokens(settings, app_token=True)
    engine = ready_engine(settings)
    # Requests wait 2 s for a lock and answer "busy"; the round, on `engine`, waits as long as it needs.
    requests = request_engine(settings.database_url, threads=SOCKET_MODE_THREADS + LISTENER_THREADS)
    bolt = create_app(settings, engine=requests)
    stopper = Stopper()
    sync_config = configured(settings, cwd=Path.cwd())
    scheduler = configure_scheduler(
        BackgroundScheduler(), engine, settings, stopper, sync_config=sync_config
    ).scheduler
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
    With a csm-coach.toml (or CSM_COACH_CONFIG) it also syncs the SQL sources daily at SYNC_TIME (UTC).
    """
    settings = get_settings()
    settings.require("slack_bot_token")
    verify_tokens(settings)
    engine = ready_engine(settings)
    stopper = Stopper()
    sync_config = configured(settings, cwd=Path.cwd())
    scheduler = configure_scheduler(
        BackgroundScheduler(), engine, settings, stopper, sync_config=sync_config
    ).scheduler
    for job in scheduler.get_jobs():
        say(f"{job.name}: {job.trigger}")
    stopper.install()
    scheduler.start()
    stopper.wait()
    stopper.stop(scheduler)
