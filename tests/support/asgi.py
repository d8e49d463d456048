"""An ASGI app called in-process as uvicorn would call it, with the request's headers as raw bytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
from starlette.types import ASGIApp


def call(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    headers: Sequence[tuple[bytes, bytes]] = (),
    body: bytes = b"",
) -> tuple[int, dict[bytes, bytes], bytes]:
    """(status, headers, body) of one request; header names are lower-cased, as a server gives them."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(name.lower(), value) for name, value in headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 3000),
    }
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:  # the body was read: what comes next is the client going away
            await anyio.sleep_forever()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), answer
