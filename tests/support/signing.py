"""Requests built and signed exactly as Slack sends them to `POST /slack/events`."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.support.slack_standin import APP_ID as API_APP_ID
from tests.support.slack_standin import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, dm_channel_id

# The secret the e2e app runs with; a request signed with anything else must be refused.
SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
CHANNEL_ID = "C0GENERAL"
CHANNEL_NAME = "general"
# Slack still sends the deprecated verification token; the app must ignore it in favour of the signature.
VERIFICATION_TOKEN = "legacy-verification-token"

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def trigger_id() -> str:
    return f"{int(time.time())}.1234567890.{time.monotonic_ns() % 10**12:x}"


def slash_command(
    command: str,
    text: str = "",
    user_id: str = "U0CSM",
    *,
    response_url: str,
    user_name: str | None = None,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    trigger: str | None = None,
) -> bytes:
    """A slash command's form body with the fields Slack sends."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger or trigger_id(),
    }
    return urlencode(fields).encode()


def interactive(payload: Mapping[str, Any]) -> bytes:
    """Any interactivity payload as Slack posts it: a form with one `payload` field holding JSON."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def block_actions(payload: Mapping[str, Any]) -> bytes:
    """A `block_actions` payload dict (see `block_actions_payload`) as its form body."""
    return interactive({"type": "block_actions", **payload})


def view_submission(payload: Mapping[str, Any]) -> bytes:
    """A `view_submission` payload dict (see `view_submission_payload`) as its form body."""
    return interactive({"type": "view_submission", **payload})


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def block_actions_payload(
    *,
    action_id: str,
    value: str = "",
    user_id: str = "U0CSM",
    block_id: str = "block",
    channel_id: str = CHANNEL_ID,
    message_ts: str = "1700000000.000100",
    message: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    view: Mapping[str, Any] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """A button click, on a message (default) or, with `view`, in a modal or App Home."""
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": "button", "emoji": True},
        "action_ts": f"{time.time():.6f}",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0VIEW")}
        payload["view"] = dict(view)
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": CHANNEL_NAME}
        payload["message"] = dict(message or {"type": "message", "ts": message_ts, "text": "", "blocks": []})
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    *,
    callback_id: str,
    values: Mapping[str, Mapping[str, Mapping[str, Any]]],
    user_id: str = "U0CSM",
    private_metadata: str = "",
    view_id: str = "V0MODAL",
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> dict[str, Any]:
    """A modal submitted; `values` is `state.values` ({block_id: {action_id: {"type": …, "value": …}}})."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id(),
        "is_enterprise_install": False,
        "enterprise": None,
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": [],
            "state": {
                "values": {k: {a: dict(v) for a, v in actions.items()} for k, actions in values.items()}
            },
            "hash": "1700000000.abcdef",
            "app_id": api_app_id,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
    }


def event_callback(
    event: Mapping[str, Any],
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> bytes:
    """The Events API envelope around one event, as JSON."""
    now = int(time.time())
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{time.monotonic_ns():X}",
        "event_time": event_time or now,
        "authorizations": [
            {"team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def app_home_opened(user_id: str = "U0CSM", tab: str = "home") -> dict[str, Any]:
    """An `app_home_opened` event (wrap it with `event_callback`)."""
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": dm_channel_id(user_id),
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


def content_type_of(body: bytes) -> str:
    return JSON if body.lstrip()[:1] == b"{" else FORM


def signed_headers(
    body: bytes | str, secret: str, timestamp: int | str | None = None, content_type: str | None = None
) -> dict[str, str]:
    """Headers Slack sends with a body: the v0 signature over `v0:{timestamp}:{body}`."""
    raw = body.encode() if isinstance(body, str) else body
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=raw)
    assert signature is not None
    return {
        "Content-Type": content_type or content_type_of(raw),
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


class HttpResponse(NamedTuple):
    """(status, headers, body); headers with lower-case names."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = 10.0,
) -> HttpResponse:
    """One HTTP request with urllib; an HTTP error status is returned, not raised."""
    req = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return HttpResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return HttpResponse(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def post(
    url: str, body: bytes, headers: Mapping[str, str] | None = None, *, timeout: float = 10.0
) -> HttpResponse:
    return request("POST", url, body, headers, timeout=timeout)


def get(url: str, *, timeout: float = 10.0) -> HttpResponse:
    return request("GET", url, timeout=timeout)


class AppClient:
    """Sends what Slack would send to an app at `url`, signed with `signing_secret`."""

    def __init__(self, url: str, *, signing_secret: str, response_url: Callable[[str], str]) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self._response_url = response_url

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def get(self, path: str) -> HttpResponse:
        return get(self.url + path)

    def post(
        self,
        body: bytes,
        *,
        signed: bool = True,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """POST a raw body to /slack/events, signed unless `signed=False`; `headers` override."""
        sent = (
            signed_headers(body, self.signing_secret, timestamp)
            if signed
            else {"Content-Type": content_type_of(body)}
        )
        sent.update(headers or {})
        return post(self.events_url, body, sent)

    def post_command(
        self, command: str, text: str = "", user_id: str = "U0CSM", **fields: Any
    ) -> HttpResponse:
        """A signed slash command; `response_url` defaults to the stand-in's `response/<command>`."""
        fields.setdefault("response_url", self._response_url(command.lstrip("/")))
        return self.post(slash_command(command, text, user_id, **fields))

    def post_action(self, payload: Mapping[str, Any]) -> HttpResponse:
        """A signed interactivity payload (block_actions, view_submission …) as `payload=<json>`."""
        return self.post(interactive(payload))

    def post_event(self, event: Mapping[str, Any], **envelope: Any) -> HttpResponse:
        """A signed Events API `event_callback` around `event`."""
        return self.post(event_callback(event, **envelope))
