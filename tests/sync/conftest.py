"""Warehouses for the sync tests: a SQLite file, a second PostgreSQL database, a DuckDB file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import database_url_under_test

WarehouseUrl = Callable[[str], str]  # kind of warehouse -> its URL


def postgres_warehouse() -> str | None:
    """WAREHOUSE_DATABASE_URL, or beside the PostgreSQL database under test `<name>_wh` (made if missing)."""
    named = os.environ.get("WAREHOUSE_DATABASE_URL")
    if named:
        return named
    under_test = database_url_under_test()
    if under_test is None:
        return None
    url = make_url(under_test)
    warehouse = url.set(database=f"{url.database}_wh")
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": warehouse.database}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{warehouse.database}"'))
    finally:
        server.dispose()
    return warehouse.render_as_string(hide_password=False)


@pytest.fixture
def warehouse_url(tmp_path: Path) -> WarehouseUrl:
    def url(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / 'warehouse.db'}"
        if kind == "duckdb":
            pytest.importorskip("duckdb_engine", reason="the duckdb extra: pip install 'csm-coach[duckdb]'")
            return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
        found = postgres_warehouse()
        if found is None:
            pytest.skip("no PostgreSQL warehouse: set WAREHOUSE_DATABASE_URL or run on PostgreSQL")
        return found

    return url
