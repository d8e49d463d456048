"""Reading a request's headers as the bytes that came, for every route of `serve`: given once, ASCII
and bounded, or refused with a 4xx before Python's own parsing could fail on them."""

from __future__ import annotations

import re

from starlette.requests import Request

CONTENT_LENGTH = re.compile(rb"[0-9]{1,16}")
CONTENT_TYPE = re.compile(rb"[\x20-\x7e]{1,200}")  # printable ASCII


class Refused(Exception):
    """A request answered with a 4xx before anything acts on it."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def header(request: Request, name: bytes, pattern: re.Pattern[bytes], *, status: int) -> str | None:
    """A header the front door reads: absent, or given once and matching `pattern`, else refused.

    Given twice it is refused too: which of the two counts would be a guess (Starlette reads the
    first, Bolt the last)."""
    values = [value for key, value in request.headers.raw if key == name]
    if len(values) > 1:
        raise Refused(400, f"{name.decode()} is given {len(values)} times")
    if not values:
        return None
    if pattern.fullmatch(values[0]) is None:
        raise Refused(status, f"{name.decode()} is malformed")
    return values[0].decode("ascii")
