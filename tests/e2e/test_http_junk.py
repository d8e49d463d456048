"""What reaches `POST /slack/events` that Slack did not send: junk gets a 4xx, no traceback, no effect;
an over-large body gets 413 unread; Slack's retries of an event already received are skipped.

Header junk reaches `serve` as raw bytes (`tests/support/rawhttp.py`); more of it, chosen by
hypothesis, is fed to the ASGI app in-process in tests/test_web_front_door.py.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from tests.support import rawhttp, signing
from tests.support.processes import ServeApp, ServedApp
from tests.support.slack_standin import SlackStandIn

JUNK = {
    "non-utf8": (b"payload=\xff\xfe\xfa{", signing.FORM),
    "broken-json": (b'{"type": "event_callback", "event": ', signing.JSON),
    "json-array": (b'[{"type": "event_callback"}]', signing.JSON),
    "payload-not-json": (b"payload=%7Bnope", signing.FORM),
    "payload-an-array": (b"payload=%5B1%2C2%5D", signing.FORM),
    "payload-a-string": (b"payload=%22hello%22", signing.FORM),
    # Shapes Bolt would index and crash on (a 500), or that would be two kinds of payload at once.
    "view-without-type": (
        signing.interactive(
            {"type": "view_submission", "user": {"id": "U0CSM"}, "view": {"callback_id": "x"}}
        ),
        signing.FORM,
    ),
    "view-a-string": (
        signing.interactive({"type": "view_submission", "user": {"id": "U0CSM"}, "view": "callback_id"}),
        signing.FORM,
    ),
    "no-actions": (
        signing.interactive({"type": "block_actions", "user": {"id": "U0CSM"}, "actions": []}),
        signing.FORM,
    ),
    "clicker-without-id": (
        signing.interactive(
            {"type": "block_actions", "user": {"name": "x"}, "actions": [{"action_id": "a"}]}
        ),
        signing.FORM,
    ),
    "event-a-string": (b'{"type": "event_callback", "event": "type"}', signing.JSON),
    "authorizations-a-string": (
        b'{"type": "event_callback", "event": {"type": "x"}, "authorizations": "ab"}',
        signing.JSON,
    ),
    "unknown-kind": (
        signing.interactive({"type": "interactive_message", "callback_id": "step-done"}),
        signing.FORM,
    ),
    "command-with-a-type": (b"command=%2Fmyload&user_id=U0CSM&type=block_actions", signing.FORM),
    "a-field-twice": (b"command=%2Fmyload&user_id=U0CSM&user_id=U0ADMIN", signing.FORM),
    "form-sent-as-json": (b"command=%2Fmyload&user_id=U0CSM", signing.JSON),
    # The front door compared the whole header, Bolt the part before `;`: a form here, JSON there.
    "form-sent-as-json-with-charset": (b"command=%2Fmyload&user_id=U0CSM", signing.JSON + "; charset=utf-8"),
    "json-past-the-stack": (b"[" * 100_000, signing.JSON),
    "json-number-of-5000-digits": (b'{"type": "event_callback", "n": ' + b"9" * 5000 + b"}", signing.JSON),
}


def assert_no_traceback(app: ServedApp) -> None:
    logs = app.logs()
    assert "Traceback" not in logs and "Exception in ASGI" not in logs, logs[-3000:]


@pytest.mark.parametrize("name", list(JUNK))
def test_signed_junk_gets_400_with_no_traceback_and_no_call_to_slack(
    served_app: ServedApp, slack: SlackStandIn, name: str
) -> None:
    body, content_type = JUNK[name]
    slack.clear()
    answer = signing.post(served_app.events_url, body, signed_bytes(body, content_type))

    assert answer.status == 400, (answer.status, answer.text)
    slack.assert_quiet()
    assert_no_traceback(served_app)


def signed_bytes(body: bytes, content_type: str) -> dict[str, str]:
    """Slack's v0 signature over the raw bytes (the SDK's helper only signs text, so not non-UTF-8)."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(signing.SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


@pytest.mark.parametrize("name", list(JUNK))
def test_unsigned_junk_is_refused_with_a_4xx_and_no_traceback(
    served_app: ServedApp, slack: SlackStandIn, name: str
) -> None:
    body, content_type = JUNK[name]
    slack.clear()

    answer = signing.post(served_app.events_url, body, {"Content-Type": content_type})

    assert answer.status in (400, 401), (answer.status, answer.text)
    slack.assert_quiet()
    assert_no_traceback(served_app)


def test_a_junk_timestamp_is_401_not_500(served_app: ServedApp) -> None:
    body = b"payload=%7B%7D"
    headers = {
        "Content-Type": signing.FORM,
        "X-Slack-Request-Timestamp": "soon",
        "X-Slack-Signature": "v0=00",
    }

    assert signing.post(served_app.events_url, body, headers).status == 401
    assert_no_traceback(served_app)


COMMAND = signing.slash_command("/myload", "help", response_url="http://127.0.0.1:9/response")
RawHeaders = list[tuple[bytes, bytes]]


def raw_signed(body: bytes) -> RawHeaders:
    """A form body's signed headers, as bytes, to be spoilt one at a time."""
    return [(name.encode(), value.encode()) for name, value in signed_bytes(body, signing.FORM).items()]


def without(headers: RawHeaders, name: bytes) -> RawHeaders:
    return [(n, v) for n, v in headers if n.lower() != name]


# Each was a 500 with a traceback: Python's own parsing refused what a looser check let through.
HEADER_JUNK = {
    "timestamp-superscript-two": (b"x-slack-request-timestamp", b"\xb2", 401),  # "²".isdigit(), not int()
    "timestamp-superscript-two-utf8": (b"x-slack-request-timestamp", "²".encode(), 401),
    "timestamp-of-5000-digits": (b"x-slack-request-timestamp", b"9" * 5000, 401),  # int's digit limit
    "signature-not-ascii": (b"x-slack-signature", b"v0=" + b"\xe9" * 64, 401),  # compare_digest
    "content-type-not-ascii": (b"content-type", b"application/x-www-form-urlencoded\xff", 415),
    "content-type-not-slacks": (b"content-type", b"text/plain", 415),
    "content-type-latin-1": (b"content-type", b"application/x-www-form-urlencoded; charset=latin-1", 415),
}


@pytest.mark.parametrize("name", list(HEADER_JUNK))
def test_a_header_python_cannot_parse_gets_a_4xx_not_a_500(
    served_app: ServedApp, slack: SlackStandIn, name: str
) -> None:
    header, value, status = HEADER_JUNK[name]
    slack.clear()

    answer, _ = rawhttp.post(
        served_app.url, [*without(raw_signed(COMMAND), header), (header, value)], COMMAND
    )

    assert answer == status
    slack.assert_quiet()
    assert_no_traceback(served_app)


def test_a_content_length_of_junk_is_refused_before_the_app(served_app: ServedApp) -> None:
    headers = [*raw_signed(COMMAND), (b"Content-Length", b"\xb2")]

    assert rawhttp.post(served_app.url, headers, COMMAND)[0] == 400
    assert_no_traceback(served_app)


@pytest.mark.parametrize("header", [b"content-type", b"x-slack-signature", b"x-slack-request-timestamp"])
@pytest.mark.parametrize("slacks_first", [True, False], ids=["slacks-first", "slacks-last"])
def test_a_header_given_twice_is_refused_whichever_comes_first(
    served_app: ServedApp, slack: SlackStandIn, header: bytes, slacks_first: bool
) -> None:
    """The front door would read the first, Bolt the last: neither may choose."""
    headers = raw_signed(COMMAND)
    slacks = next(v for n, v in headers if n.lower() == header)
    other = {
        b"content-type": signing.JSON.encode(),
        b"x-slack-signature": b"v0=" + b"0" * 64,
        b"x-slack-request-timestamp": str(int(time.time()) - 1).encode(),
    }[header]
    both = [(header, slacks), (header, other)] if slacks_first else [(header, other), (header, slacks)]
    slack.clear()

    status, _ = rawhttp.post(served_app.url, [*without(headers, header), *both], COMMAND)

    assert status == 400
    slack.assert_quiet()
    assert_no_traceback(served_app)


WITH_CHARSET = "; charset=utf-8"


def test_a_signed_command_with_a_charset_is_answered_as_slack_meant_it(served_app: ServedApp) -> None:
    answer = served_app.post(COMMAND, headers={"Content-Type": signing.FORM + WITH_CHARSET})

    assert answer.status == 200, answer.text
    assert answer.json()["response_type"] == "ephemeral" and "/myload" in answer.json()["text"]


def test_a_signed_event_with_a_charset_is_handled_as_slack_meant_it(
    served_app: ServedApp, slack: SlackStandIn
) -> None:
    body = signing.event_callback(signing.app_home_opened("U0NOBODY"))

    answer = served_app.post(body, headers={"Content-Type": signing.JSON + WITH_CHARSET})

    assert answer.status == 200, answer.text
    assert slack.wait_for("views.publish")[0].param("user_id") == "U0NOBODY"


def test_a_signed_click_with_a_charset_reaches_its_listener(
    served_app: ServedApp, slack: SlackStandIn
) -> None:
    click = signing.block_actions_payload(action_id="step-done", value="not a step", user_id="U0CSM")

    answer = served_app.post(
        signing.interactive(click), headers={"Content-Type": signing.FORM + WITH_CHARSET}
    )

    assert answer.status == 200, answer.text
    said = slack.wait_for("chat.postEphemeral")[0]
    assert said.param("user") == "U0CSM" and "older csm-coach message" in said.text


def test_a_retry_is_recognised_in_the_payload_bolt_dispatches(
    served_app: ServedApp, slack: SlackStandIn
) -> None:
    """Before, `application/json; charset=utf-8` and a body not starting with `{` read as a form at the
    front door (no event id, so no retry seen) and as JSON in Bolt, which handled the event again."""
    body = b"\n" + signing.event_callback(signing.app_home_opened("U0NOBODY"), event_id="Ev0CHARSET")
    json_utf8 = {"Content-Type": signing.JSON + WITH_CHARSET}

    assert served_app.post(body, headers=json_utf8).status == 200
    slack.wait_for("views.publish")
    slack.clear()
    retried = served_app.post(body, headers={**json_utf8, "X-Slack-Retry-Num": "1"})

    assert retried.status == 200
    slack.assert_quiet(1.0)


def test_a_declared_8_mb_body_gets_413_before_it_is_sent(served_app: ServedApp) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 8000000\r\n\r\n"
    )
    # Only 1 KB of the 8 MB goes out: the answer must come without waiting for the rest.
    status, _, seconds = rawhttp.exchange(served_app.url, head + b"{" + b" " * 1023)

    assert status == 413
    assert seconds < 2.0
    assert_no_traceback(served_app)


def test_a_chunked_body_is_cut_off_with_413_once_it_passes_1_mb(served_app: ServedApp) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17))  # 1.06 MB, never ended

    status, _, seconds = rawhttp.exchange(served_app.url, head + chunks)

    assert status == 413
    assert seconds < 2.0
    assert_no_traceback(served_app)


def test_a_body_just_under_1_mb_is_still_read_and_judged_by_its_signature(served_app: ServedApp) -> None:
    body = b'{"type": "event_callback", "pad": "' + b"x" * (1024 * 1024 - 64) + b'"}'

    answer = signing.post(served_app.events_url, body, {"Content-Type": signing.JSON})

    assert answer.status == 401


def test_a_retried_event_is_acknowledged_and_not_processed_again_even_by_another_process(
    serve_process: ServeApp, slack: SlackStandIn
) -> None:
    first, second = serve_process(), serve_process()
    body = signing.event_callback(signing.app_home_opened("U0NOBODY"), event_id="Ev0RETRIED")

    assert first.post(body).status == 200
    slack.wait_for("views.publish")
    for app, retry in ((first, "1"), (second, "2")):
        answer = app.post(body, headers={"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"})
        assert answer.status == 200, answer.text

    slack.clear()
    slack.assert_quiet(1.0)
    fresh = signing.event_callback(signing.app_home_opened("U0NOBODY"), event_id="Ev0FRESH")
    assert second.post(fresh).status == 200
    assert len(slack.wait_for("views.publish")) == 1  # a new event is still handled
