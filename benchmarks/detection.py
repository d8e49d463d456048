"""How fast is decline detection? Writes a company, imports it, times `detect()`, checks it on a sample.

    .venv/bin/python -m benchmarks.detection                  # 100k accounts x 365 days into bench-data/
    .venv/bin/python -m benchmarks.detection --size small     # 5,000 accounts, 50 CSMs, 5 teams, 120 days
    .venv/bin/python -m benchmarks.detection --reuse          # time again on the database already built
    .venv/bin/python -m benchmarks.detection --holiday        # the last 7 days a feed-wide dip
    .venv/bin/python -m benchmarks.detection --accounts 20000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/csm_coach_bench   # its data tables are emptied!

Times `detect()` over all accounts, for one team (which also reads the workspace's median ratio, for
the feed-wide dip), and for every team in one transaction as a morning round does (the median read
once). The verification recomputes a sample of accounts the plain way (per account: its first usage
day, and its rows in the windows summed with missing days as 0) and asserts that detection judges,
sums and flags each sampled account as the rule says, the dip rule included.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from benchmarks import generate as gen
from bot.config import Settings
from bot.db import get_engine, is_sqlite, migrate, refresh_statistics
from bot.demo.company import write_company
from bot.domain.usage import DeclineRules, FeedDip, Trend, Windows
from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from bot.models import Account, Person, Team, Usage
from bot.services.usage import Detection, Medians, detect

REPO = Path(__file__).resolve().parent.parent
BENCH_DATA = REPO / "bench-data"  # gitignored
TODAY = date(2026, 3, 2)  # the company's usage ends the day before
DATA_TABLES = ("delivery", "alert", "usage", "account", "person", "team")
RULES = DeclineRules()


def build(engine: Engine, args: argparse.Namespace, files_dir: Path) -> None:
    started = perf_counter()
    size = gen.size_of(args)
    company = write_company(
        files_dir,
        today=TODAY,
        teams=size.teams,
        csms=size.csms,
        accounts=size.accounts,
        days=size.days,
        holiday=args.holiday,
    )
    size = company.usage_csv.stat().st_size
    print(
        f"generated {company.accounts:,} accounts, {company.usage_rows:,} usage rows in "
        f"{perf_counter() - started:.1f} s (usage.csv: {size / 1e6:,.0f} MB)"
    )
    for result in (
        import_team(company.team_csv, engine=engine),
        import_accounts(company.accounts_csv, engine=engine, today=TODAY),
        import_usage(company.usage_csv, engine=engine, today=TODAY),
    ):
        print(result.summary())
    print(
        f"usage import on {engine.dialect.name}: {result.rows:,} rows in {result.seconds:.1f} s "
        f"= {result.rows / result.seconds:,.0f} rows/s"
    )
    refresh_statistics(engine)  # as `csm-coach import` does after each file


def empty_database(engine: Engine, sqlite_path: Path | None) -> Engine:
    if sqlite_path is not None:
        engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    migrate(engine)
    if sqlite_path is None:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
    return engine


def holds_data(engine: Engine, accounts: int) -> bool:
    migrate(engine)
    with Session(engine) as session:
        found = session.exec(select(func.count()).select_from(Account)).one()
        newest = session.exec(select(func.max(Account.last_usage_day))).one()
    return found == accounts and newest is not None


def timed(runs: int, call: Callable[[], Detection]) -> tuple[list[float], Detection]:
    seconds: list[float] = []
    for _ in range(max(1, runs)):
        started = perf_counter()
        detection = call()
        seconds.append(perf_counter() - started)
    return seconds, detection


def figures(seconds: list[float]) -> str:
    return (
        f"min {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s"
        f" over {len(seconds)} runs"
    )


def run_detect(engine: Engine, today: date, team_id: int | None = None) -> Detection:
    with Session(engine) as session:
        return detect(session=session, today=today, rules=RULES, team_id=team_id)


def run_round(engine: Engine, today: date, team_ids: list[int | None]) -> Detection:
    """Every team's detection in one session, as a morning round of all teams runs them."""
    medians = Medians()
    with Session(engine) as session:
        found = [
            detect(session=session, today=today, rules=RULES, team_id=team_id, medians=medians)
            for team_id in team_ids
        ]
    return found[-1]


def flagged_ids(detection: Detection) -> set[int]:
    return {i for i, a in detection.assessments.items() if a.trend is Trend.DECLINING}


def plain_definition(
    session: Session, account_id: int, windows: Windows, dip: FeedDip | None
) -> tuple[bool, bool, float, float]:
    """The decline rule (docs/how-it-works.md) for one account, the long way: (judged, flagged,
    recent sum, baseline sum)."""
    first = session.exec(select(func.min(Usage.day)).where(Usage.account_id == account_id)).one()
    rows = session.exec(
        select(Usage.day, Usage.value).where(
            Usage.account_id == account_id,
            col(Usage.day) >= windows.baseline_start,
            col(Usage.day) <= windows.recent_end,
        )
    ).all()
    by_day = {day: value for day, value in rows}
    recent_days = (windows.recent_end - windows.recent_start).days + 1
    baseline_days = (windows.baseline_end - windows.baseline_start).days + 1
    recent = sum(by_day.get(windows.recent_start + timedelta(days=i), 0.0) for i in range(recent_days))
    baseline = sum(by_day.get(windows.baseline_start + timedelta(days=i), 0.0) for i in range(baseline_days))
    if first is None or first > windows.baseline_start:  # less history than the two windows
        return False, False, recent, baseline
    recent_mean, baseline_mean = recent / recent_days, baseline / baseline_days
    if baseline_mean < RULES.noise_floor:
        return True, False, recent, baseline
    ratio = recent_mean / baseline_mean
    if dip is None:
        flagged = 1 - ratio >= RULES.threshold - 1e-9
    else:  # fell by the threshold beyond the workspace's median ratio
        flagged = ratio < dip.median_ratio and ratio <= dip.median_ratio * (1 - RULES.threshold) * (1 + 1e-9)
    return True, flagged, recent, baseline


def verify(engine: Engine, detection: Detection, sample_size: int, rng: random.Random) -> None:
    assessments = detection.assessments
    flagged = flagged_ids(detection)
    with Session(engine) as session:
        ids = list(session.exec(select(Account.id)).all())
        # A random sample, plus some flagged accounts so that the flagged side is checked too.
        sample = set(rng.sample(ids, min(sample_size, len(ids))))
        sample |= set(rng.sample(sorted(flagged), min(sample_size // 10, len(flagged))))
        expected: set[int] = set()
        for account_id in sorted(sample):
            assert account_id is not None
            judged, is_flagged, recent, baseline = plain_definition(
                session, account_id, detection.windows, detection.dip
            )
            if is_flagged:
                expected.add(account_id)
            found = assessments.get(account_id)
            assert (found is not None) == judged, f"account {account_id}: judged {found is not None}"
            if found is not None:
                assert abs(found.recent_mean * RULES.recent_days - recent) < 1e-6, account_id
                assert abs(found.baseline_mean * RULES.baseline_days - baseline) < 1e-6, account_id
    got = flagged & sample
    assert got == expected, f"sample of {len(sample)}: detection {sorted(got)} vs plain {sorted(expected)}"
    print(f"verified: {len(sample)} sampled accounts, {len(expected)} flagged by the plain definition")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    gen.add_size_arguments(
        parser
    )  # --size full|small, --accounts, --csms, --teams, --days (--seed, --today unused)
    parser.add_argument("--holiday", action="store_true", help="everyone's last 7 days at about half")
    parser.add_argument(
        "--database-url", help="default: bench-data/detection-<accounts>x<days>.db (SQLite, gitignored)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="skip generation and import if the data is there"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed detections (default 5)")
    parser.add_argument("--sample", type=int, default=200, help="accounts verified the plain way")
    args = parser.parse_args()

    BENCH_DATA.mkdir(exist_ok=True)
    size = gen.size_of(args)
    name = f"detection-{size.accounts}x{size.days}{'-holiday' if args.holiday else ''}"
    if args.database_url:
        url = Settings(database_url=args.database_url).database_url
    else:
        url = f"sqlite:///{BENCH_DATA / name}.db"
    engine = get_engine(url)
    sqlite_path = Path(engine.url.database or "") if is_sqlite(engine) else None

    if args.reuse and holds_data(engine, size.accounts):
        print(f"reusing {engine.url.render_as_string(hide_password=True)}")
    else:
        engine = empty_database(engine, sqlite_path)
        build(engine, args, BENCH_DATA / name)

    with Session(engine) as session:
        usage_rows = session.exec(select(func.count()).select_from(Usage)).one()
        newest = session.exec(select(func.max(Account.last_usage_day))).one()
        team = session.exec(select(Team).order_by(col(Team.id))).first()
        assert newest is not None and team is not None and team.id is not None
        team_accounts = session.exec(
            select(func.count())
            .select_from(Account)
            .join(Person, col(Person.id) == col(Account.owner_id))
            .where(Person.team_id == team.id)
        ).one()
    today = newest + timedelta(days=1)
    print(f"{engine.dialect.name}: {usage_rows:,} rows in usage; detection for {today} (feed ends {newest})")

    seconds, detection = timed(args.repeat, lambda: run_detect(engine, today))
    flagged = flagged_ids(detection)
    dip = (
        f"feed-wide dip, median ratio {detection.dip.median_ratio:.3f}"
        if detection.dip
        else "no feed-wide dip"
    )
    print(f"all accounts: {len(detection.assessments):,} judged, {len(flagged):,} flagged ({dip})")
    print(f"  detect(): {figures(seconds)}")

    team_seconds, by_team = timed(args.repeat, lambda: run_detect(engine, today, team.id))
    team_flagged = flagged_ids(by_team)
    print(
        f"team {team.name!r} ({team_accounts:,} accounts): {len(by_team.assessments):,} judged, "
        f"{len(team_flagged):,} flagged"
    )
    print(f"  detect(team_id={team.id}): {figures(team_seconds)}")
    # The team's view is the whole view cut to the team.
    team_ids = set(by_team.assessments)
    assert team_flagged == flagged & team_ids, "team detection disagrees with detection over all accounts"
    assert by_team.dip == detection.dip, "the dip is the workspace's, whatever the scope"

    with Session(engine) as session:
        team_ids_all = list(session.exec(select(Team.id).order_by(col(Team.id))).all())
    round_seconds, _ = timed(args.repeat, lambda: run_round(engine, today, team_ids_all))
    print(
        f"  detect() for each of the {len(team_ids_all)} teams in one transaction: {figures(round_seconds)}"
    )

    verify(engine, detection, args.sample, random.Random(20260302))
    engine.dispose()


if __name__ == "__main__":
    main()
