"""The playground's one server: the page, Slack's Web API and response URLs, and the app itself.

`csm-coach playground` binds 127.0.0.1 only. It makes up a bot token and a signing secret at start and
gives the app settings that point `SLACK_API_URL` at this very server; the app is built as `serve`
builds it (`bot.slack.app.create_app`, `bot.web.create_asgi`) and mounted beside the page, so what a
person does on the page reaches it as Slack-signed requests to `/slack/events` (`page.py`: the page's
side; here, Slack's side and running it).
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
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

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
from bot.playground import page as page_side
from bot.playground.workspace import Channel, Member, SlackError, Workspace

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never another: the playground answers anyone who can reach it as any user
# Where the playground keeps its data when DATABASE_URL is not set: never the app's own default file.
DEFAULT_DATABASE_URL = "sqlite:///csm-coach-playground.db"
API_PATH = "/slack-api/"
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
    playground = page_side.Playground(
        workspace=workspace, settings=settings, root=root, round_engine=round_engine
    )
    app = Starlette(
        routes=[
            Route("/", page),
            Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
            Route(API_PATH + "{method}", web_api, methods=["GET", "POST"]),
            Route("/response/{key}", response_url, methods=["POST"]),
            *page_side.ROUTES,
            Mount("", app=coach),  # /slack/events, /healthz, /api/v1/*: the app as `serve` runs it
        ],
        # A web page elsewhere must not reach this one by a name that resolves to 127.0.0.1.
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=[HOST, "localhost"])],
    )
    app.state.playground = playground
    return app


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
    workspace = page_side.of(request).workspace
    params = await _params(request)
    auth = request.headers.get("authorization", "")
    token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
    answer = workspace.call(request.path_params["method"], params, token if isinstance(token, str) else None)
    return JSONResponse(answer)


async def response_url(request: Request) -> Response:
    workspace = page_side.of(request).workspace
    try:
        workspace.respond(request.path_params["key"], await _params(request))
    except SlackError as refused:
        return JSONResponse({"ok": False, "error": refused.error}, status_code=404)
    return JSONResponse({"ok": True})


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

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # The page long-polls its state (POLL_SECONDS): answer those polls now, or stopping (Ctrl-C,
            # a test's end) would wait for each to run out.
            app.state.playground.workspace.close()
            await super().shutdown(sockets=sockets)

    config = uvicorn.Config(app, log_level="warning", log_config=uvicorn_log_config(), lifespan="off")
    return Server(config)


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
