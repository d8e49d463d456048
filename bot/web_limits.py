"""What `serve` allows a connection: the limits it runs uvicorn with, and the one uvicorn lacks.

uvicorn closes a keep-alive connection left idle, but nothing bounds how long a request's head (its
request line and headers) may take to come: a new connection gets no timer at all, and the keep-alive
one stops at the first byte. So a client trickling a byte every 2 s holds a connection, and a place
under `limit_concurrency`, for ever. `HeadDeadline` closes a connection whose next request head has
not all come within `HEAD_SECONDS`; the body's own deadline is the app's (bot/web.py answers 408).
A reverse proxy in front adds the same at its edge (see the README's deploy section).
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEAD_SECONDS = 5.0  # Slack sends a request's head in one packet
KEEP_ALIVE_SECONDS = 5  # an idle connection between requests
# Per process: connections open plus requests in flight. Beyond it uvicorn answers 503 at once, which
# Slack retries; slow clients leave their places within HEAD_SECONDS, so they cannot keep them.
MAX_CONCURRENCY = 100
MAX_HEAD_BYTES = 16 * 1024  # request line and headers (h11's own default); Slack's take under 2 KB


class HeadDeadline(H11Protocol):
    """uvicorn's h11 protocol, with a deadline on each request's head: from the moment the connection
    can take a request (it opened, or its last answer went out) until that request's head has come."""

    head_timer: asyncio.TimerHandle | None = None
    heard = False  # some of the awaited request came: a slow client, not an idle keep-alive

    def data_received(self, data: bytes) -> None:
        self.heard = True
        super().data_received(data)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a new request/response cycle: its head has come
            self._stop_timer()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        # Unless a pipelined request already came, wait for the next one (or the rest of this one's
        # body, unread, which is no reason to keep the connection either).
        if self.cycle is cycle and not self.transport.is_closing():
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._stop_timer()
        self.heard = False
        self.head_timer = self.loop.call_later(HEAD_SECONDS, self._head_too_slow)

    def _stop_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_too_slow(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.heard:
            log.warning("closed a connection whose request did not all come within %g s", HEAD_SECONDS)
        self.transport.close()
