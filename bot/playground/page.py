"""The page's side of the playground: what the person does (type a command, click, submit or close a
dialog, open App Home, run this morning's round), turned into the Slack-signed requests Slack would
send the app, and what the page polls to draw the workspace as this person sees it."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.playground import requests as slack
from bot.playground.workspace import Channel, Hook, Json, Post, SlackError, Workspace, with_ids

# The app's slash commands, as manifest.yml declares them: Slack sends the app no other.
SLASH_COMMANDS = ("/myload", "/teamload")
POLL_SECONDS = 20.0


@dataclass
class Playground:
    workspace: Workspace
    settings: Settings
    root: str  # http://127.0.0.1:PORT
    round_engine: Engine

    @property
    def events_url(self) -> str:
        return self.root + "/slack/events"

    async def send(self, body: bytes) -> slack.Answer:
        secret = self.settings.secret("slack_signing_secret")
        return await anyio.to_thread.run_sync(
            lambda: slack.send(self.events_url, body, signing_secret=secret)
        )

    def response_url(self, hook: Hook) -> tuple[str, str]:
        key = self.workspace.hook_for(hook)
        return key, f"{self.root}/response/{key}"


def of(request: Request) -> Playground:
    """The running playground a request reached."""
    found: Playground = request.app.state.playground
    return found


class Refusal(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _asked(request: Request) -> tuple[Playground, str, Json]:
    """The page's JSON request and who it acts as. JSON only: a form posted from another site is not."""
    playground = of(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Refusal("JSON only", 415)
    try:
        asked = json.loads(await request.body())
    except ValueError:
        raise Refusal("not JSON") from None
    if not isinstance(asked, dict):
        raise Refusal("not a JSON object")
    user = asked.get("as")
    if not isinstance(user, str) or user not in playground.workspace.members:
        raise Refusal("choose who you are viewing as")
    return playground, user, asked


def _answer(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def answered(request: Request) -> Response:
        try:
            said = await handler(request)
        except Refusal as refusal:
            return JSONResponse({"ok": False, "error": str(refusal)}, status_code=refusal.status)
        except SlackError as refused:
            return JSONResponse({"ok": False, "error": refused.error}, status_code=404)
        return JSONResponse({"ok": True, **(said or {})})

    answered.__name__ = handler.__name__
    return answered


async def state(request: Request) -> Response:
    workspace = of(request).workspace
    user = request.query_params.get("as", "")
    if user not in workspace.members:
        user = next(iter(workspace.members))
    try:
        since = int(request.query_params.get("since", "-1"))
    except ValueError:
        since = -1
    await workspace.wait_for_change(since, POLL_SECONDS)
    return JSONResponse(workspace.seen_by(user), headers={"cache-control": "no-store"})


def _visible(workspace: Workspace, user: str, channel_id: object) -> Channel:
    channel = workspace.channels.get(channel_id) if isinstance(channel_id, str) else None
    if channel is None or (channel.kind == "dm" and channel.member != user):
        raise Refusal("no such channel")
    return channel


def _failed(name: str, answer: slack.Answer) -> str:
    return f'{name} failed with the error "dispatch_failed" (the app answered HTTP {answer.status})'


@_answer
async def command(request: Request) -> Json:
    playground, user, asked = await _asked(request)
    workspace = playground.workspace
    channel = _visible(workspace, user, asked.get("channel"))
    typed = str(asked.get("text") or "").strip()
    if not typed.startswith("/"):
        raise Refusal("Type a slash command, like /myload")
    name, _, text = typed.partition(" ")
    if name not in SLASH_COMMANDS:
        workspace.slackbot_says(
            user, channel.id, f"`{name}` is not a valid command. The app has {', '.join(SLASH_COMMANDS)}."
        )
        return {}
    # The answer's place is taken now: what comes to the response_url before the ack replaces it there.
    answer_ts = workspace.next_ts()
    _, url = playground.response_url(Hook(user=user, channel=channel.id, post_ts=answer_ts, ephemeral=True))
    body = slack.slash_command(
        command=name,
        text=text.strip(),
        user=user,
        channel=channel.id,
        channel_name=channel.name,
        response_url=url,
        trigger=workspace.trigger_for(user),
    )
    answer = await playground.send(body)
    if answer.status != 200:
        workspace.slackbot_says(user, channel.id, _failed(name, answer))
        return {}
    said = answer.body or {}
    early = workspace.early.pop((channel.id, answer_ts), None)
    if early is not None:
        workspace.add_post(
            Post(ts=answer_ts, channel=channel.id, text=early[0], blocks=early[1], only_for=user, edited=True)
        )
    elif said.get("text") or said.get("blocks"):
        public = said.get("response_type") == "in_channel"
        workspace.add_post(
            Post(
                ts=answer_ts,
                channel=channel.id,
                text=str(said.get("text") or ""),
                blocks=with_ids(said.get("blocks") or []),
                only_for=None if public else user,
            )
        )
    return {}


def _element(blocks: list[Json], block_id: object, action_id: object) -> Json:
    for block in blocks:
        if block.get("block_id") != block_id:
            continue
        elements = [*(block.get("elements") or []), *([block["accessory"]] if "accessory" in block else [])]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise Refusal("that button is gone")


@_answer
async def click(request: Request) -> Json:
    playground, user, asked = await _asked(request)
    workspace = playground.workspace
    block_id, action_id = asked.get("block_id"), asked.get("action_id")
    view_id = asked.get("view_id")
    if isinstance(view_id, str):
        shown = workspace.find_view(user, view_id)
        element = _element(shown.view.get("blocks") or [], block_id, action_id)
        values = asked.get("values") if isinstance(asked.get("values"), dict) else {}
        view = {**shown.view, "state": {"values": values}}
        body = slack.view_click(
            user=user, view=view, element=element, block_id=str(block_id), trigger=workspace.trigger_for(user)
        )
    else:
        channel = _visible(workspace, user, asked.get("channel"))
        post = workspace.find_post(channel.id, str(asked.get("ts") or ""))
        if post.only_for not in (None, user):
            raise Refusal("no such message")
        element = _element(post.blocks, block_id, action_id)
        _, url = playground.response_url(
            Hook(user=user, channel=channel.id, post_ts=post.ts, ephemeral=post.only_for is not None)
        )
        body = slack.message_click(
            user=user,
            post=post,
            channel_name=channel.name,
            element=element,
            block_id=str(block_id),
            trigger=workspace.trigger_for(user),
            response_url=url,
        )
    answer = await playground.send(body)
    if answer.status != 200:
        raise Refusal(f"the app answered HTTP {answer.status}", 502)
    return {}


@_answer
async def submit(request: Request) -> Json:
    playground, user, asked = await _asked(request)
    workspace = playground.workspace
    shown = workspace.top_modal(user, asked.get("view_id"))
    if shown is None:
        raise Refusal("that dialog is closed")
    values = asked.get("values")
    if not isinstance(values, dict):
        raise Refusal("no values")
    body = slack.view_submission(
        user=user, view=shown.view, values=values, trigger=workspace.trigger_for(user)
    )
    answer = await playground.send(body)
    if answer.status != 200:
        workspace.set_errors(user, shown.id, {"": "We had some trouble connecting. Try again?"})
        return {}
    said = answer.body or {}
    action = said.get("response_action")
    if action == "errors" and isinstance(said.get("errors"), dict):
        workspace.set_errors(user, shown.id, {str(k): str(v) for k, v in said["errors"].items()})
    elif action == "update" and isinstance(said.get("view"), dict):
        workspace.replace_top(user, said["view"])
    elif action == "push" and isinstance(said.get("view"), dict):
        workspace.push_modal(user, said["view"])
    elif action == "clear":
        workspace.close_modals(user)
    else:
        workspace.pop_modal(user)
    return {}


@_answer
async def close(request: Request) -> Json:
    playground, user, asked = await _asked(request)
    workspace = playground.workspace
    shown = workspace.top_modal(user, asked.get("view_id"))
    if shown is not None:
        workspace.pop_modal(user)
        if shown.view.get("notify_on_close"):
            await playground.send(slack.view_closed(user=user, view=shown.view))
    return {}


@_answer
async def home(request: Request) -> Json:
    playground, user, _ = await _asked(request)
    answer = await playground.send(
        slack.app_home_opened(user=user, event_id=f"Ev{secrets.token_hex(8).upper()}")
    )
    if answer.status != 200:
        raise Refusal(f"the app answered HTTP {answer.status}", 502)
    return {}


@_answer
async def morning_round(request: Request) -> Json:
    """This morning's round, now, for every team: the real round (`csm-coach digest`), through Slack's
    Web API here. A second run the same day sends nothing new, as in a real workspace."""
    playground, _, _ = await _asked(request)
    from bot.jobs.digest import morning_round as run_round
    from bot.slack.client import make_round_client

    settings = playground.settings

    def run() -> str:
        client = make_round_client(settings, token=settings.secret("slack_bot_token"))
        summary = run_round(
            engine=playground.round_engine, client=client, now=datetime.now(UTC), settings=settings
        )
        return summary.line()

    line = await anyio.to_thread.run_sync(run)
    return {"summary": line}


# The page's requests, under /playground/ (the server mounts them beside the page and Slack's side).
ROUTES = [
    Route("/playground/state", state),
    Route("/playground/command", command, methods=["POST"]),
    Route("/playground/click", click, methods=["POST"]),
    Route("/playground/submit", submit, methods=["POST"]),
    Route("/playground/close", close, methods=["POST"]),
    Route("/playground/home", home, methods=["POST"]),
    Route("/playground/round", morning_round, methods=["POST"]),
]
