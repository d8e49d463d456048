"""Tokens checked before anything is sent: their shape first, then Slack's own word on them.

`run`, `serve` and `clock` call `verify_tokens` before they touch the database or send a message, so
a token pasted into the wrong variable, revoked, or of a deleted app stops the start with one line
naming the variable, instead of a round that fails message by message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.errors import CannotStart, UserFacingError
from bot.plaintext import flatten

# A network that is still coming up (a container's first seconds, a DNS hiccup) gets a few tries a
# second or two apart; Slack out of reach for longer than that is said, and the process exits, so
# the platform's supervisor restarts it with its own back-off and the failure shows in its logs.
CHECK_TIMEOUT_SECONDS = 5
CHECK_RETRIES = 3
# The check's outcome is said once, in the line that stops the start: slack_sdk's own account of
# every try would bury it.
_quiet = logging.getLogger(__name__ + ".client")
_quiet.setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class TokenKind:
    setting: str
    prefix: str
    what: str
    where: str  # where the Slack app's settings show it


BOT_TOKEN = TokenKind("slack_bot_token", "xoxb-", "a bot token", "OAuth & Permissions → Bot User OAuth Token")
APP_TOKEN = TokenKind(
    "slack_app_token", "xapp-", "an app-level token", "Basic Information → App-Level Tokens"
)


class SlackUnreachable(UserFacingError):
    """Slack could not be asked at all: not the token's fault, and maybe over in a minute."""


def verify_tokens(settings: Settings, *, app_token: bool = False) -> None:
    """Every token's shape, then Slack's word on each; CannotStart naming the variable if one is wrong.

    Nothing reaches Slack before every shape is right; `auth.test` (and `apps.connections.open` for
    the app-level token, which `auth.test` does not take) is the only call made.
    """
    kinds = [BOT_TOKEN, APP_TOKEN] if app_token else [BOT_TOKEN]
    tokens = {kind: check_shape(kind, settings.secret(kind.setting)) for kind in kinds}
    client = WebClient(
        base_url=settings.slack_api_url,
        timeout=CHECK_TIMEOUT_SECONDS,
        logger=_quiet,
        retry_handlers=[
            ConnectionErrorRetryHandler(
                max_retry_count=CHECK_RETRIES,
                error_types=[OSError, HTTPException],  # URLError, refused, reset, timed out
            ),
            ServerErrorRetryHandler(max_retry_count=CHECK_RETRIES),
            RateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )
    for kind, token in tokens.items():
        try:
            if kind is APP_TOKEN:
                client.apps_connections_open(app_token=token)
            else:
                client.auth_test(token=token)
        except SlackApiError as error:
            status = error.response.status_code
            refusal = error.response.get("error") if isinstance(error.response.data, dict) else None
            if status == 200 and refusal:
                raise CannotStart(
                    f"{variable(kind)} was refused by Slack ({flatten(str(refusal))}): copy it again "
                    f"from the Slack app's settings, {kind.where}"
                ) from None
            if status >= 500:
                raise SlackUnreachable(
                    f"cannot check {variable(kind)}: Slack at {settings.slack_api_url} answered HTTP "
                    f"{status} {CHECK_RETRIES + 1} times: try again in a while"
                ) from None
            raise SlackUnreachable(
                f"cannot check {variable(kind)}: {settings.slack_api_url} answered HTTP {status}, not as "
                "Slack does: check SLACK_API_URL"
            ) from None
        except (OSError, HTTPException) as error:
            raise SlackUnreachable(
                f"cannot check {variable(kind)}: Slack at {settings.slack_api_url} cannot be reached "
                f"({flatten(reason(error))}) after {CHECK_RETRIES + 1} tries: check the network and "
                "SLACK_API_URL"
            ) from None


def check_shape(kind: TokenKind, token: str) -> str:
    """`token` if it has the shape of `kind`; a bot token in the app token's place (or a user token,
    `xoxp-`, in the bot's) is the usual slip, and Slack would only say `not_allowed_token_type`."""
    if not token.startswith(kind.prefix):
        raise CannotStart(
            f"{variable(kind)} is not {kind.what}: it starts with {kind.prefix} "
            f"(the Slack app's settings, {kind.where})"
        )
    return token


def variable(kind: TokenKind) -> str:
    return kind.setting.upper()


def reason(error: BaseException) -> str:
    """The network's own words: "Connection refused", "timed out"."""
    inner = getattr(error, "reason", None)
    if isinstance(inner, BaseException):
        error = inner
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
