"""Every WebClient the app makes: Slack's API URL from settings, slack_sdk's retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings


def retry_handlers() -> list:  # type: ignore[type-arg]
    return [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=3),
    ]


def make_client(settings: Settings, *, token: str | None = None) -> WebClient:
    return WebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers(), timeout=15
    )
