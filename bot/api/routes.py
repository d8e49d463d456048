"""`POST /api/v1/usage`, `/api/v1/accounts` and `/api/v1/team`: the file importers, fed over HTTP.

In order, each before the next is looked at: the bearer token (401, the body unread), the media
type (415), the declared length (413, unread). The body then streams to a CSV file on disk (413 as
soon as it passes `INGEST_MAX_BYTES`, 400 where it is not UTF-8 or not JSON), and the importer reads
that file in a worker thread, all or nothing (422 naming the row and column, nothing written).

Deadlines: a body of tens of MB over a slow link takes minutes, so there is no deadline on the whole
of it as tight as /slack/events's; instead each chunk must follow the previous within
`IDLE_SECONDS` (a stalled client is cut off quickly) and the whole body must come within
`BODY_SECONDS` (a client trickling bytes cannot hold a connection for ever). Both answer 408.
"""

from __future__ import annotations

import email.message
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import Engine
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.body import BadBody, BodySink, CsvSink, NdjsonSink
from bot.config import Settings
from bot.db import is_busy, session_scope
from bot.errors import UserFacingError
from bot.importers import accounts, team, usage
from bot.importers.errors import CsvError, CsvErrors, ImportResult
from bot.plaintext import plural
from bot.services import api_tokens
from bot.services.freshness import settle_import
from bot.slack.people import email_lookup
from bot.web_headers import CONTENT_LENGTH, CONTENT_TYPE, Refused, header

log = logging.getLogger(__name__)

CSV = "text/csv"
NDJSON = "application/x-ndjson"
IDLE_SECONDS = 30.0
BODY_SECONDS = 15 * 60.0  # 50 MB in 15 minutes is 57 KB/s: the slowest link worth waiting for
FEED_BYTES = 256 * 1024  # bytes gathered before a worker thread writes them out
BODY_NAME = "the request"  # how the summary and the errors name the body
# (required columns, optional columns) of each kind: NDJSON objects become rows in this order.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "usage": (usage.COLUMNS, ()),
    "accounts": (accounts.COLUMNS, accounts.OPTIONAL),
    "team": (team.COLUMNS, ()),
}


class Unauthorised(Refused):
    def __init__(self, reason: str, *, token_given: bool) -> None:
        super().__init__(401, reason)
        self.token_given = token_given


def bearer(request: Request) -> str:
    """The token of the one `Authorization: Bearer …` header, or 401."""
    values = [value for key, value in request.headers.raw if key == b"authorization"]
    if not values:
        raise Unauthorised("no token: send Authorization: Bearer TOKEN", token_given=False)
    scheme, _, credentials = values[0].partition(b" ")
    token = credentials.strip()
    if len(values) > 1 or scheme.lower() != b"bearer" or not token or not token.isascii():
        raise Unauthorised(
            "malformed Authorization header: send Authorization: Bearer TOKEN", token_given=True
        )
    return token.decode("ascii")


def media_type(request: Request) -> str:
    raw = header(request, b"content-type", CONTENT_TYPE, status=415)
    parsed = email.message.Message()
    parsed["content-type"] = raw or ""
    media, charset = parsed.get_content_type(), parsed.get_content_charset()
    if raw is None or media not in (CSV, NDJSON) or charset not in (None, "utf-8", "utf8"):
        raise Refused(415, f"send Content-Type: {CSV} or {NDJSON} (UTF-8), not {raw!r}")
    return media


async def stream_to(
    sink: BodySink, request: Request, limit: int, *, idle: float = IDLE_SECONDS, whole: float = BODY_SECONDS
) -> None:
    """Feed the body to `sink` in a worker thread, a few chunks at a time; 413, 408 or 400 on the way."""
    declared = header(request, b"content-length", CONTENT_LENGTH, status=400)
    if declared is not None and int(declared) > limit:
        raise Refused(413, f"body of {declared} bytes is over INGEST_MAX_BYTES ({limit})")
    chunks = request.stream().__aiter__()
    received, gathered = 0, bytearray()
    ends = time.monotonic() + whole
    while True:
        wait = min(idle, ends - time.monotonic())
        try:
            with anyio.fail_after(max(wait, 0.0)):
                chunk = await chunks.__anext__()
        except StopAsyncIteration:
            break
        except TimeoutError:
            said = f"nothing came for {idle:g} s" if wait == idle else f"not all of it within {whole:g} s"
            raise Refused(408, f"body not received: {said}") from None
        except ClientDisconnect:
            raise Refused(400, "client went away before the body ended") from None
        received += len(chunk)
        if received > limit:
            raise Refused(413, f"body is over INGEST_MAX_BYTES ({limit} bytes)")
        gathered += chunk
        if len(gathered) >= FEED_BYTES:
            await anyio.to_thread.run_sync(sink.feed, bytes(gathered))
            gathered.clear()
    await anyio.to_thread.run_sync(sink.feed, bytes(gathered))
    await anyio.to_thread.run_sync(sink.finish)


def refusal(refused: Refused) -> Response:
    headers = {"connection": "close"}  # the body may be unread: the connection cannot carry another
    if isinstance(refused, Unauthorised):
        headers["www-authenticate"] = (
            'Bearer realm="csm-coach", error="invalid_token"'
            if refused.token_given
            else 'Bearer realm="csm-coach"'
        )
    return JSONResponse({"error": refused.reason}, status_code=refused.status, headers=headers)


def located(error: CsvError) -> dict[str, Any]:
    """One bad row: the row (line 1 of a CSV body is its header, row 0), the column, what is wrong."""
    row = error.line - 1
    where = "the header" if row == 0 else f"row {row}"
    column = f", column {error.column_name}" if error.column_name else ""
    return {
        "error": f"{where}{column}: {error.message}",
        "row": row,
        "line": error.line,
        "column": error.column_name,
        "column_number": error.column,
    }


def bad_row(error: CsvError) -> Response:
    """422 naming the first bad row, and every bad row one run found (at most 20, then a count)."""
    errors = error.errors if isinstance(error, CsvErrors) else [error]
    total = error.total if isinstance(error, CsvErrors) else 1
    first = located(errors[0])
    more = f" (and {plural(total - 1, 'more bad row')})" if total > 1 else ""
    return JSONResponse(
        {
            **first,
            "error": f"{first['error']}{more}; nothing was imported",
            "errors": [located(e) for e in errors],
            "bad_rows": total,
        },
        status_code=422,
        headers={"connection": "close"},  # an NDJSON value can be refused before the body's end
    )


def answer(result: ImportResult, declining: int | None) -> dict[str, Any]:
    shown = replace(result, file=BODY_NAME)
    said: dict[str, Any] = {
        "kind": result.kind,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "details": result.details,
        "notes": result.notes,
        "summary": shown.summary(),
    }
    if declining is not None:
        said["declining"] = declining
    return said


def api_routes(settings: Settings, *, requests: Engine, imports: Engine) -> list[Route]:
    """The routes; `requests` answers who the token is (short lock waits), `imports` writes the data."""
    one_import = anyio.CapacityLimiter(1)  # per process: an import holds the write lock, or a lot of I/O

    def recognise(token: str) -> int | None:
        with session_scope(requests) as session:
            found = api_tokens.recognise(session=session, token=token)
            return None if found is None else found.id

    def mark_used(token_id: int, now: datetime) -> None:
        with session_scope(imports) as session:
            api_tokens.mark_used(session=session, token_id=token_id, now=now)

    def run(kind: str, path: Path, now: datetime) -> dict[str, Any]:
        importers: dict[str, Callable[..., ImportResult]] = {
            "team": partial(team.import_team, lookup=email_lookup(settings)),
            "accounts": partial(
                accounts.import_accounts, today=now.date(), plan_hold_days=settings.plan_hold_days
            ),
            "usage": partial(usage.import_usage, today=now.date()),
        }
        result = importers[kind](path, engine=imports)
        fresh = settle_import(kind, engine=imports, now=now, settings=settings)
        return answer(result, None if fresh is None else fresh.declining)

    async def receive(kind: str, request: Request, media: str, folder: Path) -> Path:
        path = folder / f"{kind}.csv"
        columns, optional = COLUMNS[kind]
        if media == CSV:
            with path.open("wb") as raw:
                await stream_to(CsvSink(raw), request, settings.ingest_max_bytes)
        else:
            with path.open("w", encoding="utf-8", newline="") as text:
                sink = NdjsonSink(text, file=BODY_NAME, columns=columns, optional=optional)
                await stream_to(sink, request, settings.ingest_max_bytes)
        return path

    async def ingest(request: Request, kind: str) -> Response:
        now = datetime.now(UTC)  # the edge: the real day bounds the body's dates, as in a CLI import
        token_id: int | None = None
        try:
            token = bearer(request)
            token_id = await anyio.to_thread.run_sync(recognise, token)
            if token_id is None:
                raise Unauthorised("unknown or revoked token", token_given=True)
            media = media_type(request)
            with tempfile.TemporaryDirectory(prefix="csm-coach-ingest-") as folder:
                path = await receive(kind, request, media, Path(folder))
                said = await anyio.to_thread.run_sync(run, kind, path, now, limiter=one_import)
            log.info("ingested %s: %s", kind, said["summary"])
            return JSONResponse(said)
        except Refused as refused:
            log.warning("refused a request to /api/v1/%s with %s: %s", kind, refused.status, refused.reason)
            return refusal(refused)
        except BadBody as bad:  # met as the body streamed: the rest of it may be unread
            said = {"error": f"row {bad.row}: {bad.message}", "row": bad.row}
            return JSONResponse(said, status_code=400, headers={"connection": "close"})
        except CsvError as error:
            return bad_row(error)
        except UserFacingError as error:
            return JSONResponse({"error": str(error)}, status_code=422)
        except Exception as error:
            if not is_busy(error):
                raise
            log.warning("database busy: asked the client of /api/v1/%s to retry", kind)
            return JSONResponse({"error": "busy, retry"}, status_code=503, headers={"retry-after": "10"})
        finally:
            if token_id is not None:
                try:
                    await anyio.to_thread.run_sync(mark_used, token_id, now)
                except Exception as error:  # noqa: BLE001 - the answer stands; only "last used" is late
                    log.warning("could not record the use of API token %s: %s", token_id, error)

    def route(kind: str) -> Route:
        async def endpoint(request: Request) -> Response:
            return await ingest(request, kind)

        return Route(f"/api/v1/{kind}", endpoint, methods=["POST"], name=f"api-{kind}")

    return [route(kind) for kind in COLUMNS]
