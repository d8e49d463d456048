"""Every WebClient the app makes: Slack's API URL from settings, slack_sdk's retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.config import Settings

ROUND_TIMEOUT_SECONDS = 15


def retry_handlers() -> list[RetryHandler]:
    return [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=3),
    ]


def make_client(settings: Settings, *, token: str | None = None) -> WebClient:
    return WebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers(), timeout=15
    )


def make_round_client(
    settings: Settings, *, token: str | None = None, timeout: int = ROUND_TIMEOUT_SECONDS
) -> WebClient:
    """The morning round's client: it only retries a 429, which Slack answers before doing anything.

    `chat.postMessage` is not idempotent: after a 5xx, a reset connection or a timeout Slack may
    already have posted the message, so a retry could post it twice. Those outcomes reach the
    round, which records them as in doubt and never sends them again.
    """
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
        timeout=timeout,
    )
