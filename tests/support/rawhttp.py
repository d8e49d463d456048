"""HTTP/1.1 written byte by byte to a running `serve`: headers urllib would not send (non-ASCII, given
twice), and clients that send slowly."""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

Headers = Sequence[tuple[bytes, bytes]]


def connect(url: str, *, timeout: float = 10.0) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout)


def head(path: str, headers: Headers, *, method: bytes = b"POST") -> bytes:
    """A request's line and headers, as given (in order, repeats kept), and the blank line."""
    lines = [method + b" " + path.encode() + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def status_of(answer: bytes) -> int:
    """The status code of an HTTP answer's first line (0 for no answer)."""
    parts = answer.split(b"\r\n", 1)[0].split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def exchange(url: str, request: bytes, *, timeout: float = 10.0) -> tuple[int, bytes, float]:
    """Send `request` on a fresh connection: (status, the answer's first bytes, seconds it took)."""
    with connect(url, timeout=timeout) as conn:
        started = time.monotonic()
        conn.sendall(request)
        answer = conn.recv(65536)
        return status_of(answer), answer, time.monotonic() - started


def post(url: str, headers: Headers, body: bytes, *, path: str = "/slack/events") -> tuple[int, bytes]:
    """POST `body` with exactly these headers (Content-Length added unless given): (status, answer)."""
    if not any(name.lower() == b"content-length" for name, _ in headers):
        headers = [*headers, (b"Content-Length", str(len(body)).encode())]
    status, answer, _ = exchange(url, head(path, headers) + body)
    return status, answer


def trickle(conns: Sequence[socket.socket], *, every: float, give_up: float) -> list[float | None]:
    """Send one more byte on each connection every `every` seconds (the first after `every`), until the
    server has closed them all or `give_up` seconds have passed: when each was closed (`time.monotonic`),
    None for one still open. What a connection is answered before it closes is read and dropped."""
    deadline = time.monotonic() + give_up
    closed_at: list[float | None] = [None] * len(conns)
    next_byte = time.monotonic() + every
    while None in closed_at and time.monotonic() < deadline:
        still_open = [c for c, at in zip(conns, closed_at, strict=True) if at is None]
        if time.monotonic() >= next_byte:
            for conn in still_open:
                with contextlib.suppress(OSError):  # closed: select finds it readable below
                    conn.sendall(b"a")
            next_byte = time.monotonic() + every
        readable, _, _ = select.select(still_open, [], [], max(0.0, next_byte - time.monotonic()))
        for conn in readable:
            try:
                ended = conn.recv(65536) == b""
            except OSError:
                ended = True
            if ended:
                closed_at[conns.index(conn)] = time.monotonic()
    return closed_at
