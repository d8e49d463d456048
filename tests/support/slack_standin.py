"""A local stand-in for Slack's Web API and for `response_url`s, for tests that drive the real app.

The app under test talks to it through `SLACK_API_URL` (or `WebClient(base_url=stand_in.base_url)`);
tests assert on what reached it (`calls`, `wait_for`, `posted`) and script failures per method
(`rate_limit`, `server_error`, `error`, `channel_error`, `store_then_fail`, `drop`, `hang`), the way
bolt-python's own tests fake the server, not the client. A negative check waits with `quiet` (the
apps it serves idle, then no call for a while, from its own log) rather than a fixed sleep. `pace`
holds a method to Slack's rate limits (429 with Retry-After beyond them), for benchmarks. Content
Slack would refuse is refused as Slack does (`msg_blocks_too_long`, `invalid_blocks`, `no_text`: see
`slack_limits`), and so is a call without a token (`not_authed`) or with one it does not know
(`invalid_auth`; `revoke` for the others).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from tests.support import slack_limits
from tests.support.slack_faults import Faults
from tests.support.slack_payloads import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    DEFAULT_PAYLOADS,
    TEAM_DOMAIN,
    TEAM_ID,
    USER_METHODS,
    dm_channel_id,
)
from tests.support.slack_wire import (
    API_PREFIX,
    RESPONSE_METHOD_PREFIX,
    RESPONSE_PREFIX,
    Call,
    make_handler,
    token_sent,
)

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "Call",
    "SlackStandIn",
    "dm_channel_id",
]

POSTING_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})


class SlackStandIn:
    """A threaded HTTP server on 127.0.0.1 answering like Slack's Web API; use as a context manager."""

    def __init__(self, *, host: str = "127.0.0.1", tokens: Iterable[str] = (BOT_TOKEN, APP_TOKEN)) -> None:
        self._host = host
        self._tokens = set(tokens)
        self._revoked: dict[str, str] = {}
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._last_arrival = 0.0  # time.monotonic() of the last call recorded
        self._busy_probes: list[Callable[[], bool]] = []
        self._faults = Faults()
        self._replies: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        handler = make_handler(self._handle)
        self._server = ThreadingHTTPServer((self._host, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-stand-in",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # addresses -------------------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """Web API base, as `SLACK_API_URL` or `WebClient(base_url=…)` want it (ends in /api/)."""
        return self.root_url + API_PREFIX

    def response_url(self, name: str = "default") -> str:
        """A `response_url` whose posts are recorded as calls of method `response/<name>`."""
        return self.root_url + RESPONSE_PREFIX + name

    # what reached it -------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls in arrival order, all or those of one method ("chat.postMessage", "response/<name>")."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def responses(self, name: str = "default") -> list[Call]:
        """What reached `response_url(name)`."""
        return self.calls(RESPONSE_METHOD_PREFIX + name)

    def posted(self, method: str = "chat.postMessage") -> list[Call]:
        """The calls Slack took effect on (a message posted), whatever it answered: a 5xx after the
        store, a dropped connection and a held answer included."""
        return [c for c in self.calls(method) if c.stored]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls()]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least `count` calls of `method` arrived; return them, or fail naming what came."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                matching = [c for c in self._calls if c.method == method]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"expected {count} call(s) of {method} within {timeout}s, got {len(matching)}; "
                        f"all calls so far: {seen}"
                    )
                self._lock.wait(remaining)

    def track(self, busy: Callable[[], bool]) -> None:
        """`quiet` waits until `busy()` is false: an app in this process with work in flight (its
        listener threads) may still call; one whose work is done has said all it will."""
        with self._lock:
            self._busy_probes.append(busy)

    def untrack(self, busy: Callable[[], bool]) -> None:
        with self._lock:
            if busy in self._busy_probes:
                self._busy_probes.remove(busy)

    def quiet(self, seconds: float = 0.3, *, timeout: float = 30.0) -> list[Call]:
        """Block until every tracked app is idle and then no call has arrived for `seconds` (counted
        from now or from the last arrival, whichever is later), at most `timeout`; the calls so far.

        The condition, not a fixed sleep: a late call (a duplicate, a retry) still on its way when the
        wait began restarts the quiet period, so a negative check after it sees it, however slow the
        machine; and the wait ends as soon as the period has passed."""
        started = time.monotonic()
        deadline = started + timeout
        with self._lock:
            probes = list(self._busy_probes)
        while any(busy() for busy in probes):
            if time.monotonic() > deadline:
                raise AssertionError(f"an app still had work in flight after {timeout}s: {self.methods()}")
            time.sleep(0.01)
        with self._lock:
            while True:
                now = time.monotonic()
                calm_until = max(started, self._last_arrival) + seconds
                if now >= calm_until or now >= deadline:
                    return list(self._calls)
                self._lock.wait(min(calm_until, deadline) - now)

    def assert_quiet(self, for_seconds: float = 0.3) -> None:
        """Fail if anything reached the stand-in since the last `clear()`, once all is `quiet`."""
        self.quiet(for_seconds)
        seen = self.methods()
        if seen:
            raise AssertionError(f"expected no calls to Slack, got {seen}")

    def clear(self) -> None:
        """Forget recorded calls (scripted failures and replies stay)."""
        with self._lock:
            self._calls.clear()

    def forget(self, method: str) -> None:
        """Forget the recorded calls of one method (a process's start-up check, say)."""
        with self._lock:
            self._calls[:] = [c for c in self._calls if c.method != method]

    def reset(self) -> None:
        """Forget calls, scripted failures, replies and users (the tokens stay known)."""
        with self._lock:
            self._calls.clear()
            self._faults.clear()
            self._replies.clear()
            self._users.clear()

    # scripting -------------------------------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, *, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After`."""
        with self._lock:
            self._faults.rate_limit(method, times, retry_after)

    def server_error(self, method: str, times: int | None = 1, *, status: int = 500) -> None:
        """Answer the next `times` calls of `method` with an HTTP 5xx, before doing anything."""
        with self._lock:
            self._faults.server_error(method, times, status, after_store=False)

    def store_then_fail(self, method: str, times: int | None = 1, *, status: int = 500) -> None:
        """Take the next `times` calls of `method` (a message is posted: see `posted`), then answer
        an HTTP 5xx, as Slack does when it fails after storing: the caller cannot know it worked."""
        with self._lock:
            self._faults.server_error(method, times, status, after_store=True)

    def drop(self, method: str, times: int | None = 1) -> None:
        """Take the next `times` calls of `method`, then close the connection without an answer."""
        with self._lock:
            self._faults.drop(method, times)

    def error(self, method: str, error: str, *, times: int | None = 1, channel: str | None = None) -> None:
        """Answer `{"ok": false, "error": error}` (HTTP 200, as Slack does); `times=None` means always."""
        with self._lock:
            self._faults.error(method, error, times, channel)

    def channel_error(
        self, channel: str, error: str = "channel_not_found", *, method: str | None = None
    ) -> None:
        """Every call aimed at `channel` (any method unless given) fails with `error` from now on."""
        with self._lock:
            self._faults.error(method, error, None, channel)

    def hang(self, method: str, *, after: int = 0, times: int | None = 1, seconds: float = 30.0) -> None:
        """Take, record, then hold the answer to `times` calls of `method` (None: every one) for
        `seconds`, after letting `after` through. A message held is posted (see `posted`) even if the
        caller gives up waiting; a short hang on every call is a slow Slack."""
        with self._lock:
            self._faults.hang(method, after, times, seconds)

    def pace(self, method: str, *, per_second: float, burst: int = 1, per_channel: bool = True) -> None:
        """From now on, hold `method` to Slack's pace: beyond `burst` calls at once and `per_second`
        after that (per channel, or over all calls with `per_channel=False`), answer HTTP 429
        `ratelimited` with a whole-second `Retry-After`, as Slack does. Scripted failures come first."""
        with self._lock:
            self._faults.pace(method, per_second, burst, per_channel)

    def accept_token(self, token: str) -> None:
        """Know `token` from now on, as a workspace that installed the app does."""
        with self._lock:
            self._tokens.add(token)
            self._revoked.pop(token, None)

    def revoke(self, token: str, error: str = "token_revoked") -> None:
        """Refuse every call made with `token` from now on, with `error` (`account_inactive` …)."""
        with self._lock:
            self._revoked[token] = error

    def reply(self, method: str, payload: Mapping[str, Any]) -> None:
        """Merge `payload` into every successful answer of `method` (overrides the defaults)."""
        with self._lock:
            self._replies[method] = dict(payload)

    def add_user(
        self, user_id: str, *, email: str, name: str | None = None, tz: str = "UTC", deleted: bool = False
    ) -> None:
        """Make `users.info` / `users.lookupByEmail` know a user (unknown ones get `users_not_found`)."""
        real_name = name or email.split("@")[0]
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": real_name.lower().replace(" ", "."),
                "real_name": real_name,
                "deleted": deleted,
                "is_bot": False,
                "tz": tz,
                "profile": {"email": email, "real_name": real_name, "display_name": real_name},
            }

    # answering -------------------------------------------------------------------------------------

    def _handle(
        self, method: str, params: dict[str, Any], http_method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            refused = self._unauthorised(method, token_sent(headers.get("authorization"), params))
            if refused is not None:
                status, extra_headers, answer, stored = HTTPStatus.OK, {}, refused, False
            else:
                status, extra_headers, answer, stored = self._answer(method, params)
            self._calls.append(
                Call(
                    method=method,
                    params=params,
                    authorization=headers.get("authorization"),
                    headers=headers,
                    body=body,
                    http_method=http_method,
                    status=status,
                    answer=answer,
                    stored=stored,
                )
            )
            self._last_arrival = time.monotonic()
            self._lock.notify_all()
            delay = self._faults.delay(method)
        if delay:
            time.sleep(delay)
        return status, extra_headers, answer

    def _unauthorised(self, method: str, token: str | None) -> dict[str, Any] | None:
        """Slack's answer to a Web API call whose token it does not take (HTTP 200, `ok: false`)."""
        if method.startswith(RESPONSE_METHOD_PREFIX):  # a response_url needs no token
            return None
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token in self._revoked:
            return {"ok": False, "error": self._revoked[token]}
        if token not in self._tokens:
            return {"ok": False, "error": "invalid_auth"}
        return None

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any], bool]:
        refused = self._faults.before(method, params, time.monotonic())
        if refused is not None:
            return (*refused, False)
        problem = slack_limits.refusal(method, params)
        if problem is not None:
            error, why = problem
            return (
                HTTPStatus.OK,
                {},
                {"ok": False, "error": error, "response_metadata": {"messages": [why]}},
                False,
            )
        stored = method in POSTING_METHODS or method.startswith(RESPONSE_METHOD_PREFIX)
        failed = self._faults.after(method, params)
        if failed is not None:
            return (*failed, stored)
        if method.startswith(RESPONSE_METHOD_PREFIX):
            return HTTPStatus.OK, {}, {"ok": True}, stored
        if method in USER_METHODS:
            found = self._find_user(method, params)
            if found is None:
                return HTTPStatus.OK, {}, {"ok": False, "error": "users_not_found"}, False
            return HTTPStatus.OK, {}, {"ok": True, "user": found}, False
        builder = DEFAULT_PAYLOADS.get(method)
        answer: dict[str, Any] = {"ok": True}
        if builder is not None:
            answer.update(builder(params, f"{1_700_000_000 + next(self._ts)}.000100"))
        answer.update(self._replies.get(method, {}))
        return HTTPStatus.OK, {}, answer, stored

    def _find_user(self, method: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        if method == "users.info":
            return self._users.get(str(params.get("user", "")))
        email = str(params.get("email", "")).lower()
        return next((u for u in self._users.values() if u["profile"]["email"].lower() == email), None)
