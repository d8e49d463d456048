"""What reaches `POST /slack/events` that Slack did not send: junk gets a 4xx, no traceback, no effect;
an over-large body gets 413 unread; Slack's retries of an event already received are skipped."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.support import signing
from tests.support.processes import ServeApp, ServedApp
from tests.support.slack_standin import SlackStandIn

JUNK = {
    "non-utf8": (b"payload=\xff\xfe\xfa{", signing.FORM),
    "broken-json": (b'{"type": "event_callback", "event": ', signing.JSON),
    "json-array": (b'[{"type": "event_callback"}]', signing.JSON),
    "payload-not-json": (b"payload=%7Bnope", signing.FORM),
    "payload-an-array": (b"payload=%5B1%2C2%5D", signing.FORM),
    "payload-a-string": (b"payload=%22hello%22", signing.FORM),
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


def _raw_exchange(app: ServedApp, head: bytes, then: bytes, timeout: float = 5.0) -> tuple[str, float]:
    """Send `head` and `then` on one connection; (the status line answered, seconds it took)."""
    parts = urlsplit(app.url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout) as conn:
        started = time.monotonic()
        conn.sendall(head + then)
        answer = conn.recv(4096)
        return answer.split(b"\r\n", 1)[0].decode(), time.monotonic() - started


def test_a_declared_8_mb_body_gets_413_before_it_is_sent(served_app: ServedApp) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 8000000\r\n\r\n"
    )
    # Only 1 KB of the 8 MB goes out: the answer must come without waiting for the rest.
    status, seconds = _raw_exchange(served_app, head, b"{" + b" " * 1023)

    assert status.split(" ")[1] == "413", status
    assert seconds < 2.0
    assert_no_traceback(served_app)


def test_a_chunked_body_is_cut_off_with_413_once_it_passes_1_mb(served_app: ServedApp) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17))  # 1.06 MB, never ended

    status, seconds = _raw_exchange(served_app, head, chunks)

    assert status.split(" ")[1] == "413", status
    assert seconds < 2.0
    assert_no_traceback(served_app)


def test_a_body_just_under_1_mb_is_still_read_and_judged_by_its_signature(served_app: ServedApp) -> None:
    body = b'{"type": "event_callback", "pad": "' + b"x" * (1024 * 1024 - 64) + b'"}'

    answer = signing.post(served_app.events_url, body, {"Content-Type": signing.JSON})

    assert answer.status == 401


def test_a_retried_event_is_acknowledged_and_not_processed_again_even_by_another_process(
    serve_app: ServeApp, slack: SlackStandIn
) -> None:
    first, second = serve_app(), serve_app()
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
