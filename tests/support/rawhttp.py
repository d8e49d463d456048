"""HTTP/1.1 written byte by byte to a running `serve`: headers urllib would not send (non-ASCII, given
twice), and clients that send slowly."""

from __future__ import annotations

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
