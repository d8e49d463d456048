"""A warehouse that holds the test company under its own column names, and the `csm-coach.toml` to read it.

The tables are made through SQLAlchemy, so the same company fills a SQLite file, a PostgreSQL database
or a DuckDB file; dates are DATE and money NUMERIC, as a warehouse keeps them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    delete,
    insert,
)

metadata = MetaData()
PEOPLE = Table(
    "crm_people",
    metadata,
    Column("member_id", String(32)),
    Column("work_email", String(320)),
    Column("full_name", String(200)),
    Column("squad", String(200)),
    Column("position", String(16)),
    Column("tz", String(64)),
)
CUSTOMERS = Table(
    "crm_customers",
    metadata,
    Column("acct_ref", String(64)),
    Column("acct_name", String(200)),
    Column("tier", String(32)),
    Column("annual_revenue", Numeric(14, 2)),
    Column("csm", String(64)),
    Column("started", Date),
    Column("renews", Date),
    Column("listed", Integer),  # the CRM's own order, the file's: ties between accounts break alike
)
DAILY = Table(
    "product_daily",
    metadata,
    Column("acct_ref", String(64)),
    Column("activity_day", Date),
    Column("active_users", Numeric(12, 2)),
)

QUERIES = {
    "team": (
        "SELECT member_id AS slack_user_id, work_email AS email, full_name AS name, squad AS team, "
        "position AS role, tz AS timezone FROM crm_people ORDER BY member_id"
    ),
    "accounts": (
        'SELECT acct_ref AS "External ID", acct_name AS name, tier AS segment, annual_revenue AS arr, '
        "csm AS owner, started AS start_date, renews AS renewal_date FROM crm_customers ORDER BY listed"
    ),
    "usage": (
        "SELECT acct_ref AS external_id, activity_day AS date, active_users AS value FROM product_daily "
        "WHERE activity_day >= :since ORDER BY activity_day, acct_ref"
    ),
}


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def fill(url: str, team: Path, accounts: Path, usage: Path) -> None:
    """The company's three CSV files, as the warehouse's tables (emptied first)."""
    engine = create_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            for table in (PEOPLE, CUSTOMERS, DAILY):
                connection.execute(delete(table))
            people = [list(row.values()) for row in _rows(team)]
            connection.execute(
                insert(PEOPLE), [dict(zip(PEOPLE.c.keys(), row, strict=True)) for row in people]
            )
            connection.execute(
                insert(CUSTOMERS),
                [
                    {
                        "acct_ref": row["external_id"],
                        "acct_name": row["name"],
                        "tier": row["segment"],
                        "annual_revenue": Decimal(row["arr"]),
                        "csm": row["owner"],
                        "started": date.fromisoformat(row["start_date"]),
                        "renews": date.fromisoformat(row["renewal_date"]),
                        "listed": listed,
                    }
                    for listed, row in enumerate(_rows(accounts))
                ],
            )
            add_usage(
                connection,
                ((r["external_id"], date.fromisoformat(r["date"]), r["value"]) for r in _rows(usage)),
            )
    finally:
        engine.dispose()


def add_usage(connection: Connection, rows: Iterable[tuple[str, date, str]]) -> None:
    connection.execute(
        insert(DAILY),
        [{"acct_ref": ref, "activity_day": day, "active_users": Decimal(value)} for ref, day, value in rows],
    )


def write_config(path: Path, url: str, *, kinds: tuple[str, ...] = ("team", "accounts", "usage")) -> Path:
    """A `csm-coach.toml` reading every kind from `url` (which may hold `${VARIABLES}`)."""
    tables = [f'[sync.{kind}]\nurl = "{url}"\nquery = """{QUERIES[kind]}"""\n' for kind in kinds]
    path.write_text("\n".join(tables), encoding="utf-8")
    return path
