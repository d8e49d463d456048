"""The playground's one server: the page, Slack's Web API and response URLs, and the app itself.

`csm-coach playground` binds 127.0.0.1 only. It makes up a bot token and a signing secret at start and
gives the app settings that point `SLACK_API_URL` at this very server; the app is built as `serve`
builds it (`bot.slack.app.create_app`, `bot.web.create_asgi`) and mounted beside the page, so what a
person does on the page reaches it as Slack-signed requests to `/slack/events`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
from sqlalchemy import Engine
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import Settings, get_settings, load_settings
from bot.db import get_engine, migrate, request_engine, session_scope
from bot.errors import CannotStart
from bot.models import Person, Role, Team
from bot.playground import requests as slack
from bot.playground.workspace import Channel, Hook, Json, Member, Post, SlackError, Workspace, with_ids

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never another: the playground answers anyone who can reach it as any user
# Where the playground keeps its data when DATABASE_URL is not set: never the app's own default file.
DEFAULT_DATABASE_URL = "sqlite:///csm-coach-playground.db"
API_PATH = "/slack-api/"
# The app's slash commands, as manifest.yml declares them: Slack sends the app no other.
SLASH_COMMANDS = ("/myload", "/teamload")
POLL_SECONDS = 20.0
ROLE_ORDER = {Role.ADMIN: 0, Role.MANAGER: 1, Role.CSM: 2}
STATIC = files("bot.playground") / "static"


def playground_settings(port: int, *, base: Settings | None = None) -> Settings:
    """The app's settings for the playground: a made-up token and secret, Slack's API here.

    Refuses (CannotStart, exit 2) when a Slack bot token is set: the playground never runs beside a
    real workspace's credentials."""
    base = base or get_settings()
    if base.slack_bot_token is not None and base.slack_bot_token.get_secret_value():
        raise CannotStart(
            "SLACK_BOT_TOKEN is set: the playground never runs with a real workspace's token; "
            "unset it (environment and .env) to try the playground"
        )
    given = "database_url" in base.model_fields_set
    return load_settings(
        slack_bot_token="xoxb-playground-" + secrets.token_hex(12),
        slack_signing_secret=secrets.token_hex(32),
        slack_api_url=f"http://{HOST}:{port}{API_PATH}",
        database_url=base.database_url if given else DEFAULT_DATABASE_URL,
    )


def load_demo_if_empty(engine: Engine, *, today: Any, say: Callable[[str], None]) -> None:
    """On a database with nobody in it, the demo company (bot/demo), with made-up team channels."""
    from bot.demo.build import build_company
    from bot.services import teams

    with session_scope(engine) as session:
        if session.exec(select(Person).limit(1)).first() is not None:
            return
    say("The database is empty: loading the demo company…")
    with tempfile.TemporaryDirectory() as tmp:
        _, summaries = build_company(engine, Path(tmp), today=today)
    for line in summaries:
        say(line)
    with session_scope(engine) as session:
        for index, team in enumerate(teams.teams_by_age(session=session), start=1):
            if team.channel_id is None:
                teams.set_channel(session=session, team=team, channel=f"C0DEMO{index:04d}")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team"


def roster(engine: Engine) -> tuple[list[Member], list[Channel]]:
    """The people (managers and admins first in each team) and the teams' channels, from the database."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Person, Team).where(col(Person.team_id) == col(Team.id), col(Person.active))
        ).all()
        members = sorted(
            (
                Member(id=p.slack_user_id, name=p.name, email=p.email, role=p.role.value, team=t.name)
                for p, t in rows
            ),
            key=lambda m: (m.team, ROLE_ORDER.get(Role(m.role), 9), m.name),
        )
        team_rows = session.exec(select(Team).order_by(col(Team.id))).all()
        channels = [
            Channel(id=t.channel_id, name=f"team-{slug(t.name)}", kind="channel")
            for t in team_rows
            if t.channel_id
        ]
    return members, channels


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


def build_app(settings: Settings, *, root: str, say: Callable[[str], None] = log.info) -> Starlette:
    """The whole server: the page and Slack's side, and the app's ASGI stack under them."""
    from bot.slack.app import LISTENER_THREADS, create_app
    from bot.web import REQUEST_THREADS, create_asgi

    round_engine = get_engine(settings.database_url)
    migrate(round_engine)
    load_demo_if_empty(round_engine, today=datetime.now(UTC).date(), say=say)
    members, channels = roster(round_engine)
    if not members:
        raise CannotStart("the database has teams but nobody in them: import a team file first")
    workspace = Workspace(bot_token=settings.secret("slack_bot_token"), members=members, channels=channels)
    engine = request_engine(settings.database_url, threads=REQUEST_THREADS + LISTENER_THREADS)
    coach = create_asgi(settings, engine=engine, bolt=create_app(settings, engine=engine))
    playground = Playground(workspace=workspace, settings=settings, root=root, round_engine=round_engine)
    app = Starlette(
        routes=[
            Route("/", page),
            Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
            Route(API_PATH + "{method}", web_api, methods=["GET", "POST"]),
            Route("/response/{key}", response_url, methods=["POST"]),
            Route("/playground/state", state),
            Route("/playground/command", command, methods=["POST"]),
            Route("/playground/click", click, methods=["POST"]),
            Route("/playground/submit", submit, methods=["POST"]),
            Route("/playground/close", close, methods=["POST"]),
            Route("/playground/home", home, methods=["POST"]),
            Route("/playground/round", morning_round, methods=["POST"]),
            Mount("", app=coach),  # /slack/events, /healthz, /api/v1/*: the app as `serve` runs it
        ],
        # A web page elsewhere must not reach this one by a name that resolves to 127.0.0.1.
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=[HOST, "localhost"])],
    )
    app.state.playground = playground
    return app


def _playground(request: Request) -> Playground:
    found: Playground = request.app.state.playground
    return found


async def page(_: Request) -> Response:
    return FileResponse(str(STATIC / "index.html"), headers={"cache-control": "no-store"})


# --- Slack's side: the Web API and response URLs ------------------------------------------------------


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    kind = request.headers.get("content-type", "")
    if not body:
        return params
    if "json" in kind:
        try:
            decoded = json.loads(body)
        except ValueError:
            return params
        if isinstance(decoded, dict):
            params.update(decoded)
    else:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


async def web_api(request: Request) -> Response:
    workspace = _playground(request).workspace
    params = await _params(request)
    auth = request.headers.get("authorization", "")
    token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
    answer = workspace.call(request.path_params["method"], params, token if isinstance(token, str) else None)
    return JSONResponse(answer)


async def response_url(request: Request) -> Response:
    workspace = _playground(request).workspace
    try:
        workspace.respond(request.path_params["key"], await _params(request))
    except SlackError as refused:
        return JSONResponse({"ok": False, "error": refused.error}, status_code=404)
    return JSONResponse({"ok": True})


# --- The page's side: what the person does ------------------------------------------------------------


class Refusal(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _asked(request: Request) -> tuple[Playground, str, Json]:
    """The page's JSON request and who it acts as. JSON only: a form posted from another site is not."""
    playground = _playground(request)
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
    workspace = _playground(request).workspace
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
    stack = workspace.modals.get(user) or []
    if not stack or stack[-1].id != asked.get("view_id"):
        raise Refusal("that dialog is closed")
    shown = stack[-1]
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
    stack = workspace.modals.get(user) or []
    if stack and stack[-1].id == asked.get("view_id"):
        shown = stack[-1]
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


# --- Running it -------------------------------------------------------------------------------------


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: any free port), or CannotStart saying why not."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        raise CannotStart(f"cannot listen on {HOST}:{port} ({error.strerror}): try another --port") from None
    sock.listen(128)
    return sock


def _server(app: Starlette, sock: socket.socket) -> Any:
    import uvicorn

    from bot.logs import uvicorn_log_config

    config = uvicorn.Config(app, log_level="warning", log_config=uvicorn_log_config(), lifespan="off")
    server = uvicorn.Server(config)
    return server


def run(*, port: int, say: Callable[[str], None]) -> None:
    """`csm-coach playground`: serve until interrupted."""
    sock = bind(port)
    actual = sock.getsockname()[1]
    settings = playground_settings(actual)
    app = build_app(settings, root=f"http://{HOST}:{actual}", say=say)
    say(f"The playground is on http://{HOST}:{actual}/ (Ctrl-C to stop). Database: {_shown_url(settings)}")
    _server(app, sock).run(sockets=[sock])


def _shown_url(settings: Settings) -> str:
    return get_engine(settings.database_url).url.render_as_string()  # the password hidden


@contextlib.contextmanager
def running(*, database_url: str, port: int = 0) -> Iterator[str]:
    """The playground in a thread of this process, on `database_url`; yields its page's URL."""
    sock = bind(port)
    actual = sock.getsockname()[1]
    settings = playground_settings(actual, base=load_settings(database_url=database_url, slack_bot_token=""))
    app = build_app(settings, root=f"http://{HOST}:{actual}")
    server = _server(app, sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="playground", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{actual}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
