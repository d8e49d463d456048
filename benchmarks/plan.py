"""How fast is the rebalancing plan (target: 25 CSMs and 5,000 accounts in under 2 s)?

    .venv/bin/python -m benchmarks.plan                 # one 25-CSM team, then 500 CSMs / 100,000 accounts
    .venv/bin/python -m benchmarks.plan --size small    # the workspace part at 50 CSMs / 5,000 accounts
    .venv/bin/python -m benchmarks.plan --database-url postgresql://postgres@127.0.0.1:5432/csm_coach_bench
                                                        # that database is emptied!

Each part writes a company with benchmarks/generate.py's generator (bot.demo.company), imports its
team and accounts files into a fresh database, and times `bot.services.plan.compute` (the queries,
the HiGHS solves, the choice of accounts) plus the Slack message, from an open session: the time
a `/teamload plan` takes beyond start-up. Figures are medians of --runs runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path
from time import perf_counter

from sqlalchemy import Engine
from sqlmodel import Session, select

from benchmarks._harness import fresh_postgres, fresh_sqlite
from benchmarks.generate import SIZES, Size
from bot.config import Settings
from bot.demo.company import write_company
from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.models import Team
from bot.services import plan as plans
from bot.slack.blocks.plan import plan_message

TODAY = date(2026, 3, 2)
ONE_TEAM = Size(accounts=5_000, csms=25, teams=1, days=1)
SETTINGS = Settings(_env_file=None)


def load(engine: Engine, size: Size, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = write_company(
            Path(tmp),
            today=TODAY,
            seed=seed,
            teams=size.teams,
            csms=size.csms,
            accounts=size.accounts,
            days=1,
        )
        import_team(files.team_csv, engine=engine)
        import_accounts(files.accounts_csv, engine=engine)


def time_team(session: Session, team: Team) -> tuple[float, plans.TeamPlan]:
    started = perf_counter()
    tp = plans.compute(session=session, team=team, today=TODAY, settings=SETTINGS)
    plan_message(tp)
    return perf_counter() - started, tp


def describe(tp: plans.TeamPlan) -> str:
    hires = sum(tp.plan.hires.values())
    over = sum(1 for v in tp.plan.before.values() if v > 1)
    return (
        f"{len(tp.plan.before)} CSMs ({over} over band), {len(tp.accounts):,} accounts: "
        f"{len(tp.plan.moves)} moves, {hires} hires"
    )


def one_team(engine: Engine, runs: int, seed: int) -> None:
    load(engine, ONE_TEAM, seed)
    with Session(engine) as session:
        team = session.exec(select(Team)).one()
        times = []
        for _ in range(runs):
            seconds, tp = time_team(session, team)
            times.append(seconds)
    print(f"one team, {describe(tp)}")
    print(f"  plan: median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s")


def workspace(engine: Engine, size: Size, runs: int, seed: int) -> None:
    started = perf_counter()
    load(engine, size, seed)
    print(
        f"workspace: {size.csms} CSMs, {size.accounts:,} accounts, {size.teams} teams "
        f"(imported in {perf_counter() - started:.1f} s)"
    )
    totals, worst = [], (0.0, "")
    with Session(engine) as session:
        teams = session.exec(select(Team).order_by(Team.id)).all()
        for run in range(runs):
            total = 0.0
            for team in teams:
                seconds, tp = time_team(session, team)
                total += seconds
                if run == 0 and seconds > worst[0]:
                    worst = (seconds, f"team {team.name}: {describe(tp)}")
            totals.append(total)
    print(
        f"  every team planned: median {statistics.median(totals):.2f} s in all "
        f"({statistics.median(totals) / len(teams):.3f} s a team)"
    )
    print(f"  slowest team (first run): {worst[0]:.3f} s, {worst[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="full", help="the workspace part's size")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="PostgreSQL to use instead of SQLite files (emptied!)")
    args = parser.parse_args()

    def fresh(name: str) -> Engine:
        if args.database_url:
            return fresh_postgres(args.database_url)
        return fresh_sqlite(Path(tempfile.gettempdir()) / f"csm-coach-bench-{name}.db")

    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; python {sys.version.split()[0]}")
    one_team(fresh("plan-team"), args.runs, args.seed)
    workspace(fresh("plan-workspace"), SIZES[args.size], args.runs, args.seed)


if __name__ == "__main__":
    main()
