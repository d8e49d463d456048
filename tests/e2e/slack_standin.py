"""A local stand-in for Slack's Web API and for `response_url`s, for tests that drive the real app.

The app under test talks to it through `SLACK_API_URL` (or `WebClient(base_url=stand_in.base_url)`);
tests assert on what reached it (`calls`, `wait_for`) and script failures per method (`rate_limit`,
`server_error`, `error`, `channel_error`), the way bolt-python's own tests fake the server, not the client.
`pace` holds a method to Slack's rate limits (429 with Retry-After beyond them), for benchmarks.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

API_PREFIX = "/api/"
RESPONSE_PREFIX = "/response/"
RESPONSE_METHOD_PREFIX = "response/"

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "csm-coach-test"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0CSMCOACH"


@dataclass(frozen=True)
class Call:
    """One request that reached the stand-in, and what it answered."""

    method: str  # "chat.postMessage", or "response/<name>" for a response_url
    params: dict[str, Any]  # query string, form and JSON body merged; form values stay strings
    authorization: str | None
    headers: dict[str, str]
    body: bytes
    http_method: str
    status: int  # the HTTP status the stand-in answered
    answer: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK and bool(self.answer.get("ok"))

    @property
    def token(self) -> str | None:
        """The token sent, from `Authorization: Bearer …` or a `token` param."""
        if self.authorization and self.authorization.startswith("Bearer "):
            return self.authorization.removeprefix("Bearer ")
        token = self.params.get("token")
        return token if isinstance(token, str) else None

    def param(self, name: str, default: Any = None) -> Any:
        """A parameter, JSON-decoded when it was sent as a JSON string (form-encoded `blocks`, `view` …)."""
        value = self.params.get(name, default)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.param("blocks")
        return blocks if isinstance(blocks, list) else []


@dataclass
class _Rule:
    """A scripted answer: applies to matching calls while `remaining` is None (forever) or > 0."""

    method: str | None
    channel: str | None
    remaining: int | None
    status: int
    payload: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.channel is not None and _channel_of(params) != self.channel:
            return False
        return self.remaining is None or self.remaining > 0


@dataclass
class _Pace:
    """A token bucket per key (a channel, or one for all calls): `burst` calls at once, then `per_second`."""

    per_second: float
    burst: int
    per_channel: bool
    buckets: dict[str | None, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, at)

    def wait(self, params: Mapping[str, Any], now: float) -> float:
        """0 when the call may pass (and take a token); else the seconds until one is free."""
        key = _channel_of(params) if self.per_channel else None
        tokens, at = self.buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.per_second


def _channel_of(params: Mapping[str, Any]) -> str | None:
    for name in ("channel", "channel_id", "users", "user_id", "user"):
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def dm_channel_id(user_id: str) -> str:
    """The DM channel id the stand-in's `conversations.open` returns for one user (U123 -> D123)."""
    return "D" + user_id[1:] if user_id[:1] in ("U", "W") else "D" + user_id


class SlackStandIn:
    """A threaded HTTP server on 127.0.0.1 answering like Slack's Web API; use as a context manager."""

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        self._host = host
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._replies: dict[str, dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._hangs: list[list[Any]] = []  # [method, skip, times, seconds]
        self._paces: dict[str, _Pace] = {}
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        handler = _make_handler(self)
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

    def assert_quiet(self, for_seconds: float = 0.3) -> None:
        """Wait a moment and fail if anything reached the stand-in since the last `clear()`."""
        time.sleep(for_seconds)
        seen = self.methods()
        if seen:
            raise AssertionError(f"expected no calls to Slack, got {seen}")

    def clear(self) -> None:
        """Forget recorded calls (scripted failures and replies stay)."""
        with self._lock:
            self._calls.clear()

    def reset(self) -> None:
        """Forget calls, scripted failures, replies and users."""
        with self._lock:
            self._calls.clear()
            self._rules.clear()
            self._hangs.clear()
            self._paces.clear()
            self._replies.clear()
            self._users.clear()

    # scripting -------------------------------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, *, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After`."""
        self._add(
            _Rule(
                method,
                None,
                times,
                HTTPStatus.TOO_MANY_REQUESTS,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(retry_after)},
            )
        )

    def server_error(self, method: str, times: int = 1, *, status: int = 500) -> None:
        """Answer the next `times` calls of `method` with an HTTP 5xx."""
        self._add(_Rule(method, None, times, status, {"ok": False, "error": "internal_error"}))

    def error(self, method: str, error: str, *, times: int | None = 1, channel: str | None = None) -> None:
        """Answer `{"ok": false, "error": error}` (HTTP 200, as Slack does); `times=None` means always."""
        self._add(_Rule(method, channel, times, HTTPStatus.OK, {"ok": False, "error": error}))

    def channel_error(
        self, channel: str, error: str = "channel_not_found", *, method: str | None = None
    ) -> None:
        """Every call aimed at `channel` (any method unless given) fails with `error` from now on."""
        self._add(_Rule(method, channel, None, HTTPStatus.OK, {"ok": False, "error": error}))

    def hang(self, method: str, *, after: int = 0, times: int = 1, seconds: float = 30.0) -> None:
        """Record, then hold the answer to `times` calls of `method` (after letting `after` through)."""
        with self._lock:
            self._hangs.append([method, after, times, seconds])

    def _hang_for(self, method: str) -> float:
        for hang in self._hangs:
            if hang[0] != method or hang[2] <= 0:
                continue
            if hang[1] > 0:
                hang[1] -= 1
                return 0.0
            hang[2] -= 1
            return float(hang[3])
        return 0.0

    def pace(self, method: str, *, per_second: float, burst: int = 1, per_channel: bool = True) -> None:
        """From now on, hold `method` to Slack's pace: beyond `burst` calls at once and `per_second`
        after that (per channel, or over all calls with `per_channel=False`), answer HTTP 429
        `ratelimited` with a whole-second `Retry-After`, as Slack does. Scripted failures come first."""
        if per_second <= 0 or burst < 1:
            raise ValueError("need per_second > 0 and burst >= 1")
        with self._lock:
            self._paces[method] = _Pace(per_second, burst, per_channel)

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

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    # answering -------------------------------------------------------------------------------------

    def _handle(
        self, method: str, params: dict[str, Any], http_method: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            status, extra_headers, answer = self._answer(method, params)
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
                )
            )
            self._lock.notify_all()
            delay = self._hang_for(method)
        if delay:
            time.sleep(delay)
        return status, extra_headers, answer

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        for rule in self._rules:
            if rule.matches(method, params):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.status, dict(rule.headers), dict(rule.payload)
        pace = self._paces.get(method)
        if pace is not None and (wait := pace.wait(params, time.monotonic())) > 0:
            retry_after = {"Retry-After": str(max(1, math.ceil(wait)))}
            return HTTPStatus.TOO_MANY_REQUESTS, retry_after, {"ok": False, "error": "ratelimited"}
        if method.startswith(RESPONSE_METHOD_PREFIX):
            return HTTPStatus.OK, {}, {"ok": True}
        if method in _USER_METHODS:
            found = self._find_user(method, params)
            if found is None:
                return HTTPStatus.OK, {}, {"ok": False, "error": "users_not_found"}
            return HTTPStatus.OK, {}, {"ok": True, "user": found}
        builder = _DEFAULT_PAYLOADS.get(method)
        answer: dict[str, Any] = {"ok": True}
        if builder is not None:
            answer.update(builder(params, f"{1_700_000_000 + next(self._ts)}.000100"))
        answer.update(self._replies.get(method, {}))
        return HTTPStatus.OK, {}, answer

    def _find_user(self, method: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        if method == "users.info":
            return self._users.get(str(params.get("user", "")))
        email = str(params.get("email", "")).lower()
        return next((u for u in self._users.values() if u["profile"]["email"].lower() == email), None)


_USER_METHODS = frozenset({"users.info", "users.lookupByEmail"})


def _message(params: Mapping[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": params.get("text", ""),
        "ts": ts,
    }
    if "blocks" in params:
        blocks = params["blocks"]
        message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
    return message


def _channel_param(params: Mapping[str, Any]) -> str:
    channel = str(params.get("channel", ""))
    # Posting to a user id lands in the app's DM with that user.
    return dm_channel_id(channel) if channel[:1] in ("U", "W") else channel


def _post_message(params: Mapping[str, Any], ts: str) -> dict[str, Any]:
    channel = _channel_param(params)
    if channel[:1] in ("U", "W"):  # a user id: Slack posts to the user's DM with the app and says which
        channel = dm_channel_id(channel)
    return {"channel": channel, "ts": ts, "message": _message(params, ts)}


def _update(params: Mapping[str, Any], ts: str) -> dict[str, Any]:
    original_ts = str(params.get("ts") or ts)
    return {
        "channel": _channel_param(params),
        "ts": original_ts,
        "text": params.get("text", ""),
        "message": _message(params, original_ts),
    }


def _open_conversation(params: Mapping[str, Any], ts: str) -> dict[str, Any]:
    users = [u for u in str(params.get("users", "")).split(",") if u]
    if len(users) == 1:
        channel_id = dm_channel_id(users[0])
    elif users:
        channel_id = "G" + "".join(u[1:4] for u in users)
    else:
        channel_id = str(params.get("channel", ""))
    return {"channel": {"id": channel_id, "is_im": len(users) == 1}}


def _view(params: Mapping[str, Any], ts: str) -> dict[str, Any]:
    raw = params.get("view", {})
    view = json.loads(raw) if isinstance(raw, str) else dict(raw)
    view_id = str(params.get("view_id") or f"V{ts.replace('.', '')}")
    return {"view": {**view, "id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID}}


_DEFAULT_PAYLOADS: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    "auth.test": lambda _params, _ts: {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "csm-coach test",
        "user": "csm-coach",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    },
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": lambda _params, ts: {"message_ts": ts},
    "conversations.open": _open_conversation,
    "views.open": _view,
    "views.publish": _view,
    "views.update": _view,
    "views.push": _view,
}


def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if not body:
        return params
    if "application/json" in content_type or body.lstrip()[:1] == b"{":
        try:
            decoded = json.loads(body)
        except ValueError:
            return params
        if isinstance(decoded, dict):
            params.update(decoded)
    elif "application/x-www-form-urlencoded" in content_type or not content_type:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _make_handler(stand_in: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve("POST")

        def do_GET(self) -> None:
            self._serve("GET")

        def _serve(self, http_method: str) -> None:
            parts = urlsplit(self.path)
            if parts.path.startswith(API_PREFIX):
                method = parts.path[len(API_PREFIX) :]
            elif parts.path.startswith(RESPONSE_PREFIX):
                method = RESPONSE_METHOD_PREFIX + parts.path[len(RESPONSE_PREFIX) :]
            else:
                self._send(HTTPStatus.NOT_FOUND, {}, {"ok": False, "error": "unknown_path"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            params = _parse_params(parts.query, headers.get("content-type", ""), body)
            status, extra_headers, answer = stand_in._handle(method, params, http_method, headers, body)
            self._send(status, extra_headers, answer)

        def _send(self, status: int, headers: Mapping[str, str], answer: Mapping[str, Any]) -> None:
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            # Quiet: pytest shows the recorded calls when an assertion needs them.
            return

    return Handler
