"""Write a synthetic company as CSV files in the README's formats: team.csv, accounts.csv, usage.csv.

    .venv/bin/python -m benchmarks.generate                   # 100,000 accounts, 500 CSMs, 25 teams, 365 days
    .venv/bin/python -m benchmarks.generate --size small      # 5,000 accounts, 50 CSMs, 5 teams, 120 days
    .venv/bin/python -m benchmarks.generate --accounts 20000 --csms 100 --teams 5 --days 180 --seed 3

The same --seed, --today and sizes always give the same bytes. Usage ends the day before --today
(default: today's date, UTC). The files go to bench-data/ (gitignored) unless --out says otherwise,
beside a company.json that records how they were made, so `benchmarks/run.py --reuse-data` can
tell whether they fit.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter

REPO = Path(__file__).resolve().parent.parent
BENCH_DATA = REPO / "bench-data"  # gitignored
MANIFEST = "company.json"


@dataclass(frozen=True)
class Size:
    accounts: int
    csms: int
    teams: int
    days: int


SIZES = {
    "full": Size(
        accounts=100_000, csms=500, teams=25, days=365
    ),  # the size one box must hold (docs/scaling.md)
    "small": Size(accounts=5_000, csms=50, teams=5, days=120),
}


@dataclass(frozen=True)
class Company:
    """What generate() wrote: the CSV files, how they were made, and what they hold."""

    directory: Path
    seed: int
    today: date
    size: Size
    people: int
    usage_rows: int
    declining: int  # accounts made to drop in their last 7 days
    seconds: float

    @property
    def team_csv(self) -> Path:
        return self.directory / "team.csv"

    @property
    def accounts_csv(self) -> Path:
        return self.directory / "accounts.csv"

    @property
    def usage_csv(self) -> Path:
        return self.directory / "usage.csv"

    def files(self) -> list[Path]:
        return [self.team_csv, self.accounts_csv, self.usage_csv]

    def describe(self) -> str:
        s = self.size
        return (
            f"{s.accounts:,} accounts, {s.csms:,} CSMs in {s.teams:,} teams, {s.days} days of usage "
            f"ending {self.today - timedelta(days=1)} (seed {self.seed})"
        )


def default_directory(size: Size, seed: int) -> Path:
    return BENCH_DATA / f"company-{size.accounts}x{size.days}-{size.csms}csms-{size.teams}teams-seed{seed}"


def generate(directory: Path, *, size: Size, seed: int, today: date) -> Company:
    """Write the three CSV files and company.json into `directory`."""
    from bot.demo.company import write_company

    started = perf_counter()
    files = write_company(
        directory,
        today=today,
        seed=seed,
        teams=size.teams,
        csms=size.csms,
        accounts=size.accounts,
        days=size.days,
    )
    company = Company(
        directory=directory,
        seed=seed,
        today=today,
        size=size,
        people=files.people,
        usage_rows=files.usage_rows,
        declining=len(files.declining),
        seconds=perf_counter() - started,
    )
    record = {
        "seed": seed,
        "today": today.isoformat(),
        **asdict(size),
        "people": company.people,
        "usage_rows": company.usage_rows,
        "declining": company.declining,
        "seconds": round(company.seconds, 1),
    }
    (directory / MANIFEST).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return company


def load(directory: Path) -> Company | None:
    """The company already written in `directory`, or None when its files or company.json are missing."""
    try:
        record = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        size = Size(**{k: int(record[k]) for k in ("accounts", "csms", "teams", "days")})
        company = Company(
            directory=directory,
            seed=int(record["seed"]),
            today=date.fromisoformat(record["today"]),
            size=size,
            people=int(record["people"]),
            usage_rows=int(record["usage_rows"]),
            declining=int(record["declining"]),
            seconds=float(record["seconds"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return company if all(p.is_file() for p in company.files()) else None


def report(company: Company) -> str:
    """What was written: rows and megabytes per file, and how long it took."""
    rows = {
        "team.csv": company.people,
        "accounts.csv": company.size.accounts,
        "usage.csv": company.usage_rows,
    }
    lines = [f"{company.describe()} in {company.directory}"]
    for path in company.files():
        lines.append(f"  {path.name:<13} {rows[path.name]:>12,} rows {path.stat().st_size / 1e6:>10,.1f} MB")
    total = sum(p.stat().st_size for p in company.files()) / 1e6
    lines.append(
        f"  {'total':<13} {sum(rows.values()):>12,} rows {total:>10,.1f} MB in {company.seconds:.1f} s"
    )
    return "\n".join(lines)


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """--size, --accounts, --csms, --teams, --days, --seed, --today: shared with benchmarks/run.py."""
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default="full",
        help="preset: full = 100,000 accounts, 500 CSMs (default), small",
    )
    parser.add_argument("--accounts", type=int, help="accounts (overrides the preset)")
    parser.add_argument("--csms", type=int, help="CSMs (overrides the preset)")
    parser.add_argument("--teams", type=int, help="teams (overrides the preset)")
    parser.add_argument("--days", type=int, help="days of daily usage (overrides the preset)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD; usage ends the day before")


def size_of(args: argparse.Namespace) -> Size:
    preset = SIZES[args.size]
    return Size(
        accounts=args.accounts if args.accounts is not None else preset.accounts,
        csms=args.csms if args.csms is not None else preset.csms,
        teams=args.teams if args.teams is not None else preset.teams,
        days=args.days if args.days is not None else preset.days,
    )


def today_of(args: argparse.Namespace) -> date:
    return args.today if args.today is not None else datetime.now(UTC).date()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_size_arguments(parser)
    parser.add_argument("--out", type=Path, help="directory (default: bench-data/company-<size>-seed<seed>/)")
    args = parser.parse_args()
    size = size_of(args)
    directory = args.out or default_directory(size, args.seed)
    try:
        company = generate(directory, size=size, seed=args.seed, today=today_of(args))
    except ValueError as exc:
        sys.exit(f"generate.py: {exc}")
    print(report(company))


if __name__ == "__main__":
    main()
