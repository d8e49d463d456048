"""ASGI app for HTTP mode: `POST /slack/events` (Slack-signed), `GET /healthz`, and the ingestion
API `POST /api/v1/*` (bearer tokens: bot/api/routes.py).

The front door is the one reader of a request. The headers it needs are read as bytes: given once,
ASCII and bounded, or refused (400, 401, 415) before Python's own parsing could fail on them. The body is
read within its size limit (413, unread) and its deadline (408); the signature is checked on the raw
bytes (401); the payload is read once, for its media type, and its shape checked (415, 400:
`bot/slack/payload.py`); an Events API retry of an event already received is acknowledged and
dropped. Bolt then gets that very payload, so the two never disagree on what a request says. Client
junk gets a 4xx and one log line, never a 5xx.
"""

from __future__ import annotations

import email.message
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.api.routes import api_routes
from bot.config import Settings, get_settings
from bot.db import get_engine, is_busy, migrate, request_engine, session_scope
from bot.services.slack_events import first_sight
from bot.slack.app import LISTENER_THREADS, create_app
from bot.slack.payload import FORM, JSON, BadPayload, read_payload
from bot.web_headers import CONTENT_LENGTH, CONTENT_TYPE, Refused, header

log = logging.getLogger(__name__)

MAX_SLACK_BODY = 1024 * 1024  # Slack's own payloads are far smaller; a bigger body is not from Slack
# Slack sends a body at once; one still coming after this long is cut off (its 3 s to ack are gone).
BODY_SECONDS = 5.0
# Threads that take a request from the event loop to Bolt (each acks, and may record an event id).
REQUEST_THREADS = 16

# The headers read, as the bytes that came: `str.isdigit` takes "²" that `int` refuses, `int` refuses
# thousands of digits, and `hmac.compare_digest` refuses non-ASCII text. Unix seconds fit in 12 digits.
TIMESTAMP = re.compile(rb"[0-9]{1,12}")
SIGNATURE = re.compile(rb"v0=[0-9a-f]{64}")  # Slack's v0 scheme: a SHA-256 HMAC in hex
RETRY_NUM = re.compile(rb"[0-9]{1,4}")
MEDIA_TYPES = (JSON, FORM)


@dataclass(frozen=True)
class SlackHeaders:
    timestamp: str | None
    signature: str | None
    content_type: str | None
    retry: str | None  # X-Slack-Retry-Num: Slack sending an event again

    @classmethod
    def of(cls, request: Request) -> SlackHeaders:
        return cls(
            timestamp=header(request, b"x-slack-request-timestamp", TIMESTAMP, status=401),
            signature=header(request, b"x-slack-signature", SIGNATURE, status=401),
            content_type=header(request, b"content-type", CONTENT_TYPE, status=415),
            retry=header(request, b"x-slack-retry-num", RETRY_NUM, status=400),
        )

    def media_type(self) -> str:
        """The media type, parameters aside (`application/json; charset=utf-8` is JSON), or 415."""
        parsed = email.message.Message()
        parsed["content-type"] = self.content_type or ""
        media_type, charset = parsed.get_content_type(), parsed.get_content_charset()
        if media_type not in MEDIA_TYPES or charset not in (None, "utf-8", "utf8"):
            raise Refused(415, f"content type {self.content_type!r} is not one Slack sends")
        return media_type


async def read_bounded(request: Request, limit: int, *, seconds: float = BODY_SECONDS) -> bytes:
    """The body, or 413 as soon as it is known to be over `limit`: from Content-Length before reading,
    else while it streams in (chunked); 408 when it has not all come within `seconds`."""
    declared = header(request, b"content-length", CONTENT_LENGTH, status=400)
    if declared is not None and int(declared) > limit:
        raise Refused(413, f"body of {declared} bytes is over {limit}")
    body = bytearray()
    try:
        with anyio.fail_after(seconds):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise Refused(413, f"body is over {limit} bytes")
    except TimeoutError:
        raise Refused(408, f"body not received within {seconds:g} s") from None
    except ClientDisconnect:
        raise Refused(400, "client went away before the body ended") from None
    return bytes(body)


def check_signature(verifier: SignatureVerifier, body: bytes, headers: SlackHeaders) -> None:
    if headers.timestamp is None or headers.signature is None:
        raise Refused(401, "not signed")
    try:
        valid = verifier.is_valid(body=body, timestamp=headers.timestamp, signature=headers.signature)
    except UnicodeDecodeError:  # the SDK signs text; Slack only ever sends UTF-8
        raise Refused(400, "body is not UTF-8") from None
    if not valid:
        raise Refused(401, "bad or stale signature")


def parse(body: bytes, headers: SlackHeaders) -> dict[str, Any]:
    """The payload Bolt will be handed, or 400 / 415."""
    media_type = headers.media_type()
    try:
        return read_payload(body.decode("utf-8"), media_type)
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    except BadPayload as bad:
        raise Refused(400, str(bad)) from None


def create_asgi(settings: Settings, *, engine: Engine, bolt: App) -> Starlette:
    verifier = SignatureVerifier(settings.secret("slack_signing_secret"))
    threads = anyio.CapacityLimiter(REQUEST_THREADS)

    def already_seen(payload: dict[str, Any]) -> bool:
        event_id = payload.get("event_id")
        if payload.get("type") != "event_callback" or not isinstance(event_id, str) or not event_id:
            return False
        with session_scope(engine) as session:
            return not first_sight(session=session, event_id=event_id, now=datetime.now(UTC))

    def handle(payload: dict[str, Any], retry: str | None) -> Response:
        if already_seen(payload):
            log.info("event %r already received (retry %s): skipped", payload.get("event_id"), retry)
            return JSONResponse({"ok": True})
        # Bolt takes a parsed body only under its Socket Mode name, which changes nothing else here but
        # skipping its own signature check (done above, on the raw bytes: the one that counts) and
        # letting its lazy listeners share this dict. No headers: a parsed body needs none, and Bolt's
        # `x-slack-bolt-lazy-*` ones (run a lazy listener alone, without its ack) are not for outsiders.
        return to_starlette_response(bolt.dispatch(BoltRequest(body=payload, mode="socket_mode")))

    async def slack_events(request: Request) -> Response:
        try:
            headers = SlackHeaders.of(request)
            body = await read_bounded(request, MAX_SLACK_BODY)
            check_signature(verifier, body, headers)
            payload = parse(body, headers)
        except Refused as refused:
            log.warning("refused a request to /slack/events with %s: %s", refused.status, refused.reason)
            # The body may be unread: the connection cannot carry another request.
            return PlainTextResponse(
                refused.reason, status_code=refused.status, headers={"connection": "close"}
            )
        try:
            # Bolt is synchronous; keep the event loop free for other requests meanwhile.
            return await anyio.to_thread.run_sync(handle, payload, headers.retry, limiter=threads)
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
            # Imports wait for locks as long as the CLI's do: nobody clicks and waits on them.
            *api_routes(settings, requests=engine, imports=get_engine(settings.database_url)),
        ]
    )


def asgi_factory() -> Starlette:
    """Entry point for uvicorn (`factory=True`): each worker process builds its own app."""
    settings = get_settings()
    migrate(get_engine(settings.database_url))  # several workers may start at once: wait long here
    # A pooled connection for every thread that may want one: the request threads and Bolt's listeners.
    engine = request_engine(settings.database_url, threads=REQUEST_THREADS + LISTENER_THREADS)
    return create_asgi(settings, engine=engine, bolt=create_app(settings, engine=engine))
