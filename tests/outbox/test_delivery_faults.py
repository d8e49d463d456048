"""At most once, never lost: each way Slack can fail a post, against the stand-in and a real database."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.jobs.digest import catch_up, morning_round
from bot.models import Delivery, DeliveryStatus
from bot.outbox.delivery import judge
from bot.outbox.report import DeliveryReport
from bot.slack.client import make_round_client
from tests.support import company
from tests.support.slack_standin import SlackStandIn

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 09:00 in London, the teams' post time
SETTINGS = Settings(_env_file=None)
RECIPIENTS = company.RECIPIENTS


@pytest.fixture
def loaded(engine: Engine, session: Session, tmp_path: Path) -> Engine:
    company.load(engine, tmp_path)
    company.set_channels(session, timezone="Europe/London")  # both teams' 09:00 is NOW
    return engine


def client_for(url: str, timeout: int = 15):  # type: ignore[no-untyped-def]
    return make_round_client(Settings(_env_file=None, slack_api_url=url), token="xoxb-test", timeout=timeout)


def run(engine: Engine, slack: SlackStandIn, now: datetime = NOW, timeout: int = 15) -> DeliveryReport:
    return morning_round(
        engine=engine, client=client_for(slack.base_url, timeout), now=now, settings=SETTINGS
    )


def sweep(engine: Engine, slack: SlackStandIn, now: datetime) -> dict[str, DeliveryReport]:
    client = client_for(slack.base_url)
    return dict(catch_up(engine=engine, client=client, now=now, settings=SETTINGS))


def posted(slack: SlackStandIn) -> Counter[str]:
    """What Slack holds, per recipient, whatever it answered."""
    return Counter(c.param("channel") for c in slack.posted())


def statuses(session: Session) -> dict[str, str]:
    session.expire_all()
    return {d.recipient: d.status for d in session.exec(select(Delivery)).all()}


def test_a_500_after_slack_stored_the_post_is_in_doubt_and_never_sent_again(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    slack.store_then_fail("chat.postMessage", times=1)
    summary = run(loaded, slack)
    assert summary.outcomes["sent"] == 4 and summary.outcomes["in doubt"] == 1, summary.line()
    assert "Slack may have posted it" in summary.line()
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))  # the 500'd one is there, once
    doubted = [r for r, s in statuses(session).items() if s == DeliveryStatus.IN_DOUBT]
    assert len(doubted) == 1

    for later in (NOW + timedelta(hours=1), NOW + timedelta(hours=6)):  # a rerun, then the catch-up
        run(loaded, slack, later)
        sweep(loaded, slack, later)
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))
    assert statuses(session)[doubted[0]] == DeliveryStatus.IN_DOUBT


def test_a_post_whose_answer_hangs_past_the_timeout_is_in_doubt_and_never_sent_again(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    slack.hang("chat.postMessage", after=1, times=1, seconds=3)
    summary = run(loaded, slack, timeout=1)
    assert summary.outcomes["sent"] == 4 and summary.outcomes["in doubt"] == 1, summary.line()
    assert "timed out" in summary.line()
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))
    again = run(loaded, slack, NOW + timedelta(minutes=30))
    assert again.outcomes["in doubt"] == 1 and again.outcomes["already sent"] == 4
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))


def test_a_connection_dropped_after_the_post_is_in_doubt(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    slack.drop("chat.postMessage", times=1)
    summary = run(loaded, slack)
    assert summary.outcomes["in doubt"] == 1 and summary.outcomes["sent"] == 4, summary.line()
    run(loaded, slack, NOW + timedelta(hours=2))
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))


def test_a_429_waits_for_its_retry_after_then_sends_once(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    summary = run(loaded, slack)
    assert summary.outcomes["sent"] == 5, summary.line()
    calls = slack.calls("chat.postMessage")
    assert [c.status for c in calls[:2]] == [429, 200] and calls[0].param("channel") == calls[1].param(
        "channel"
    )
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))


def test_a_definite_refusal_is_retried_later_the_same_day_with_backoff_and_nothing_else_resent(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    slack.store_then_fail("chat.postMessage", times=1)  # the first message: in doubt
    slack.error("chat.postMessage", "not_in_channel", channel="C0SUMMIT", times=2)
    first = sweep(loaded, slack, NOW + timedelta(minutes=1))
    assert first["Summit"].outcomes["failed"] == 1 and "not_in_channel" in first["Summit"].line()
    assert statuses(session)["C0SUMMIT"] == DeliveryStatus.FAILED

    # Backoff: 2 minutes after the first attempt, then 4 after the second.
    assert sweep(loaded, slack, NOW + timedelta(minutes=2)) == {}
    second = sweep(loaded, slack, NOW + timedelta(minutes=3, seconds=30))
    assert set(second) == {"Summit"} and second["Summit"].outcomes["failed"] == 1
    assert sweep(loaded, slack, NOW + timedelta(minutes=6)) == {}
    third = sweep(loaded, slack, NOW + timedelta(minutes=8))
    assert third["Summit"].outcomes["sent"] == 1, third["Summit"].line()
    assert sweep(loaded, slack, NOW + timedelta(hours=3)) == {}  # done for the day

    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))
    assert statuses(session)["C0SUMMIT"] == DeliveryStatus.SENT
    summit_rows = session.exec(select(Delivery).where(Delivery.recipient == "C0SUMMIT")).one()
    assert summit_rows.attempts == 3


def test_a_refused_connection_fails_every_message_and_the_next_catch_up_sends_them(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"  # bound, never listening
        client = client_for(nowhere)
        down = dict(catch_up(engine=loaded, client=client, now=NOW, settings=SETTINGS))
    assert {n: s.outcomes["failed"] for n, s in down.items()} == {"Harbor": 3, "Summit": 2}
    assert "cannot reach Slack" in down["Harbor"].line()
    back = sweep(loaded, slack, NOW + timedelta(minutes=3))
    assert sum(s.outcomes["sent"] for s in back.values()) == 5
    assert posted(slack) == Counter(dict.fromkeys(RECIPIENTS, 1))


def test_a_post_slack_refuses_for_its_content_says_why_and_is_not_retried(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    slack.error("chat.postMessage", "msg_blocks_too_long", channel="C0HARBOR", times=None)
    summary = run(loaded, slack)
    assert summary.outcomes["refused"] == 1 and "#C0HARBOR" in summary.line()
    assert "msg_blocks_too_long" in summary.line()
    assert sweep(loaded, slack, NOW + timedelta(hours=1)) == {}  # the round is done: nothing to retry
    again = run(loaded, slack, NOW + timedelta(hours=2))
    assert again.outcomes["refused"] == 1
    assert len([c for c in slack.calls("chat.postMessage") if c.param("channel") == "C0HARBOR"]) == 1


def _api_error(status: int, data: dict[str, object]) -> SlackApiError:
    response = SlackResponse(
        client=None, http_verb="POST", api_url="u", req_args={}, data=data, headers={}, status_code=status
    )
    return SlackApiError("refused", response)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_api_error(200, {"ok": False, "error": "channel_not_found"}), DeliveryStatus.FAILED),
        (_api_error(200, {"ok": False, "error": "account_inactive"}), DeliveryStatus.FAILED),
        (_api_error(429, {"ok": False, "error": "ratelimited"}), DeliveryStatus.FAILED),
        (_api_error(200, {"ok": False, "error": "invalid_blocks"}), DeliveryStatus.REFUSED),
        (_api_error(200, {"ok": False, "error": "internal_error"}), DeliveryStatus.IN_DOUBT),
        (_api_error(503, {"ok": False, "error": "service_unavailable"}), DeliveryStatus.IN_DOUBT),
        (URLError(ConnectionRefusedError(111, "Connection refused")), DeliveryStatus.FAILED),
        (URLError(ConnectionResetError(104, "reset")), DeliveryStatus.IN_DOUBT),
        (ConnectionResetError(104, "reset"), DeliveryStatus.IN_DOUBT),
        (TimeoutError("timed out"), DeliveryStatus.IN_DOUBT),
    ],
)
def test_what_each_failure_of_a_post_means(error: Exception, expected: DeliveryStatus) -> None:
    assert judge(error)[0] == expected
