"""How fast is `sync usage` from PostgreSQL into PostgreSQL, beside the CSV import and beside COPY?

    .venv/bin/python -m benchmarks.sync --database-url postgresql://postgres@127.0.0.1:5432/csm_coach_bench \\
        --warehouse-url postgresql://postgres@127.0.0.1:5432/csm_coach_bench_wh      # both are emptied!

One run writes a company, loads its usage into the warehouse (table `product_daily`, columns named
otherwise), then, `--repeat` times each, empties csm-coach's usage table and fills it again three
ways: `csm-coach sync usage` (a first sync: every row asked for), `import_usage` from the CSV file,
and PostgreSQL's own `COPY` of the same rows, already resolved to account ids, into the same table.
Prints the median rows/s of each, and the sync's share of COPY's.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from time import perf_counter

import psycopg
from sqlalchemy import Engine, make_url, text

from benchmarks.import_usage import (
    ACCOUNTS_PER_CSM,
    FEED_ENDS,
    empty_database,
    write_accounts,
    write_team,
    write_usage,
)
from bot.config import Settings
from bot.db import get_engine
from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from bot.sync.config import Source
from bot.sync.run import sync_source

QUERY = (
    "SELECT acct_ref AS external_id, activity_day AS date, active_users AS value "
    "FROM product_daily WHERE activity_day >= :since"
)


def libpq(url: str) -> str:
    """A SQLAlchemy URL as psycopg's own connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fill_warehouse(url: str, usage_csv: Path) -> None:
    with psycopg.connect(libpq(url)) as connection:
        connection.execute("DROP TABLE IF EXISTS product_daily")
        connection.execute(
            "CREATE TABLE product_daily (acct_ref text NOT NULL, activity_day date NOT NULL, "
            "active_users numeric(12, 2) NOT NULL)"
        )
        with (
            connection.cursor().copy("COPY product_daily FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            usage_csv.open("rb") as data,
        ):
            while chunk := data.read(1 << 20):
                copy.write(chunk)


def resolved_copy(engine: Engine, usage_csv: Path, out: Path) -> None:
    """The usage rows as (account_id, day, value): what COPY loads, with no checking at all."""
    with engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT external_id, id FROM account")).all())
    with usage_csv.open(encoding="utf-8") as source, out.open("w", encoding="utf-8") as target:
        next(source)
        for line in source:
            external_id, rest = line.split(",", 1)
            target.write(f"{ids[external_id]},{rest}")


def empty_usage(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE usage"))


def copy_into_usage(url: str, rows_csv: Path) -> None:
    with psycopg.connect(libpq(url)) as connection:
        with (
            connection.cursor().copy(
                "COPY usage (account_id, day, value) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
            rows_csv.open("rb") as data,
        ):
            while chunk := data.read(1 << 20):
                copy.write(chunk)
        connection.commit()


def timed(action: Callable[[], object]) -> float:
    started = perf_counter()
    action()
    return perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="usage rows (default 1,000,000)")
    parser.add_argument("--accounts", type=int, default=20_000, help="accounts (default 20,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each way; the median is shown")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--warehouse-url", default=os.environ.get("WAREHOUSE_DATABASE_URL"), required=False)
    args = parser.parse_args()
    if not (args.database_url and args.warehouse_url):
        parser.error("--database-url and --warehouse-url (two PostgreSQL databases) are needed")

    database_url = Settings(database_url=args.database_url).database_url
    engine = get_engine(database_url)
    empty_database(engine)
    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="csm-coach-bench-") as tmp:
        work = Path(tmp)
        owners = write_team(work / "team.csv", max(1, args.accounts // ACCOUNTS_PER_CSM))
        accounts = write_accounts(work / "accounts.csv", args.accounts, owners, rng)
        days = -(-args.rows // args.accounts)
        write_usage(work / "usage.csv", args.rows, accounts, FEED_ENDS - timedelta(days=days), rng)
        import_team(work / "team.csv", engine=engine)
        import_accounts(work / "accounts.csv", engine=engine, today=FEED_ENDS)
        fill_warehouse(args.warehouse_url, work / "usage.csv")
        resolved_copy(engine, work / "usage.csv", work / "resolved.csv")
        source = Source("usage", make_url(args.warehouse_url), QUERY)

        seconds: dict[str, list[float]] = {"sync usage": [], "CSV import": [], "COPY": []}
        ways: dict[str, Callable[[], object]] = {
            "sync usage": lambda: sync_source(source, engine=engine, today=FEED_ENDS),
            "CSV import": lambda: import_usage(work / "usage.csv", engine=engine, today=FEED_ENDS),
            "COPY": lambda: copy_into_usage(database_url, work / "resolved.csv"),
        }
        for _ in range(args.repeat):
            for name, way in ways.items():
                empty_usage(engine)
                seconds[name].append(timed(way))
        rates = {name: args.rows / statistics.median(times) for name, times in seconds.items()}
        for name, rate in rates.items():
            print(f"{name:>10}: {rate:>12,.0f} rows/s (median of {args.repeat}, {args.rows:,} rows)")
        print(f"sync usage / COPY = {rates['sync usage'] / rates['COPY']:.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
