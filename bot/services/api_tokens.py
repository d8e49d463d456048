"""Bearer tokens of the ingestion API: created, revoked, listed, and recognised.

A token is 32 random bytes (`secrets.token_urlsafe`) behind a recognisable prefix; only its SHA-256
is stored. Looking a token up by its hash leaks nothing useful through timing: the hash of a
high-entropy secret is itself unguessable, so a match can only be found by holding the token. The
stored and the computed hashes are still compared with `hmac.compare_digest`, so no byte-by-byte
comparison of secret material happens in Python either.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.importers.fields import control_character
from bot.models import ApiToken

PREFIX = "csmc_"
# What `create` makes: the prefix and 43 URL-safe characters (32 bytes). Anything else is malformed.
TOKEN = re.compile(rf"{PREFIX}[A-Za-z0-9_-]{{43}}")
MAX_NAME = 100


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _checked_name(name: str) -> str:
    problem = control_character(name)
    if problem is not None:
        raise UserFacingError(f"token name: {problem}")
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise UserFacingError(f"token name: give a name of 1 to {MAX_NAME} characters")
    return name


def _named(session: Session, name: str) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.name == name)).first()


def create(*, session: Session, name: str, now: datetime) -> str:
    """A new token named `name`, returned once: only its hash is kept. A name is never used twice."""
    name = _checked_name(name)
    if _named(session, name) is not None:
        raise UserFacingError(f'a token named "{name}" exists already: choose another name')
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=digest(token), created_at=now))
    session.flush()
    return token


def revoke(*, session: Session, name: str, now: datetime) -> ApiToken:
    """Revoke the token named `name` (a token already revoked keeps its first revocation time)."""
    token = _named(session, name.strip())
    if token is None:
        raise UserFacingError(f'no token named "{name.strip()}" (`csm-coach token list` shows them)')
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        session.flush()
    return token


def all_tokens(*, session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.created_at), col(ApiToken.id))))


def recognise(*, session: Session, token: str) -> ApiToken | None:
    """The live (not revoked) token whose text this is, or None. Reads only."""
    if TOKEN.fullmatch(token) is None:
        return None
    hashed = digest(token)
    found = session.exec(select(ApiToken).where(ApiToken.token_hash == hashed)).first()
    if found is None or found.revoked_at is not None:
        return None
    return found if hmac.compare_digest(found.token_hash, hashed) else None


def mark_used(*, session: Session, token_id: int, now: datetime) -> None:
    found = session.get(ApiToken, token_id)
    if found is not None:
        found.last_used_at = now
        session.add(found)
