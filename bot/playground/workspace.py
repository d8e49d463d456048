"""The playground's make-believe workspace: who is in it, what was posted where, which modal is open,
what each person's App Home shows; and the Web API methods the app calls, answered as Slack answers.

All of it lives in memory, for one process: the database is the app's, this is Slack's side.
Every change bumps `version`, which the page waits on (`wait_for_change`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0PLAYGRND"
TEAM_DOMAIN = "csm-coach-playground"
APP_ID = "A0CSMCOACH"
BOT_ID = "B0CSMCOACH"
BOT_USER_ID = "U0CSMCOACH"
APP_NAME = "csm-coach"

# Slack's own limits, refused as Slack refuses them (the app must never meet them).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
TRIGGER_SECONDS = 120.0  # Slack allows 3 s; here a busy laptop computing a plan must not lose its modal

Json = dict[str, Any]


class SlackError(Exception):
    """A Web API call Slack would refuse: `{"ok": false, "error": …}`."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    email: str
    role: str
    team: str


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    kind: str  # "channel" (a team's) or "dm" (the app's DM with `member`)
    member: str | None = None


@dataclass
class Post:
    ts: str
    channel: str
    text: str
    blocks: list[Json]
    author: str = APP_NAME  # the app, or "Slackbot" for Slack's own words
    only_for: str | None = None  # an ephemeral message: only this user sees it
    edited: bool = False

    def shown(self) -> Json:
        return {
            "ts": self.ts,
            "channel": self.channel,
            "text": self.text,
            "blocks": self.blocks,
            "author": self.author,
            "ephemeral": self.only_for is not None,
            "edited": self.edited,
        }

    def as_slack_message(self) -> Json:
        """The message as Slack hands it back in a click's payload."""
        return {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
        }


@dataclass
class OpenView:
    id: str
    user: str
    view: Json  # as the app sent it, with Slack's fields added
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hook:
    """Where a response_url's posts land: the user and channel acted in, and the message acted on."""

    user: str
    channel: str
    post_ts: str | None  # the message the command's answer or the clicked message is
    ephemeral: bool


def dm_of(user_id: str) -> str:
    return "D" + user_id[1:] if user_id[:1] in ("U", "W") else "D" + user_id


def _json_param(value: Any) -> Any:
    """A parameter sent as a JSON string (form-encoded `blocks`, `view`) or already decoded."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    return value


class Workspace:
    def __init__(self, *, bot_token: str, members: list[Member], channels: list[Channel]) -> None:
        self.bot_token = bot_token
        self.members = {m.id: m for m in members}
        self.channels: dict[str, Channel] = {c.id: c for c in channels}
        for member in members:
            dm = dm_of(member.id)
            self.channels[dm] = Channel(id=dm, name=APP_NAME, kind="dm", member=member.id)
        self.posts: dict[str, list[Post]] = {}
        self.modals: dict[str, list[OpenView]] = {}  # per user: the stack, top last
        self.homes: dict[str, OpenView] = {}
        self.hooks: dict[str, Hook] = {}
        # A command's answer that came to its response_url, replacing the ack's, before the ack was in.
        self.early: dict[tuple[str, str], tuple[str, list[Json]]] = {}
        self.triggers: dict[str, tuple[str, float]] = {}  # trigger_id -> (user, issued at)
        self._ts = itertools.count(int(time.time()) * 1_000_000)
        self._views = itertools.count(1)
        self.version = 0
        self._changed = asyncio.Event()
        self.closing = False

    # change notification ------------------------------------------------------------------------

    def bump(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        """The server is stopping: every poll waiting for a change answers now, and any later one at once."""
        self.closing = True
        self._changed.set()

    async def wait_for_change(self, since: int, seconds: float) -> None:
        if self.version != since or self.closing:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)

    # identifiers ----------------------------------------------------------------------------------

    def next_ts(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def trigger_for(self, user: str) -> str:
        trigger = f"{int(time.time())}.{secrets.randbelow(10**10)}.{secrets.token_hex(8)}"
        self.triggers[trigger] = (user, time.monotonic())
        return trigger

    def hook_for(self, hook: Hook) -> str:
        key = secrets.token_urlsafe(12)
        self.hooks[key] = hook
        return key

    # what a person sees ----------------------------------------------------------------------------

    def seen_by(self, user: str) -> Json:
        channels = [c for c in self.channels.values() if c.kind == "channel" or c.member == user]
        modal = self.modals.get(user) or []
        home = self.homes.get(user)
        return {
            "version": self.version,
            "viewer": user,
            "app": {"name": APP_NAME, "user": BOT_USER_ID},
            "people": [
                {"id": m.id, "name": m.name, "role": m.role, "team": m.team} for m in self.members.values()
            ],
            "channels": [{"id": c.id, "name": c.name, "kind": c.kind} for c in channels],
            "posts": {
                c.id: [p.shown() for p in self.posts.get(c.id, []) if p.only_for in (None, user)]
                for c in channels
            },
            "modal": _shown_view(modal[-1]) if modal else None,
            "home": _shown_view(home) if home else None,
        }

    def find_post(self, channel: str, ts: str) -> Post:
        for post in self.posts.get(channel, []):
            if post.ts == ts:
                return post
        raise SlackError("message_not_found")

    def find_view(self, user: str, view_id: str) -> OpenView:
        home = self.homes.get(user)
        if home is not None and home.id == view_id:
            return home
        for view in self.modals.get(user, []):
            if view.id == view_id:
                return view
        raise SlackError("not_found")

    def top_modal(self, user: str, view_id: object) -> OpenView | None:
        """The dialog `view_id` when it is the one on top of the user's stack (the only one they can act
        in), else None."""
        stack = self.modals.get(user) or []
        return stack[-1] if stack and stack[-1].id == view_id else None

    # what Slack itself does --------------------------------------------------------------------

    def add_post(self, post: Post) -> Post:
        self.posts.setdefault(post.channel, []).append(post)
        self.bump()
        return post

    def slackbot_says(self, user: str, channel: str, text: str) -> None:
        self.add_post(
            Post(ts=self.next_ts(), channel=channel, text=text, blocks=[], author="Slackbot", only_for=user)
        )

    def close_modals(self, user: str) -> None:
        self.modals.pop(user, None)
        self.bump()

    def pop_modal(self, user: str) -> None:
        stack = self.modals.get(user) or []
        if stack:
            stack.pop()
        self.bump()

    def set_errors(self, user: str, view_id: str, errors: Mapping[str, str]) -> None:
        self.find_view(user, view_id).errors = dict(errors)
        self.bump()

    def replace_top(self, user: str, view: Json) -> None:
        stack = self.modals.get(user) or []
        if stack:
            stack[-1] = self._new_view(user, view, view_id=stack[-1].id)
        self.bump()

    def push_modal(self, user: str, view: Json) -> OpenView:
        opened = self._new_view(user, view)
        self.modals.setdefault(user, []).append(opened)
        self.bump()
        return opened

    def respond(self, key: str, params: Mapping[str, Any]) -> None:
        """A post to a response_url: an ephemeral answer by default, or the message it came from replaced."""
        hook = self.hooks.get(key)
        if hook is None:
            raise SlackError("expired_url")
        blocks = with_ids(_json_param(params.get("blocks")) or [])
        text = str(params.get("text") or "")
        if not text and not blocks:
            raise SlackError("no_text")
        if params.get("delete_original") in (True, "true") and hook.post_ts:
            posts = self.posts.get(hook.channel, [])
            posts[:] = [p for p in posts if p.ts != hook.post_ts]
            self.bump()
            return
        if params.get("replace_original") in (True, "true") and hook.post_ts:
            try:
                post = self.find_post(hook.channel, hook.post_ts)
            except SlackError:
                # The command's ack is still on its way back: its answer replaces it on arrival.
                self.early[(hook.channel, hook.post_ts)] = (text, list(blocks))
                return
            post.text, post.blocks, post.edited = text, list(blocks), True
            self.bump()
            return
        public = params.get("response_type") == "in_channel"
        self.add_post(
            Post(
                ts=self.next_ts(),
                channel=hook.channel,
                text=text,
                blocks=list(blocks),
                only_for=None if public else hook.user,
            )
        )

    # the Web API ---------------------------------------------------------------------------------

    def call(self, method: str, params: Mapping[str, Any], token: str | None) -> Json:
        """One Web API call; `{"ok": false, "error": …}` as Slack answers a refused one."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not secrets.compare_digest(token, self.bot_token):
            return {"ok": False, "error": "invalid_auth"}
        handler = self._methods().get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            answer = handler(params)
        except SlackError as refused:
            return {"ok": False, "error": refused.error}
        return {"ok": True, **answer}

    def _methods(self) -> dict[str, Callable[[Mapping[str, Any]], Json]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.open": self._open_conversation,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.lookupByEmail": self._lookup_by_email,
            "users.info": self._user_info,
        }

    def _auth_test(self, _: Mapping[str, Any]) -> Json:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "csm-coach playground",
            "user": APP_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _channel(self, params: Mapping[str, Any]) -> str:
        channel = str(params.get("channel") or "")
        if channel[:1] in ("U", "W"):  # a user id: Slack posts in the app's DM with that user
            if channel not in self.members:
                raise SlackError("channel_not_found")
            return dm_of(channel)
        if channel not in self.channels:
            if channel[:1] != "C":
                raise SlackError("channel_not_found")
            # A team channel the page did not list yet (set after start): it appears with its first post.
            self.channels[channel] = Channel(id=channel, name=channel.lower(), kind="channel")
        return channel

    def _content(self, params: Mapping[str, Any]) -> tuple[str, list[Json]]:
        text = str(params.get("text") or "")
        blocks = _json_param(params.get("blocks")) or []
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if not text and not blocks:
            raise SlackError("no_text")
        if len(blocks) > MAX_MESSAGE_BLOCKS:
            raise SlackError("msg_blocks_too_long")
        return text, with_ids(blocks)

    def _post_message(self, params: Mapping[str, Any]) -> Json:
        channel = self._channel(params)
        text, blocks = self._content(params)
        post = self.add_post(Post(ts=self.next_ts(), channel=channel, text=text, blocks=blocks))
        return {"channel": channel, "ts": post.ts, "message": post.as_slack_message()}

    def _update(self, params: Mapping[str, Any]) -> Json:
        channel = self._channel(params)
        post = self.find_post(channel, str(params.get("ts") or ""))
        if post.only_for is not None:
            raise SlackError("cant_update_message")
        text, blocks = self._content(params)
        post.text, post.blocks, post.edited = text, blocks, True
        self.bump()
        return {"channel": channel, "ts": post.ts, "text": text, "message": post.as_slack_message()}

    def _post_ephemeral(self, params: Mapping[str, Any]) -> Json:
        channel = self._channel(params)
        user = str(params.get("user") or "")
        if user not in self.members:
            raise SlackError("user_not_in_channel")
        text, blocks = self._content(params)
        post = self.add_post(
            Post(ts=self.next_ts(), channel=channel, text=text, blocks=blocks, only_for=user)
        )
        return {"message_ts": post.ts}

    def _open_conversation(self, params: Mapping[str, Any]) -> Json:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1 or users[0] not in self.members:
            raise SlackError("user_not_found")
        return {"channel": {"id": dm_of(users[0]), "is_im": True}}

    def _view_param(self, params: Mapping[str, Any]) -> Json:
        view = _json_param(params.get("view"))
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            raise SlackError("invalid_arguments")
        limit = MAX_VIEW_BLOCKS
        if len(view.get("blocks") or []) > limit:
            raise SlackError("invalid_arguments")
        return view

    def _new_view(self, user: str, view: Json, *, view_id: str | None = None) -> OpenView:
        view_id = view_id or f"V{next(self._views):08d}"
        full = {
            **view,
            "blocks": with_ids(view.get("blocks") or []),
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "hash": f"{time.time():.6f}.{secrets.token_hex(4)}",
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
        }
        return OpenView(id=view_id, user=user, view=full)

    def _trigger_user(self, params: Mapping[str, Any]) -> str:
        found = self.triggers.pop(str(params.get("trigger_id") or ""), None)
        if found is None:
            raise SlackError("invalid_trigger_id")
        user, issued = found
        if time.monotonic() - issued > TRIGGER_SECONDS:
            raise SlackError("expired_trigger_id")
        return user

    def _views_open(self, params: Mapping[str, Any]) -> Json:
        view = self._view_param(params)
        user = self._trigger_user(params)
        self.modals[user] = []
        return {"view": self.push_modal(user, view).view}

    def _views_push(self, params: Mapping[str, Any]) -> Json:
        view = self._view_param(params)
        user = self._trigger_user(params)
        if not self.modals.get(user):
            raise SlackError("not_found")
        return {"view": self.push_modal(user, view).view}

    def _views_update(self, params: Mapping[str, Any]) -> Json:
        view = self._view_param(params)
        view_id = str(params.get("view_id") or "")
        external = str(params.get("external_id") or "")
        for user, stack in self.modals.items():
            for index, shown in enumerate(stack):
                if shown.id == view_id or (external and shown.view.get("external_id") == external):
                    stack[index] = self._new_view(user, view, view_id=shown.id)
                    self.bump()
                    return {"view": stack[index].view}
        for user, home in self.homes.items():
            if home.id == view_id:
                self.homes[user] = self._new_view(user, view, view_id=home.id)
                self.bump()
                return {"view": self.homes[user].view}
        raise SlackError("not_found")

    def _views_publish(self, params: Mapping[str, Any]) -> Json:
        view = self._view_param(params)
        user = str(params.get("user_id") or "")
        if user not in self.members:
            raise SlackError("user_not_found")
        if view.get("type") != "home":
            raise SlackError("invalid_arguments")
        home = self.homes.get(user)
        self.homes[user] = self._new_view(user, view, view_id=home.id if home else None)
        self.bump()
        return {"view": self.homes[user].view}

    def _user(self, member: Member) -> Json:
        return {
            "id": member.id,
            "team_id": TEAM_ID,
            "name": member.email.split("@")[0],
            "real_name": member.name,
            "deleted": False,
            "is_bot": False,
            "tz": "UTC",
            "profile": {"email": member.email, "real_name": member.name, "display_name": member.name},
        }

    def _lookup_by_email(self, params: Mapping[str, Any]) -> Json:
        email = str(params.get("email") or "").lower()
        for member in self.members.values():
            if member.email.lower() == email:
                return {"user": self._user(member)}
        raise SlackError("users_not_found")

    def _user_info(self, params: Mapping[str, Any]) -> Json:
        member = self.members.get(str(params.get("user") or ""))
        if member is None:
            raise SlackError("user_not_found")
        return {"user": self._user(member)}


def with_ids(blocks: list[Any]) -> list[Json]:
    """Blocks as Slack stores them: each with a `block_id`, each interactive element with an `action_id`
    (Slack makes them up where the app gave none)."""
    stored: list[Json] = []
    for block in blocks:
        if not isinstance(block, dict):
            raise SlackError("invalid_blocks")
        block = {**block, "block_id": block.get("block_id") or secrets.token_urlsafe(4)}
        for key in ("elements", "accessory", "element"):
            if key not in block:
                continue
            items = block[key] if isinstance(block[key], list) else [block[key]]
            named = [
                {**e, "action_id": e.get("action_id") or secrets.token_urlsafe(4)}
                if isinstance(e, dict) and e.get("type") not in ("mrkdwn", "plain_text", "image")
                else e
                for e in items
            ]
            block[key] = named if isinstance(block[key], list) else named[0]
        stored.append(block)
    return stored


def _shown_view(view: OpenView) -> Json:
    return {"id": view.id, "view": view.view, "errors": view.errors}
