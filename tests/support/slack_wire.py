"""The stand-in's wire: each request recorded as a `Call`, and the HTTP handler that parses and answers it."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.support.slack_faults import DROPPED
from tests.support.slack_payloads import parse_params

API_PREFIX = "/api/"
RESPONSE_PREFIX = "/response/"
RESPONSE_METHOD_PREFIX = "response/"

# (method, params, http_method, headers, body) -> (status, headers, answer)
Handle = Callable[
    [str, dict[str, Any], str, dict[str, str], bytes], tuple[int, dict[str, str], dict[str, Any]]
]


@dataclass(frozen=True)
class Call:
    """One request that reached the stand-in, and what it answered."""

    method: str  # "chat.postMessage", or "response/<name>" for a response_url
    params: dict[str, Any]  # query string, form and JSON body merged; form values stay strings
    authorization: str | None
    headers: dict[str, str]
    body: bytes
    http_method: str
    status: int  # the HTTP status the stand-in answered; 0 when it dropped the connection
    answer: dict[str, Any]
    stored: bool = False  # Slack took the call's effect (posted the message), whatever it answered

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK and bool(self.answer.get("ok"))

    @property
    def token(self) -> str | None:
        """The token sent, from `Authorization: Bearer …` or a `token` param."""
        return token_sent(self.authorization, self.params)

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


def token_sent(authorization: str | None, params: Mapping[str, Any]) -> str | None:
    """The token of a call, from `Authorization: Bearer …` or a `token` param, as Slack reads it."""
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ")
    token = params.get("token")
    return token if isinstance(token, str) else None


def make_handler(handle: Handle) -> type[BaseHTTPRequestHandler]:
    """An HTTP handler that parses each call and answers what `handle` says."""

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
            params = parse_params(parts.query, headers.get("content-type", ""), body)
            status, extra_headers, answer = handle(method, params, http_method, headers, body)
            self._send(status, extra_headers, answer)

        def _send(self, status: int, headers: Mapping[str, str], answer: Mapping[str, Any]) -> None:
            if status == DROPPED:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The caller gave up waiting (a hang past its timeout): what it missed is recorded.
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            # Quiet: pytest shows the recorded calls when an assertion needs them.
            return

    return Handler
