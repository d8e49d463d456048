"""`csm-coach token create|revoke|list`: bearer tokens for the ingestion API (`POST /api/v1/*`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.apps import token_app
from bot.cli.common import ready_engine, say
from bot.config import get_settings
from bot.db import session_scope
from bot.services import api_tokens

NAME = typer.Argument(metavar="NAME", help="What the token is for, e.g. warehouse-nightly.")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    # SQLite gives back the UTC moment without its zone; PostgreSQL in the session's zone.
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M} UTC"


@token_app.command("create")
def token_create(name: Annotated[str, NAME]) -> None:
    """A new token; printed once, alone on the last line (only its hash is stored)."""
    engine = ready_engine(get_settings())
    with session_scope(engine) as session:
        token = api_tokens.create(session=session, name=name, now=datetime.now(UTC))
    say(f'Token "{name.strip()}" created. Keep it secret: it is shown this once, and only its hash is kept.')
    say("Send it as `Authorization: Bearer TOKEN` to POST /api/v1/usage, /api/v1/accounts, /api/v1/team.")
    say(token)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, NAME]) -> None:
    """Revoke a token: requests bearing it get 401 from now on."""
    engine = ready_engine(get_settings())
    with session_scope(engine) as session:
        token = api_tokens.revoke(session=session, name=name, now=datetime.now(UTC))
    say(f'Token "{token.name}" revoked ({_when(token.revoked_at)}).')


@token_app.command("list")
def token_list() -> None:
    """The tokens by name: created, last used, revoked. Never the tokens themselves."""
    engine = ready_engine(get_settings())
    with session_scope(engine) as session:
        tokens = api_tokens.all_tokens(session=session)
    if not tokens:
        say("No tokens yet: `csm-coach token create NAME` makes one.")
    for token in tokens:
        revoked = f"revoked {_when(token.revoked_at)}" if token.revoked_at else "active"
        say(
            f"{token.name}: created {_when(token.created_at)}, last used {_when(token.last_used_at)}, "
            f"{revoked}"
        )
