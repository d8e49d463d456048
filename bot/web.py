"""ASGI app for HTTP mode: `POST /slack/events` (Slack-signed) and `GET /healthz`.

Before Bolt sees a request: its size is bounded (413, unread), its signature is checked on the raw
bytes (401), it must parse the way Bolt will parse it (400), and an Events API retry of an event
already received is acknowledged and dropped. Client junk gets a 4xx and one log line, never a 5xx.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import anyio
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings, get_settings
from bot.db import get_engine, is_busy, migrate, request_engine, session_scope
from bot.services.slack_events import first_sight
from bot.slack.app import LISTENER_THREADS, create_app

log = logging.getLogger(__name__)

MAX_SLACK_BODY = 1024 * 1024  # Slack's own payloads are far smaller; a bigger body is not from Slack
# Threads that take a request from the event loop to Bolt (each acks, and may record an event id).
REQUEST_THREADS = 16


class Refused(Exception):
    """A request answered with a 4xx before Bolt sees it."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_bounded(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it is known to be over `limit`: from Content-Length before reading,
    else while it streams in (chunked)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise Refused(413, f"body of {declared} bytes is over {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"body is over {limit} bytes")
    return bytes(body)


def check_signature(verifier: SignatureVerifier, body: bytes, request: Request) -> None:
    timestamp = request.headers.get("x-slack-request-timestamp")
    signature = request.headers.get("x-slack-signature")
    if not timestamp or not timestamp.isdigit() or not signature:
        raise Refused(401, "not signed")
    try:
        valid = verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:  # the SDK signs text; Slack only ever sends UTF-8
        raise Refused(400, "body is not UTF-8") from None
    if not valid:
        raise Refused(401, "bad or stale signature")


def parse(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The payload as Bolt will read it (slack_bolt.request.internals.parse_body), or 400."""
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if not raw:
        raise Refused(400, "empty body")
    try:
        if content_type == "application/json" or raw.startswith("{"):
            parsed: Any = json.loads(raw)
        else:
            form = dict(parse_qsl(raw, keep_blank_values=True))
            parsed = json.loads(form["payload"]) if "payload" in raw else form
    except (ValueError, KeyError):
        raise Refused(400, "body does not parse") from None
    if not isinstance(parsed, dict):
        raise Refused(400, "payload is not a JSON object")
    return parsed


def create_asgi(settings: Settings, *, engine: Engine, bolt: App) -> Starlette:
    verifier = SignatureVerifier(settings.secret("slack_signing_secret"))
    threads = anyio.CapacityLimiter(REQUEST_THREADS)

    def already_seen(payload: dict[str, Any]) -> bool:
        event_id = payload.get("event_id")
        if payload.get("type") != "event_callback" or not isinstance(event_id, str) or not event_id:
            return False
        with session_scope(engine) as session:
            return not first_sight(session=session, event_id=event_id, now=datetime.now(UTC))

    def handle(body: bytes, request: Request, payload: dict[str, Any]) -> Response:
        if already_seen(payload):
            event_id, retry = payload.get("event_id"), request.headers.get("x-slack-retry-num") or "none"
            log.info("event %s already received (retry %s): skipped", event_id, retry)
            return JSONResponse({"ok": True})
        # Plain dicts, as Bolt types them; of a repeated name the last value wins, as it did before.
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        bolt_request = BoltRequest(
            body=body.decode("utf-8"), query=dict(request.query_params.items()), headers=headers
        )
        return to_starlette_response(bolt.dispatch(bolt_request))

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_bounded(request, MAX_SLACK_BODY)
            check_signature(verifier, body, request)
            payload = parse(body, request.headers.get("content-type"))
        except Refused as refused:
            log.warning("refused a request to /slack/events with %s: %s", refused.status, refused.reason)
            return PlainTextResponse(refused.reason, status_code=refused.status)
        try:
            # Bolt is synchronous; keep the event loop free for other requests meanwhile.
            return await anyio.to_thread.run_sync(handle, body, request, payload, limiter=threads)
        except Exception as error:
            if not is_busy(error):
                raise
            # Only recording the event id can get here; Slack will send it again, and then it is new.
            log.warning("database busy: asked Slack to retry event %s", payload.get("event_id"))
            return PlainTextResponse("busy, retry", status_code=503)

    async def healthz(_: Request) -> Response:
        def ping() -> None:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        try:
            await anyio.to_thread.run_sync(ping, limiter=threads)
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
    migrate(get_engine(settings.database_url))  # several workers may start at once: wait long here
    # A pooled connection for every thread that may want one: the request threads and Bolt's listeners.
    engine = request_engine(settings.database_url, threads=REQUEST_THREADS + LISTENER_THREADS)
    return create_asgi(settings, engine=engine, bolt=create_app(settings, engine=engine))
