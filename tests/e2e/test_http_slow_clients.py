"""Slow clients are cut off by a running `serve`, and everyone else is answered meanwhile.

A request's head has `HEAD_SECONDS` to come (bot/web_limits.py: uvicorn has no such timeout), its
body `BODY_SECONDS` (bot/web.py, 408). Every loop here is bounded, and every connection is to loopback.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.web import BODY_SECONDS
from bot.web_limits import HEAD_SECONDS
from tests.support import rawhttp, signing
from tests.support.processes import ServeApp, ServedApp

pytestmark = pytest.mark.database_agnostic  # uvicorn's limits on slow clients: the same on any database


@pytest.fixture
def serve_app(serve_process: ServeApp) -> ServeApp:
    """Here `serve` runs as a process: uvicorn's limits on connections, as `serve` runs it."""
    return serve_process


SLOW_CLIENTS = 40
MARGIN = 2.5  # a loaded test machine's scheduling, on top of the deadline


@pytest.fixture
def opened(served_app: ServedApp) -> Iterator[list[socket.socket]]:
    """Connections to `served_app`, each closed at the end of the test."""
    conns: list[socket.socket] = []
    try:
        yield conns
    finally:
        for conn in conns:
            conn.close()


def test_forty_clients_trickling_their_headers_are_cut_off_and_others_are_answered_meanwhile(
    served_app: ServedApp, opened: list[socket.socket]
) -> None:
    started = time.monotonic()
    for _ in range(SLOW_CLIENTS):
        conn = rawhttp.connect(served_app.url)
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        opened.append(conn)

    # While the forty hold their connections, Slack's own requests are answered.
    assert served_app.post_command("/myload", "help").status == 200
    assert served_app.get("/healthz").status == 200
    answered = time.monotonic()
    closed_at = rawhttp.trickle(opened, every=1.0, give_up=HEAD_SECONDS + 2 * MARGIN)

    assert None not in closed_at, f"{closed_at.count(None)} slow clients still connected"
    assert min(at for at in closed_at if at is not None) > answered  # they were all there meanwhile
    slowest = max(at for at in closed_at if at is not None) - started
    assert slowest < HEAD_SECONDS + MARGIN, f"the last slow client was cut off after {slowest:.1f} s"
    assert "did not all come within" in served_app.logs()


def test_a_client_that_sends_nothing_is_cut_off(served_app: ServedApp, opened: list[socket.socket]) -> None:
    started = time.monotonic()
    opened.append(rawhttp.connect(served_app.url))

    [closed_at] = rawhttp.trickle(opened, every=HEAD_SECONDS * 10, give_up=HEAD_SECONDS + 2 * MARGIN)

    assert closed_at is not None and closed_at - started < HEAD_SECONDS + MARGIN


def test_a_client_trickling_its_next_request_on_a_kept_alive_connection_is_cut_off(
    served_app: ServedApp, opened: list[socket.socket]
) -> None:
    """uvicorn's keep-alive timer stops at the first byte of the next request: not the deadline."""
    conn = rawhttp.connect(served_app.url)
    opened.append(conn)
    conn.sendall(rawhttp.head("/healthz", [], method=b"GET"))
    assert rawhttp.status_of(conn.recv(65536)) == 200
    answered = time.monotonic()
    conn.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")

    [closed_at] = rawhttp.trickle(opened, every=1.0, give_up=HEAD_SECONDS + 2 * MARGIN)

    assert closed_at is not None and closed_at - answered < HEAD_SECONDS + MARGIN


def test_a_body_that_trickles_in_gets_408_within_its_deadline(
    served_app: ServedApp, opened: list[socket.socket]
) -> None:
    body = signing.slash_command("/myload", "help", response_url="http://127.0.0.1:9/response")
    headers = [
        (k.encode(), v.encode()) for k, v in signing.signed_headers(body, signing.SIGNING_SECRET).items()
    ]
    conn = rawhttp.connect(served_app.url)
    opened.append(conn)
    conn.sendall(rawhttp.head("/slack/events", [*headers, (b"Content-Length", str(len(body)).encode())]))
    conn.sendall(body[:10])
    started = time.monotonic()

    deadline = started + BODY_SECONDS + MARGIN
    answer = b""
    for byte in body[10:]:  # a byte a second: never the whole body in time
        conn.settimeout(max(0.01, min(1.0, deadline - time.monotonic())))
        try:
            answer = conn.recv(65536)
            break
        except TimeoutError:
            conn.sendall(bytes([byte]))
        if time.monotonic() > deadline:
            break

    assert rawhttp.status_of(answer) == 408, answer[:200]
    assert BODY_SECONDS - 0.5 < time.monotonic() - started < BODY_SECONDS + MARGIN
    assert b"connection: close" in answer.lower()
