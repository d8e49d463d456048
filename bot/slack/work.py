"""A listener's work after the ack: its transaction, then what it says, and the one error path.

The rule these helpers keep is written in `bot/slack/app.py`'s docstring.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from typing import Any, Protocol
from urllib.error import URLError

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import is_busy, session_scope
from bot.errors import UserFacingError
from bot.slack.blocks.common import Message, plain_message
from bot.slack.payload import acting_channel, acting_user

log = logging.getLogger(__name__)

# What a call to Slack can fail with: an answer with `ok: false`, or no usable answer at all.
SLACK_FAILURES = (SlackClientError, TimeoutError, ConnectionError, URLError, HTTPException)
BUSY = "I'm busy with other work right now and recorded nothing. Please try again in a moment."


@dataclass(frozen=True)
class Scope:
    """What every listener of one request shares: the database, the settings and the request's moment."""

    engine: Engine
    settings: Settings
    now: datetime

    def __deepcopy__(self, memo: dict[int, Any]) -> Scope:
        # Bolt deep-copies the context for lazy listeners; an engine is shared, never copied.
        return self


class Shown(Protocol):
    """A change to what Slack shows (a message edited, App Home redrawn), sent after the commit."""

    def send(self, client: WebClient, engine: Engine) -> None: ...


@dataclass(frozen=True)
class Work:
    """One command or interaction being worked on after its ack."""

    body: dict[str, Any]
    client: WebClient
    respond: Respond | None
    scope: Scope

    @property
    def settings(self) -> Settings:
        return self.scope.settings

    @property
    def now(self) -> datetime:
        return self.scope.now

    @property
    def user_id(self) -> str:
        return acting_user(self.body)

    def transaction(self) -> AbstractContextManager[Session]:
        """Commits when the block ends without an error; what it wrote is then safe to talk about."""
        return session_scope(self.scope.engine)

    def tell(self, message: Message | str) -> None:
        """Words for the user alone: the command's reply, or an ephemeral where they clicked (a DM
        from App Home or a modal). Only after the commit: the user must never hear of an unsaved act."""
        if isinstance(message, str):
            message = plain_message(message)
        body = self.body
        if "command" in body and self.respond is not None:
            self.respond(text=message.text, blocks=message.block_dicts(), response_type="ephemeral")
            return
        channel = acting_channel(body)
        if channel and body.get("type") == "block_actions":
            self.client.chat_postEphemeral(
                channel=channel, user=self.user_id, text=message.text, blocks=message.block_dicts()
            )
        else:
            self.client.chat_postMessage(
                channel=self.user_id, text=message.text, blocks=message.block_dicts()
            )

    def show(self, shown: Shown | None) -> None:
        """Send a change already committed; if Slack fails, say that it was recorded all the same."""
        if shown is None:
            return
        try:
            shown.send(self.client, self.scope.engine)
        except SLACK_FAILURES as error:
            log.warning("recorded, but the update of what Slack shows failed: %s", _why(error))
            self.tell(f"Recorded, but I couldn't update the message ({_why(error)}).")


def _why(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack answered `{error.response.get('error', 'an error')}`"
    return f"Slack did not answer in time: {type(error).__name__}"


def message_for(error: BaseException, *, context: str) -> Message:
    """What the user hears about an error. Busy and domain errors as they are; anything else is logged
    with a traceback under a reference the user can quote."""
    if is_busy(error):
        log.warning("database busy while handling %s: %s", context, type(error).__name__)
        return plain_message(BUSY)
    if isinstance(error, UserFacingError):
        return plain_message(str(error))
    if isinstance(error, SLACK_FAILURES):
        log.warning("Slack failed while handling %s: %s", context, _why(error))
        return plain_message(
            f"Slack didn't take that ({_why(error)}). Nothing was recorded; please try again."
        )
    ref = uuid.uuid4().hex[:8]
    log.error("unexpected error (ref %s) handling %s", ref, context, exc_info=error)
    return plain_message(
        f"Sorry, something went wrong on my side (ref `{ref}`). Nothing was recorded; please try again."
    )


def acknowledge(ack: Ack) -> None:
    """The ack function of every listener whose work needs nothing checked first."""
    ack()


def after_ack(do: Callable[[Work], None], *, tell_errors: bool = True) -> Callable[..., None]:
    """A lazy listener running `do` after the ack, in Bolt's listener threads; its errors reach the user
    (only the log with `tell_errors=False`: opening App Home is not an act worth a DM about).

    Bolt only logs a lazy listener's exception, so this is where they become an answer.
    """

    def run(body: dict[str, Any], client: WebClient, respond: Respond | None, scope: Scope) -> None:
        work = Work(body=body, client=client, respond=respond, scope=scope)
        try:
            do(work)
        except Exception as error:  # noqa: BLE001 - every failure gets an answer
            what = str(body.get("command") or body.get("type") or "a request")
            message = message_for(error, context=what)
            if not tell_errors:
                return
            try:
                work.tell(message)
            except SLACK_FAILURES as unsaid:
                log.warning("could not tell %s about an error: %s", work.user_id, _why(unsaid))

    # Bolt names a lazy listener by its function's name; no __wrapped__, or Bolt would read `do`'s arguments.
    run.__name__, run.__qualname__, run.__doc__ = do.__name__, do.__qualname__, do.__doc__
    return run
