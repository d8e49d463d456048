"""The Bolt app: one DB session per request, one error handler, the listeners."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import session_scope
from bot.errors import UserFacingError
from bot.slack.blocks.common import Message, plain_message
from bot.slack.client import make_client
from bot.slack.listeners import actions, commands, events, views

log = logging.getLogger(__name__)


class RequestScopedApp(App):
    """Each request's settings, moment and DB session in its context, the session around the listener.

    Bolt runs the listeners only after every global middleware has returned, so a middleware cannot
    hold the session open around them; `dispatch` can, and commits what the listener wrote.
    """

    def __init__(self, *, engine: Engine, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.coach_engine = engine
        self.coach_settings = settings

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with session_scope(self.coach_engine) as session:
            req.context["settings"] = self.coach_settings
            req.context["now"] = datetime.now(UTC)  # the request's moment; everything below takes it as given
            req.context["session"] = session
            return super().dispatch(req)


def create_app(settings: Settings, *, engine: Engine, socket_mode: bool = False) -> App:
    bot_token = settings.secret("slack_bot_token")
    signing_secret = "" if socket_mode else settings.secret("slack_signing_secret")

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test round trip before every first request.
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=bot_token
        )

    app = RequestScopedApp(
        engine=engine,
        settings=settings,
        signing_secret=signing_secret,
        client=make_client(settings),
        authorize=authorize,
        # Answers are computed before the ack, so the DB session can wrap the whole request.
        process_before_response=True,
        request_verification_enabled=not socket_mode,
    )

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> BoltResponse | None:
        if "session" in context:
            context["session"].rollback()  # nothing of a failed request is kept
        return error_response(error, body, client)

    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    return app


def error_response(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse:
    """Domain errors reach the user as said; anything else is logged under a reference they can quote."""
    if isinstance(error, UserFacingError):
        message: Message = plain_message(str(error))
    else:
        ref = uuid.uuid4().hex[:8]
        log.exception(
            "unexpected error (ref %s) handling %s",
            ref,
            body.get("command") or body.get("type"),
            exc_info=error,
        )
        message = plain_message(
            f"Sorry, something went wrong on my side (ref `{ref}`). Please try again in a minute."
        )
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
    tell_clicker(body, client, message)
    return BoltResponse(status=200, body="")


def tell_clicker(body: dict[str, Any], client: WebClient, message: Message) -> None:
    """Ephemeral where the click happened; a DM from the app when it came from App Home."""
    user = (body.get("user") or {}).get("id")
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    if not user:
        return
    try:
        if channel:
            client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.block_dicts()
            )
        elif body.get("type") == "block_actions":
            client.chat_postMessage(channel=user, text=message.text, blocks=message.block_dicts())
    except SlackApiError:
        log.warning("could not tell %s: %s", user, message.text)
