"""A body that stalls, or trickles for ever, is cut off with 408; one that keeps coming is read whole."""

from __future__ import annotations

import io
from typing import Any

import anyio
import pytest
from starlette.requests import Request

from bot.api.body import CsvSink
from bot.api.routes import stream_to
from bot.web_headers import Refused

SCOPE = {"type": "http", "method": "POST", "path": "/api/v1/usage", "headers": []}


def request(pause: float, *, chunks: int | None) -> Request:
    """A request whose body comes a chunk every `pause` seconds: `chunks` of them, or for ever."""
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        await anyio.sleep(pause)
        sent += 1
        more = chunks is None or sent < chunks
        return {"type": "http.request", "body": b"a,b\n", "more_body": more}

    return Request(SCOPE, receive)


def read(req: Request, *, idle: float, whole: float) -> bytes:
    out = io.BytesIO()
    anyio.run(lambda: stream_to(CsvSink(out), req, 10**6, idle=idle, whole=whole))
    return out.getvalue()


def test_a_body_that_keeps_coming_is_read_whole() -> None:
    assert read(request(0.01, chunks=5), idle=1.0, whole=5.0) == b"a,b\n" * 5


def test_a_body_that_stalls_is_cut_off_after_the_idle_deadline() -> None:
    with pytest.raises(Refused) as refused:
        read(request(2.0, chunks=None), idle=0.2, whole=60.0)
    assert (refused.value.status, "nothing came for 0.2 s" in refused.value.reason) == (408, True)


def test_a_body_that_trickles_for_ever_is_cut_off_at_the_whole_deadline() -> None:
    with pytest.raises(Refused) as refused:
        read(request(0.02, chunks=None), idle=1.0, whole=0.3)
    assert (refused.value.status, "not all of it within 0.3 s" in refused.value.reason) == (408, True)
