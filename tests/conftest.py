"""Shared fixtures: a real, migrated database per test, and the Slack stand-in (`slack`).

With DATABASE_URL pointing at PostgreSQL (as `.ci/run` does on its second pass) every test runs
there, on a schema migrated once and emptied between tests; otherwise each test gets its own
SQLite file. Under pytest-xdist (`-n N`) each worker has its own PostgreSQL database, named after
DATABASE_URL's with the worker's id (`csm_coach_ci_gw0` …), created if missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # An xdist worker starts with COLUMNS=80 and LINES=24 in its environment, which a terminal never
    # had: the CLI's consoles, made at import, would keep that width whatever a test's run says.
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)

from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, make_url, text  # noqa: E402
from sqlmodel import Session

from bot.config import Settings
from bot.db import get_engine, is_sqlite, migrate
from tests.support.slack_standin import SlackStandIn

# Hypothesis's per-example deadline times a test: on a runner shared by parallel workers it fails for
# the machine, not the code. Speed is measured by benchmarks/, never by a test.
hypothesis_settings.register_profile("csm-coach", deadline=None)
hypothesis_settings.load_profile("csm-coach")

DATA_TABLES = (
    "playbook_step",
    "delivery",
    "alert_action",
    "alert",
    "usage",
    "account",
    "person",
    "team",
    "slack_event",
    "team_round",
    "plan_application",
    "api_token",
    "sync_run",
)


_made: set[str] = set()


def database_url_under_test() -> str | None:
    raw = os.environ.get("DATABASE_URL")
    if not raw or raw.startswith("sqlite"):
        return None
    url = Settings(database_url=raw).database_url
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    return _worker_database(url, worker)


def _worker_database(url: str, worker: str) -> str:
    """`<database>_<worker>` beside the database of `url`, created (through that one) if missing."""
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    rendered = own.render_as_string(hide_password=False)
    if rendered in _made:
        return rendered
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        server.dispose()
    _made.add(rendered)
    return rendered


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path) -> Iterator[str]:
    """URL of an empty, migrated database with the default bands seeded."""
    pg_url = database_url_under_test()
    if pg_url is None:
        path = tmp_path / "csm-coach.db"
        shutil.copy(_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    engine = get_engine(pg_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM segment_band"))
        conn.execute(
            text(
                "INSERT INTO segment_band (key, label, band_low, band_high, position) VALUES "
                "('smb', 'Digital / SMB', 125, 200, 1), ('mid_market', 'Mid-market', 80, 125, 2), "
                "('large', 'Large', 40, 80, 3), ('enterprise', 'Enterprise', 10, 40, 4)"
            )
        )
    yield pg_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield get_engine(database_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def on_sqlite(engine: Engine) -> bool:
    return is_sqlite(engine)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """The running Slack Web API stand-in (also the target of response_urls); the app's SLACK_API_URL."""
    with SlackStandIn() as stand_in:
        yield stand_in


PROCESS_FIXTURES = frozenset({"serve_process", "cli_process"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts `csm-coach` as a process (`serve_process`, `cli_process`) is marked `process`;
    one that drives Chromium (the `browser` fixture, tests/playground) is marked `browser`; one that gets
    the database under test (`database_url`, directly or through `engine`, `session`, `cli` …) is marked
    `database`, unless it says `database_agnostic`: the others run the same whatever DATABASE_URL says."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "database_url" in fixtures and item.get_closest_marker("database_agnostic") is None:
            item.add_marker(pytest.mark.database)
        if PROCESS_FIXTURES & fixtures:
            item.add_marker(pytest.mark.process)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
