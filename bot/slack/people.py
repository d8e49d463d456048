"""Who a Slack member is, by email: `users.lookupByEmail` (scope `users:read.email`, Tier 3)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings
from bot.errors import UserFacingError
from bot.importers.team import LookupByEmail

# Tier 3 is about 50 calls a minute: a roster of hundreds meets a 429 or two, each answered after
# its Retry-After, so the handler may wait many times over one import.
RATE_LIMIT_RETRIES = 20
LOOKUP_TIMEOUT_SECONDS = 15


def email_lookup(settings: Settings) -> LookupByEmail | None:
    """A function from an email to its Slack member id (None when Slack knows no such member), or
    None when no bot token is set to ask Slack with."""
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        return None
    token = settings.secret("slack_bot_token")
    client = WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
        timeout=LOOKUP_TIMEOUT_SECONDS,
    )

    def lookup(email: str) -> str | None:
        try:
            answer = client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "users_not_found":
                return None
            hint = (
                " (add the users:read.email scope and reinstall the app)" if code == "missing_scope" else ""
            )
            raise UserFacingError(f"Slack refused users.lookupByEmail: {code}{hint}") from None
        except OSError as error:  # a refused connection, a timeout: no answer to judge
            raise UserFacingError(f"Slack could not be reached for users.lookupByEmail: {error}") from None
        user = answer.get("user") or {}
        if user.get("deleted"):
            return None  # a deactivated member gets no DM: as good as unknown
        return str(user["id"])

    return lookup
