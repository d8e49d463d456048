"""The Bolt app: the request's scope in its context, one error path, the listeners.

How a listener answers — the one rule for transactions on the Slack surface:

1. **Ack first.** Slack gives an app 3 seconds; a slow Slack or a locked database must not cost that.
   An interaction's ack function only acks (a modal's first checks its fields, which needs neither
   Slack nor the database); its work runs after the ack as a Bolt lazy listener (`after_ack`). A
   slash command's answer is its ack: it calls no Slack and only reads (SQLite readers never wait for
   a writer; the one write, `/teamload channel`, waits 2 s at most); `benchmarks/ack_time.py`
   measures it at scale.
2. **Record, commit, then speak.** A listener's work is one handle function run in one transaction
   (`bot/slack/work.py`), which commits when it returns; it returns what to say as effects, and only
   then are they sent to Slack (edit the message, redraw App Home, open a modal, answer the command).
   No connection is held across a Slack call.
3. **Tell the truth.** Slack failing after the commit is reported as it is: "Recorded, but I couldn't
   update the message" (`Outlet.show`), never "something went wrong". An error before the commit rolls
   everything back, and the user hears it: a busy database ("try again in a moment": the request path
   waits 2 s for a lock, never 30), a refusal, or an unexpected error with a reference to quote.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.client import make_request_client
from bot.slack.listeners import actions, commands, events, views
from bot.slack.payload import acting_channel, acting_user
from bot.slack.work import SLACK_FAILURES, Scope, message_for

log = logging.getLogger(__name__)

# Bolt's threads for the work after the ack; the database pool has a connection for each (bot/web.py).
LISTENER_THREADS = 8


class RequestScopedApp(App):
    """Each request's scope (engine, settings, moment) in its context, for its ack and its work alike."""

    def __init__(self, *, engine: Engine, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.coach_engine = engine
        self.coach_settings = settings

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        # The request's moment: everything below takes it as given.
        req.context["scope"] = Scope(
            engine=self.coach_engine, settings=self.coach_settings, now=datetime.now(UTC)
        )
        return super().dispatch(req)


def create_app(settings: Settings, *, engine: Engine) -> App:
    bot_token = settings.secret("slack_bot_token")

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test round trip before every first request.
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=bot_token
        )

    with _token_from_settings_only():
        app = RequestScopedApp(
            engine=engine,
            settings=settings,
            signing_secret="",  # unused: see request_verification_enabled
            client=make_request_client(settings),
            authorize=authorize,
            # With lazy listeners this runs each ack function in the request's own thread and returns
            # its answer at once; the work queues for the listener threads. With False, Bolt would queue
            # the ack functions too, behind slow work, and a burst of clicks during a slow Slack would
            # miss 3 s.
            process_before_response=True,
            listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
            # bot/web.py checks the signature on the raw bytes and hands Bolt the payload it parsed,
            # which Bolt could not check again; Socket Mode's requests come over Slack's own socket.
            request_verification_enabled=False,
        )

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> BoltResponse:
        return error_response(error, body, client)

    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    return app


@contextmanager
def _token_from_settings_only() -> Iterator[None]:
    """Bolt takes SLACK_BOT_TOKEN from the environment when it is given no `token`, then finds our
    `client` beside it and warns that the token will be unused. The token reaches Bolt once, from the
    settings (`.env` included), through `authorize`: Bolt does not get a second copy to ignore."""
    hidden = os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        yield
    finally:
        if hidden is not None:
            os.environ["SLACK_BOT_TOKEN"] = hidden


def error_response(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse:
    """An ack function failed: answer in the response where Slack allows it, else where the user is."""
    message = message_for(error, context=str(body.get("command") or body.get("type") or "a request"))
    if "command" in body:
        return BoltResponse(
            status=200, body=message.ephemeral(), headers={"content-type": "application/json"}
        )
    if body.get("type") == "view_submission":
        inputs = [b.get("block_id") for b in body["view"].get("blocks") or [] if b.get("type") == "input"]
        if inputs:
            errors = {"response_action": "errors", "errors": {inputs[0]: message.text[:150]}}
            return BoltResponse(
                status=200, body=json.dumps(errors), headers={"content-type": "application/json"}
            )
    user = acting_user(body)
    channel = acting_channel(body)
    try:
        if user and channel:
            client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.block_dicts()
            )
        elif user:
            client.chat_postMessage(channel=user, text=message.text, blocks=message.block_dicts())
    except SLACK_FAILURES:
        log.warning("could not tell %s: %s", user, message.text)
    return BoltResponse(status=200, body="")
