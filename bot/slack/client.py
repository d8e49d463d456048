"""Every WebClient the app makes: Slack's API URL from settings, slack_sdk's retry handlers."""

from __future__ import annotations

from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
)

from bot.config import Settings

ROUND_TIMEOUT_SECONDS = 15


# Calls made while a user waits on a click or a command: a slow Slack costs seconds, not a hang.
REQUEST_TIMEOUT = 5
# Calls Slack may receive twice with the same result: an edit, a tab, a DM channel's id.
IDEMPOTENT_METHODS = frozenset({"chat.update", "views.publish", "views.update", "conversations.open"})


class IdempotentRetryHandler(RetryHandler):
    """One more try after a timeout, a reset or a 5xx, for idempotent calls only: a second
    `chat.postEphemeral` after one whose fate is unknown could show the same words twice."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rsplit("/", 1)[-1] not in IDEMPOTENT_METHODS:
            return False
        if error is not None:
            return isinstance(error, TimeoutError | ConnectionError | URLError | HTTPException)
        return response is not None and response.status_code >= 500


def make_request_client(settings: Settings) -> WebClient:
    """The client listeners get: short timeouts, no rate-limit sleeps (a 429 is told, not waited out)."""
    return WebClient(
        base_url=settings.slack_api_url,
        retry_handlers=[IdempotentRetryHandler(max_retry_count=1)],
        timeout=REQUEST_TIMEOUT,
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
