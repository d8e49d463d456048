"""How a listener works: its payload parsed into a typed request, one handle function run in the
request's transaction, the effects it returns (edit a line, redraw App Home, open a modal, tell the
user, respond, send handoff DMs) flushed after the commit, and the one error path.

The rule these helpers keep is written in `bot/slack/app.py`'s docstring.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from typing import Any, Protocol, TypeVar
from urllib.error import URLError

from slack_bolt import Ack
from slack_bolt import Respond as BoltRespond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import is_busy, session_scope
from bot.errors import UserFacingError
from bot.slack.blocks.common import Message, escape, plain_message
from bot.slack.client import make_round_client
from bot.slack.home import HomeRefresh
from bot.slack.message_edit import MessageEdit
from bot.slack.payload import acting_channel, acting_user
from bot.slack.plan_dms import send_handoffs

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
class Tell:
    """Words for the user alone, where they acted: the command's reply, an ephemeral where they clicked,
    else a DM (from App Home or a modal)."""

    message: Message | str


@dataclass(frozen=True)
class Respond:
    """The answer at the request's response_url (the command's, or that of the message clicked)."""

    message: Message
    replace_original: bool = True
    ephemeral: bool = True


@dataclass(frozen=True)
class OpenModal:
    trigger_id: str | None
    view: View


@dataclass(frozen=True)
class SendHandoffs:
    """The handoff DMs of a plan application, each claimed before it is sent; then the plan shown at
    `response_url` says it was applied, the first time."""

    application_id: int
    applied_by: str
    response_url: str | None


# What a handle function asks for once its transaction has committed; `flush` sends them in order.
Effect = MessageEdit | HomeRefresh | OpenModal | Tell | Respond | SendHandoffs
Effects = list[Effect]
Request = TypeVar("Request")
Answer = TypeVar("Answer")
# A listener's one function: given the open transaction, its typed request and the request's scope.
Handle = Callable[[Session, Request, Scope], Answer]


def decided(
    scope: Scope,
    body: dict[str, Any],
    parse: Callable[[dict[str, Any]], Request],
    handle: Handle[Request, Answer],
) -> Answer:
    """The payload parsed, then `handle` run in one transaction, committed when it returns."""
    request = parse(body)
    with session_scope(scope.engine) as session:
        return handle(session, request, scope)


@dataclass(frozen=True)
class Outlet:
    """Where one request's effects go: its client and response_url, and where its user acted."""

    body: dict[str, Any]
    client: WebClient
    respond: BoltRespond | None
    scope: Scope
    quiet: bool = False  # App Home opened: a failure to show it is logged, not told

    @property
    def user_id(self) -> str:
        return acting_user(self.body)

    def tell(self, message: Message | str) -> None:
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

    def show(self, shown: Shown) -> None:
        """Send a change already committed; if Slack fails, say that it was recorded all the same."""
        try:
            shown.send(self.client, self.scope.engine)
        except SLACK_FAILURES as error:
            log.warning("recorded, but the update of what Slack shows failed: %s", _why(error))
            if not self.quiet:
                self.tell(f"Recorded, but I couldn't update the message ({_why(error)}).")


def flush(effects: Effects, outlet: Outlet) -> None:
    """The one place a listener's effects reach Slack, in order, after its commit."""
    for effect in effects:
        match effect:
            case MessageEdit() | HomeRefresh():
                outlet.show(effect)
            case OpenModal(trigger_id=trigger_id, view=view):
                outlet.client.views_open(trigger_id=trigger_id, view=view)
            case Tell(message=message):
                outlet.tell(message)
            case Respond(message=message) if outlet.respond is None:
                outlet.tell(message)
            case Respond(message=message, replace_original=replace, ephemeral=ephemeral):
                assert outlet.respond is not None
                outlet.respond(
                    text=message.text,
                    blocks=message.block_dicts(),
                    replace_original=replace,
                    response_type="ephemeral" if ephemeral else None,
                )
            case SendHandoffs():
                send_plan_handoffs(effect, outlet)


@dataclass(frozen=True)
class AppliedNote:
    """The plan shown where it was asked for, replaced by what happened to it."""

    response_url: str
    applied_by: str

    def send(self, client: WebClient, engine: Engine) -> None:
        WebhookClient(self.response_url).send(
            text=f"<@{self.applied_by}> applied this plan.", replace_original=True, response_type="ephemeral"
        )


def send_plan_handoffs(handoffs: SendHandoffs, outlet: Outlet) -> None:
    # A 429 is waited out (Retry-After); what Slack still refuses, the clock's catch-up sends later.
    client = make_round_client(outlet.scope.settings, token=outlet.client.token)
    summary = send_handoffs(
        engine=outlet.scope.engine,
        client=client,
        application_id=handoffs.application_id,
        now=outlet.scope.now,
    )
    first_time = summary.outcomes["sent"] + summary.outcomes["failed"] > 0
    if handoffs.response_url and first_time:
        outlet.show(AppliedNote(handoffs.response_url, handoffs.applied_by))
    if summary.failures:
        outlet.tell(
            "The plan is applied, but not every handoff DM went out: "
            f"{escape('; '.join(summary.failures))}. A definite refusal is tried again within minutes; "
            "a DM in doubt is not, so that nobody gets one twice."
        )
    said = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items()))
    log.info("plan application %s: handoff DMs: %s", handoffs.application_id, said or "none to send")


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


def check_form(errors_of: Callable[[dict[str, Any]], dict[str, str]]) -> Callable[..., None]:
    """A modal's ack function that checks its fields alone (no Slack, no database): Slack shows the
    errors `errors_of` finds beside their inputs, or closes the form when there are none."""

    def ack_form(ack: Ack, view: dict[str, Any]) -> None:
        errors = errors_of(view)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    return ack_form


def answer_view(
    ack: Ack, body: dict[str, Any], decide: Callable[[], View], *, failed: Callable[[str], View]
) -> None:
    """Ack a submitted modal with the view `decide` returns, once the work in it has committed; on any
    error, with the words `message_for` has for it in the view `failed` makes. The one modal whose work
    is its answer (applying a plan) then never leaves the user facing a 500 or a spinning form."""
    try:
        view = decide()
    except Exception as error:  # noqa: BLE001 - every failure gets an answer
        view = failed(message_for(error, context=str(body.get("type") or "a view submission")).text)
    ack(response_action="update", view=view)


def after_ack(
    parse: Callable[[dict[str, Any]], Request], handle: Handle[Request, Effects], *, quiet: bool = False
) -> Callable[..., None]:
    """A lazy listener, run after the ack in Bolt's listener threads: the payload parsed, `handle` run in
    its transaction, then its effects flushed; its errors reach the user (only the log with `quiet`:
    opening App Home is not an act worth a DM about).

    Bolt only logs a lazy listener's exception, so this is where they become an answer.
    """

    def run(body: dict[str, Any], client: WebClient, respond: BoltRespond | None, scope: Scope) -> None:
        outlet = Outlet(body=body, client=client, respond=respond, scope=scope, quiet=quiet)
        try:
            flush(decided(scope, body, parse, handle), outlet)
        except Exception as error:  # noqa: BLE001 - every failure gets an answer
            what = str(body.get("command") or body.get("type") or "a request")
            message = message_for(error, context=what)
            if quiet:
                return
            try:
                outlet.tell(message)
            except SLACK_FAILURES as unsaid:
                log.warning("could not tell %s about an error: %s", outlet.user_id, _why(unsaid))

    # Bolt names a lazy listener by its function's name; no __wrapped__, or Bolt would read `handle`'s
    # arguments.
    run.__name__, run.__qualname__, run.__doc__ = handle.__name__, handle.__qualname__, handle.__doc__
    return run


def answer_command(
    parse: Callable[[dict[str, Any]], Request], handle: Handle[Request, Message]
) -> Callable[..., None]:
    """A slash command's ack function whose answer is its ack: `handle` reads (or makes its one small
    write) in a transaction, committed before the answer says so. Errors take the app's error path."""

    def ack_with_answer(ack: Ack, body: dict[str, Any], scope: Scope) -> None:
        ack(**decided(scope, body, parse, handle).ephemeral())

    return ack_with_answer


def answer_modal(
    parse: Callable[[dict[str, Any]], Request],
    handle: Handle[Request, View],
    *,
    failed: Callable[[str], View],
) -> Callable[..., None]:
    """A modal's ack function whose work is its answer (`answer_view`)."""

    def ack_with_view(ack: Ack, body: dict[str, Any], scope: Scope) -> None:
        answer_view(ack, body, lambda: decided(scope, body, parse, handle), failed=failed)

    return ack_with_view
