"""How fast does `import usage`? Writes a company (team, accounts, usage CSVs), imports it, prints figures.

    .venv/bin/python -m benchmarks.import_usage                      # 5 M rows into a fresh SQLite file
    .venv/bin/python -m benchmarks.import_usage --rows 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/csm_coach_bench   # its data tables are emptied!
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import Engine, text

from bot.config import Settings
from bot.db import get_engine, is_sqlite, migrate
from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.importers.usage import import_usage

SEGMENTS = ("SMB", "Mid-Market", "Large", "Enterprise")
ACCOUNTS_PER_CSM = 200
FEED_ENDS = date(2025, 1, 1)  # the history ends the day before; the next day's feed is this day


def write_team(path: Path, csms: int) -> list[str]:
    ids = [f"U{n:08d}" for n in range(csms)]
    with path.open("w", encoding="utf-8") as out:
        out.write("slack_user_id,email,name,team,role,timezone\n")
        for n, slack_id in enumerate(ids):
            out.write(f"{slack_id},csm{n}@example.com,CSM {n},Team {n // 10},csm,Europe/Paris\n")
    return ids


def write_accounts(path: Path, accounts: int, owners: list[str], rng: random.Random) -> list[str]:
    ids = [f"ACC-{n:07d}" for n in range(accounts)]
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,name,segment,arr,owner,start_date,renewal_date\n")
        for n, external_id in enumerate(ids):
            start = date(2022, 1, 1) + timedelta(days=rng.randrange(900))
            out.write(
                f'{external_id},"Customer {n}, Inc.",{SEGMENTS[n % 4]},"${rng.randrange(1, 500) * 1000:,}",'
                f"{owners[n % len(owners)]},{start},{start + timedelta(days=365)}\n"
            )
    return ids


def write_usage(path: Path, rows: int, accounts: list[str], first_day: date, rng: random.Random) -> None:
    """A daily feed: day after day, one row per account (the order a nightly export produces)."""
    prefixes = [f"{external_id}," for external_id in accounts]
    values = [str(v) for v in range(200)]
    written, day = 0, first_day
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,date,value\n")
        while written < rows:
            take = min(len(prefixes), rows - written)
            suffix = f"{day.isoformat()},"
            picks = rng.choices(values, k=take)
            out.write("".join([f"{prefixes[i]}{suffix}{picks[i]}\n" for i in range(take)]))
            written += take
            day += timedelta(days=1)


def empty_database(engine: Engine) -> None:
    migrate(engine)
    if not is_sqlite(engine):
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE usage, account, person, team RESTART IDENTITY CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000, help="usage rows (default 5,000,000)")
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts (default 100,000)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--reimport", action="store_true", help="import the usage file a second time too")
    args = parser.parse_args()

    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="csm-coach-bench-") as tmp:
        work = Path(tmp)
        url = Settings(database_url=args.database_url).database_url if args.database_url else None
        engine = get_engine(url or f"sqlite:///{work / 'bench.db'}")
        empty_database(engine)

        started = perf_counter()
        owners = write_team(work / "team.csv", max(1, args.accounts // ACCOUNTS_PER_CSM))
        accounts = write_accounts(work / "accounts.csv", args.accounts, owners, rng)
        days = -(-args.rows // args.accounts)
        write_usage(work / "usage.csv", args.rows, accounts, FEED_ENDS - timedelta(days=days), rng)
        size = (work / "usage.csv").stat().st_size
        print(f"generated CSVs in {perf_counter() - started:.1f} s (usage.csv: {size / 1e6:,.0f} MB)")

        for result in (
            import_team(work / "team.csv", engine=engine),
            import_accounts(work / "accounts.csv", engine=engine, today=FEED_ENDS),
        ):
            print(result.summary())
        # The day after the history: the nightly feed's usual size, one row per account.
        write_usage(work / "next-day.csv", len(accounts), accounts, FEED_ENDS, rng)
        runs = [("usage import", "usage.csv")]
        runs += [("usage re-import", "usage.csv")] if args.reimport else []
        for label, name in [*runs, ("next day's import", "next-day.csv")]:
            result = import_usage(work / name, engine=engine, today=FEED_ENDS)
            print(result.summary())
            print(
                f"{label} on {engine.dialect.name}: {result.rows:,} rows in {result.seconds:.2f} s "
                f"= {result.rows / result.seconds:,.0f} rows/s"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
