"""ASGI app for HTTP mode: `POST /slack/events` (Slack-signed) and `GET /healthz`."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import Settings, get_settings
from bot.db import get_engine, migrate
from bot.slack.app import create_app


def create_asgi(settings: Settings, *, engine: Engine, bolt: App) -> Starlette:
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        # Bolt is synchronous; keep the event loop free for other requests meanwhile.
        bolt_response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(_: Request) -> Response:
        def ping() -> None:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except Exception as exc:  # noqa: BLE001 - health checks report, they don't raise
            return JSONResponse({"ok": False, "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def asgi_factory() -> Starlette:
    """Entry point for uvicorn (`factory=True`): each worker process builds its own app."""
    settings = get_settings()
    engine = get_engine(settings.database_url)
    migrate(engine)
    return create_asgi(settings, engine=engine, bolt=create_app(settings, engine=engine))
