"""GET /healthz tells a load balancer whether this process can reach its database.

The ASGI app is called in-process with a real engine: the test's database, or one that cannot be
reached (a SQLite file in a folder that does not exist, a PostgreSQL port nobody listens on).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import get_engine
from bot.slack.app import create_app
from bot.web import create_asgi
from tests.support.asgi import call

SETTINGS = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_signing_secret="secret")


def get_healthz(engine: Engine) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one GET /healthz through the ASGI app, as uvicorn would call it."""
    asgi = create_asgi(SETTINGS, engine=engine, bolt=create_app(SETTINGS, engine=engine))
    status, headers, body = call(asgi, "GET", "/healthz")
    assert headers[b"content-type"].startswith(b"application/json")
    return status, json.loads(body)


def test_healthz_is_ok_while_the_database_answers(engine: Engine) -> None:
    assert get_healthz(engine) == (200, {"ok": True})


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/no-such-folder/csm-coach.db", "postgresql+psycopg://postgres@127.0.0.1:1/csm_coach"],
    ids=["sqlite-file-unreachable", "postgresql-refused"],
)
def test_healthz_answers_503_naming_the_error_when_the_database_is_gone(url: str, tmp_path: Path) -> None:
    engine = get_engine(url.format(tmp=tmp_path))
    try:
        assert get_healthz(engine) == (503, {"ok": False, "database": "OperationalError"})
    finally:
        engine.dispose()
