"""A Slack payload: read once from a request's body, its shape checked, and who acts in it.

`bot/web.py` reads the body here and hands Bolt the very dict it read, so the front door and Bolt never
disagree on what a request says. Bolt indexes payloads as Slack sends them (`body["view"]["type"]`,
`body["actions"][0]`, `"id" in body["user"]`), so a signed payload of another shape would crash it
with a 500: the shape is checked first, for the kinds of payload this app handles, and anything else
is refused with a 400.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError

JSON = "application/json"  # the Events API
FORM = "application/x-www-form-urlencoded"  # slash commands, and interactions as `payload=<json>`
MAX_FORM_FIELDS = 50  # a slash command has about 13


class BadPayload(ValueError):
    """A body that is not a payload Slack sends to this app."""


class Loose(BaseModel):
    """A Slack object: the fields named are checked; the others pass through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)


class Named(Loose):
    id: str


# A user, team, channel or enterprise: Bolt reads an id, or the id of an object.
Ref = str | Named | None


class ResponseUrl(Loose):
    response_url: str


class Ids(Loose):
    """What Bolt reads of every payload, and of its event, messages and authorisations, to build a
    request's context before any listener runs."""

    type: str | None = None
    enterprise: Ref = None
    team: Ref = None
    user: Ref = None
    channel: Ref = None
    enterprise_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    function_execution_id: str | None = None
    function_data: Loose | None = None
    bot_access_token: str | None = None
    response_url: str | None = None
    response_urls: list[ResponseUrl] | None = None
    authorizations: list[Ids] | None = None
    event: Ids | None = None
    message: Ids | None = None
    previous_message: Ids | None = None
    item: Ids | None = None
    assistant_thread: Ids | None = None
    view: Loose | None = None


class Command(Ids):
    """A slash command: a form with no `type` and no `user` object, so it is never another kind too."""

    command: str
    user_id: str
    text: str = ""
    type: None = None
    user: None = None


class Action(Loose):
    action_id: str
    block_id: str | None = None
    value: str | None = None


class Container(Loose):
    channel_id: str | None = None
    message_ts: str | None = None


class BlockActions(Ids):
    type: Literal["block_actions"]
    user: Named
    channel: Named | None = None
    container: Container | None = None
    actions: list[Action] = Field(min_length=1)
    trigger_id: str | None = None


class InputValue(Loose):
    value: str | None = None
    selected_options: list[Loose] | None = None


class State(Loose):
    values: dict[str, dict[str, InputValue]]


class Block(Loose):
    type: str | None = None
    block_id: str | None = None


class View(Loose):
    type: str
    callback_id: str
    private_metadata: str = ""
    blocks: list[Block] = []
    state: State | None = None


class SubmittedView(View):
    state: State


class ViewSubmission(Ids):
    type: Literal["view_submission"]
    user: Named
    view: SubmittedView


class ViewClosed(Ids):
    type: Literal["view_closed"]
    user: Named
    view: View


class Event(Ids):
    type: str


class EventCallback(Ids):
    type: Literal["event_callback"]
    event: Event
    event_id: str | None = None


class UrlVerification(Ids):
    type: Literal["url_verification"]
    challenge: str


class SslCheck(Ids):
    """Slack's check of a slash command's URL: a form with `ssl_check=1`, answered by Bolt."""

    ssl_check: Literal["1"]


KINDS: dict[str, type[Ids]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewClosed,
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
}


def read_payload(body: str, media_type: str) -> dict[str, Any]:
    """The payload of a signed body, as Slack meant it for its media type, with its shape checked."""
    try:
        if media_type == JSON:
            payload: Any = json.loads(body, object_pairs_hook=_unique_keys)
        elif media_type == FORM:
            payload = _form(body)
        else:
            raise BadPayload(f"media type {media_type} is not one Slack sends")
    except (ValueError, RecursionError) as error:  # RecursionError: JSON nested past Python's stack
        if isinstance(error, BadPayload):
            raise
        raise BadPayload("body does not parse") from None
    if not isinstance(payload, dict):
        raise BadPayload("payload is not a JSON object")
    check_shape(payload)
    return payload


def _form(body: str) -> Any:
    pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    form = _unique_keys(pairs)
    if "payload" not in form:
        return form
    if len(form) > 1:
        raise BadPayload("an interaction's form holds its payload alone")
    return json.loads(form["payload"], object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A name given twice is refused: which of the two counts would be anyone's guess."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise BadPayload("a field is given twice")
    return result


def check_shape(payload: dict[str, Any]) -> None:
    """Refuse a payload this app does not handle, or whose fields Bolt or a listener would trip on."""
    kind = payload.get("type")
    if "command" in payload:
        shape: type[Ids] | None = Command
    elif payload.get("ssl_check") is not None:
        shape = SslCheck
    else:
        shape = KINDS.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise BadPayload(f"not a payload this app handles (type {str(kind)[:40]!r})")
    try:
        shape.model_validate(payload)
    except ValidationError as error:
        where = ".".join(str(part) for part in error.errors()[0]["loc"])[:80]
        raise BadPayload(f"{shape.__name__} payload with a bad field: {where!r}") from None


def acting_channel(body: Mapping[str, Any]) -> str | None:
    """The channel of the message a user clicked in (None in a modal, App Home or nowhere)."""
    container, channel = body.get("container"), body.get("channel")
    found = container.get("channel_id") if isinstance(container, Mapping) else None
    if not found:
        found = channel.get("id") if isinstance(channel, Mapping) else channel
    return found if isinstance(found, str) and found else None


def acting_user(body: Mapping[str, Any]) -> str:
    """Who acts: the field Slack sends for the payload's kind, and no other (a `user_id` beside a
    modal's `user` is not who submitted it). Slash commands: `user_id`; events: `event.user`; clicks,
    modals and shortcuts: `user.id`. Empty when the payload names nobody."""
    if "command" in body:
        user = body.get("user_id")
    elif body.get("type") == "event_callback":
        event = body.get("event")
        user = event.get("user") if isinstance(event, Mapping) else None
    else:
        user = body.get("user")
    if isinstance(user, Mapping):
        user = user.get("id")
    return user if isinstance(user, str) else ""
