"""The front door (bot/web.py) fed what hypothesis makes of its headers and payloads, in-process.

Whatever the signature, timestamp, content type and length say, however often each is given, and
whatever shape a correctly signed payload has, the answer is a 4xx or Slack's meaning handled: never
a 5xx, never an exception out of the app. The point is Python's own parsing (`int`, `str.isdigit`,
`hmac.compare_digest`, `json`) and Bolt's indexing of payloads, so the ASGI app is called directly
with raw header bytes; tests/e2e/test_http_junk.py sends the named cases to a running `serve`.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from starlette.applications import Starlette

from bot.config import Settings
from bot.slack.app import create_app
from bot.web import create_asgi
from tests.support import signing
from tests.support.asgi import call
from tests.support.slack_standin import SlackStandIn

EVERY_EXAMPLE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def front_door(engine: Engine, slack: SlackStandIn) -> Iterator[Starlette]:
    app_settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=signing.SIGNING_SECRET,
        slack_api_url=slack.base_url,
    )
    bolt = create_app(app_settings, engine=engine)
    yield create_asgi(app_settings, engine=engine, bolt=bolt)
    bolt.listener_runner.listener_executor.shutdown(wait=True)  # the work after the acks, done


# Bodies Slack sends, each answered without Slack or any data: the header is what varies.
BODIES = [
    (json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"}).encode(), signing.JSON),
    (b"ssl_check=1&token=t", signing.FORM),
    (signing.slash_command("/myload", "help", response_url="http://127.0.0.1:9/r"), signing.FORM),
]

PRINTABLE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
JUNK_BYTES = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=30).map(str.encode),
    PRINTABLE.map(str.encode),
    st.tuples(st.sampled_from([signing.JSON, signing.FORM]), PRINTABLE).map(
        lambda t: f"{t[0]};{t[1]}".encode()
    ),
    st.sampled_from(["²", "١٢٣", "0x10", " 12", "-1", "1e9", "9" * 5000, "v0=é"]).map(str.encode),
)


# What becomes of each header: mostly kept, so that the others' junk is what is judged.
FATES = ["keep"] * 7 + ["drop", "junk", "twice"]


@st.composite
def spoilt_headers(draw: st.DrawFn) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """A signed body's headers, each kept, dropped, replaced by junk, or given twice (with junk or not)."""
    body, content_type = draw(st.sampled_from(BODIES))
    timestamp = str(int(time.time()) - draw(st.integers(-400, 400)))
    good = signing.signed_headers(body, signing.SIGNING_SECRET, timestamp, content_type)
    good["Content-Length"] = str(len(body))
    if draw(st.booleans()):
        good["Content-Type"] += draw(
            st.sampled_from(["; charset=utf-8", ";charset=UTF-8", "; boundary=x", ";"])
        )
    headers: list[tuple[bytes, bytes]] = []
    for name, value in good.items():
        fate = draw(st.sampled_from(FATES))
        copies = {
            "keep": [value.encode()],
            "drop": [],
            "junk": [draw(JUNK_BYTES)],
            "twice": [value.encode(), draw(st.just(value.encode()) | JUNK_BYTES)],
        }[fate]
        headers += [(name.encode(), copy) for copy in copies]
    return draw(st.permutations(headers)), body


@given(request=spoilt_headers())
@EVERY_EXAMPLE
def test_no_header_bytes_get_a_5xx(
    front_door: Starlette, request: tuple[list[tuple[bytes, bytes]], bytes]
) -> None:
    headers, body = request

    status, _, answer = call(front_door, "POST", "/slack/events", headers=headers, body=body)

    event(f"{status} {answer[:40]!r}")
    assert status < 500, answer


# Payloads as Slack sends them to this app, each to be spoilt by a few changes anywhere in it.
REVIEW_FORM = {"step-results": {"value": {"type": "plain_text_input", "value": "Done"}}}
INTERACTIONS = [
    signing.block_actions_payload(action_id="step-done", value='{"step_id": 1}'),
    signing.block_actions_payload(
        action_id="alert-snooze", value="{}", view={"id": "V0HOME", "type": "home"}
    ),
    signing.view_submission_payload(callback_id="step-done-modal", values=REVIEW_FORM, private_metadata="{}"),
    signing.view_submission_payload(callback_id="plan-apply-modal", values={}, private_metadata="{}"),
    {
        "type": "view_closed",
        "user": {"id": "U0CSM"},
        "view": {"type": "modal", "callback_id": "step-done-modal"},
    },
]
EVENTS = [
    json.loads(signing.event_callback(signing.app_home_opened("U0CSM"))),
    {"type": "url_verification", "challenge": "abc", "token": "t"},
]
COMMANDS = [
    dict(parse_qsl(signing.slash_command("/myload", "help", response_url="http://127.0.0.1:9/r").decode()))
]
WORDS = [
    "block_actions", "view_submission", "event_callback", "shortcut", "interactive_message", "home",
    "modal", "input", "/myload", "/teamload", "step-done", "step-done-modal", "plan-apply-modal", "U0CSM", "",
]  # fmt: skip
KEYS = ["type", "user", "user_id", "team", "view", "actions", "event", "authorizations", "channel", "command"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.sampled_from(WORDS),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS + WORDS), inner, max_size=4)
    ),
    max_leaves=12,
)


def places(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield value, key
            yield from places(inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield value, index
            yield from places(inner)


@st.composite
def spoilt_payloads(draw: st.DrawFn) -> tuple[bytes, str]:
    """A payload Slack sends, with up to 3 values replaced, removed or added anywhere in it; as its body."""
    kind = draw(st.sampled_from(["interaction", "event", "command"]))
    payload = copy.deepcopy(
        draw(st.sampled_from({"interaction": INTERACTIONS, "event": EVENTS, "command": COMMANDS}[kind]))
    )
    # A form's fields are text; JSON's anything.
    values = st.sampled_from(WORDS) | st.text(max_size=8) if kind == "command" else JSON_VALUES
    for _ in range(draw(st.integers(0, 3))):
        container, key = draw(st.sampled_from(list(places(payload))))
        change = draw(st.sampled_from(["replace", "remove", "add"]))
        if change == "replace":
            container[key] = draw(values)
        elif change == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[draw(st.sampled_from(KEYS + WORDS))] = draw(values)
    if kind == "command":
        return urlencode(payload).encode(), signing.FORM
    if kind == "event":
        return json.dumps(payload).encode(), signing.JSON
    return urlencode({"payload": json.dumps(payload)}).encode(), signing.FORM


@given(sent=spoilt_payloads())
@EVERY_EXAMPLE
def test_no_signed_payload_shape_gets_a_5xx(front_door: Starlette, sent: tuple[bytes, str]) -> None:
    body, content_type = sent
    headers = signing.signed_headers(body, signing.SIGNING_SECRET, content_type=content_type)

    status, _, answer = call(
        front_door,
        "POST",
        "/slack/events",
        headers=[(k.encode(), v.encode()) for k, v in headers.items()],
        body=body,
    )

    event(f"{status} {answer[:40]!r}")
    assert status < 500, answer
