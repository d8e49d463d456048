"""GET /healthz tells a load balancer whether this process can reach its database.

The ASGI app is called in-process with a real engine: the test's database, or one that cannot be
reached (a SQLite file in a folder that does not exist, a PostgreSQL port nobody listens on).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import get_engine
from bot.slack.app import create_app
from bot.web import create_asgi

SETTINGS = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_signing_secret="secret")


def get_healthz(engine: Engine) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one GET /healthz through the ASGI app, as uvicorn would call it."""
    asgi = create_asgi(SETTINGS, engine=engine, bolt=create_app(SETTINGS, engine=engine))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 3000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(asgi, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = dict(start["headers"])
    assert headers[b"content-type"].startswith(b"application/json")
    return start["status"], json.loads(body)


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
