"""What the stand-in answers when nothing is scripted: Slack's payloads for each method it knows."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "csm-coach-test"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0CSMCOACH"
# The tokens the stand-in knows from the start; any other is refused as Slack refuses it.
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"


def dm_channel_id(user_id: str) -> str:
    """The DM channel id the stand-in's `conversations.open` returns for one user (U123 -> D123)."""
    return "D" + user_id[1:] if user_id[:1] in ("U", "W") else "D" + user_id


USER_METHODS = frozenset({"users.info", "users.lookupByEmail"})


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


DEFAULT_PAYLOADS: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
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


def parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
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
