"""What a person does on the page, as the payloads Slack sends an app, signed as Slack signs them.

Each goes over HTTP to the app's own `/slack/events` (bot/web.py), which checks the signature, the
shape and hands it to Bolt, exactly as for a real workspace's request.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.playground.workspace import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Json, Post, dm_of

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SEND_SECONDS = 60.0  # the app answers Slack within 3 s; a slow machine still gets its answer shown


@dataclass(frozen=True)
class Answer:
    """The app's HTTP answer to a request: its status and, when it said something, its JSON."""

    status: int
    body: Json | None


def _user(user_id: str) -> Json:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


def _team() -> Json:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def slash_command(
    *, command: str, text: str, user: str, channel: str, channel_name: str, response_url: str, trigger: str
) -> bytes:
    return urlencode(
        {
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    ).encode()


def interactive(payload: Json) -> bytes:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def _action(element: Json, block_id: str) -> Json:
    action = {
        "type": element.get("type", "button"),
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "text": element.get("text") or {"type": "plain_text", "text": ""},
        "action_ts": f"{time.time():.6f}",
    }
    if "value" in element:
        action["value"] = element["value"]
    if element.get("style"):
        action["style"] = element["style"]
    return action


def _base(user: str, trigger: str, element: Json, block_id: str) -> Json:
    return {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "trigger_id": trigger,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [_action(element, block_id)],
    }


def message_click(
    *, user: str, post: Post, channel_name: str, element: Json, block_id: str, trigger: str, response_url: str
) -> bytes:
    """A button pressed in a message: the message itself comes with it, unless only this user saw it."""
    payload = _base(user, trigger, element, block_id)
    ephemeral = post.only_for is not None
    payload["container"] = {
        "type": "message",
        "message_ts": post.ts,
        "channel_id": post.channel,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": post.channel, "name": channel_name}
    if not ephemeral:
        payload["message"] = post.as_slack_message()
    payload["response_url"] = response_url
    payload["state"] = {"values": {}}
    return interactive(payload)


def view_click(*, user: str, view: Json, element: Json, block_id: str, trigger: str) -> bytes:
    """A button pressed in a modal or on App Home."""
    payload = _base(user, trigger, element, block_id)
    payload["container"] = {"type": "view", "view_id": view["id"]}
    payload["view"] = view
    return interactive(payload)


def view_submission(*, user: str, view: Json, values: Json, trigger: str) -> bytes:
    submitted = {**view, "state": {"values": values}}
    return interactive(
        {
            "type": "view_submission",
            "team": _team(),
            "user": _user(user),
            "api_app_id": APP_ID,
            "trigger_id": trigger,
            "is_enterprise_install": False,
            "enterprise": None,
            "view": submitted,
            "response_urls": [],
        }
    )


def view_closed(*, user: str, view: Json) -> bytes:
    return interactive(
        {
            "type": "view_closed",
            "team": _team(),
            "user": _user(user),
            "api_app_id": APP_ID,
            "view": view,
            "is_cleared": False,
        }
    )


def app_home_opened(*, user: str, event_id: str) -> bytes:
    now = time.time()
    envelope = {
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": dm_of(user),
            "tab": "home",
            "event_ts": f"{now:.6f}",
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "authorizations": [
            {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def send(url: str, body: bytes, *, signing_secret: str) -> Answer:
    """POST `body` to the app's `/slack/events`, signed with the v0 scheme as Slack signs it (blocking)."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": JSON if body[:1] == b"{" else FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=SEND_SECONDS) as response:  # noqa: S310 - our own URL
            status, raw, kind = response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        with error:
            status, raw, kind = error.code, error.read(), error.headers.get("content-type", "")
    parsed: Any = None
    if raw and "json" in kind:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
    return Answer(status=status, body=parsed if isinstance(parsed, dict) else None)
