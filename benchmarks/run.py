"""The whole app at scale, on SQLite and PostgreSQL: imports, detection, the morning round, slash commands.

    .venv/bin/python -m benchmarks.run                      # full size: 100k accounts, 500 CSMs, 365 days
    .venv/bin/python -m benchmarks.run --size small         # 5,000 accounts, 50 CSMs, 5 teams, 120 days
    .venv/bin/python -m benchmarks.run --database sqlite --reuse-data --no-write

Generates the company with benchmarks/generate.py (kept in bench-data/, gitignored), then for each
database: empties and migrates it, imports the CSV files with `csm-coach import`, times `detect()`,
runs `csm-coach digest` against the local Slack stand-in without and with Slack's rate limits, and
sends signed /myload and /teamload requests to a `csm-coach serve`. Prints a table per database,
each figure beside its target, and rewrites the `benchmarks/run.py` section of docs/benchmarks.md.
The PostgreSQL database of --pg-url is emptied!
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import statistics
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter

from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from benchmarks import _report as rep
from benchmarks import generate as gen
from benchmarks._harness import Finished, fresh_postgres, fresh_sqlite, machine, postgres_version, run_cli
from benchmarks._report import Figure
from benchmarks._slack import (
    MAX_STALLS,
    STALL_SECONDS,
    SlackStandIn,
    clear_deliveries,
    digest_moment,
    morning_round,
    paced_round,
    serve_load,
    set_up_channels,
    slack_env,
)
from bot.domain.usage import DeclineRules, Trend
from bot.services.usage import detect

DOC = gen.REPO / "docs" / "benchmarks.md"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/csm_coach_bench"
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
console = Console(highlight=False, width=max(120, shutil.get_terminal_size((140, 40)).columns))


def say(text: str) -> None:
    console.print(f"[dim]{datetime.now(UTC):%H:%M:%S}[/] {text}", soft_wrap=True)


def company_for(args: argparse.Namespace) -> gen.Company:
    size = gen.size_of(args)
    directory = gen.default_directory(size, args.seed)
    if args.reuse_data:
        found = gen.load(directory)
        if found is not None and (args.today is None or found.today == args.today):
            say(f"reusing {found.describe()} in {directory}")
            return found
        say(f"no reusable company in {directory}; generating it")
    company = gen.generate(directory, size=size, seed=args.seed, today=gen.today_of(args))
    console.print(gen.report(company))
    return company


def import_figures(kind: str, finished: Finished) -> tuple[int, float | None, float | None]:
    """(rows, seconds, rows/s) from the importer's summary line; seconds and rate when it printed them."""
    line = next((x for x in finished.output.splitlines() if x.startswith(f"{kind} from ")), "")
    rows = re.search(r"([\d,]+) rows? read", line)
    if rows is None:
        raise RuntimeError(f"`csm-coach import {kind}` printed no summary:\n{finished.output[-2000:]}")
    count = int(rows.group(1).replace(",", ""))
    seconds = re.search(r"\(([\d.]+) s[,)]", line)
    rate = re.search(r"([\d,]+) rows/s", line)  # printed for large imports, from the exact seconds
    took = float(seconds.group(1)) if seconds and float(seconds.group(1)) > 0 else None
    per_second = float(rate.group(1).replace(",", "")) if rate else count / took if took else None
    return count, took, per_second


def run_imports(company: gen.Company, env: dict[str, str], logs: Path) -> list[Figure]:
    figures = []
    for kind, path in (
        ("team", company.team_csv),
        ("accounts", company.accounts_csv),
        ("usage", company.usage_csv),
    ):
        say(f"import {kind} ({path.stat().st_size / 1e6:,.1f} MB)")
        finished = run_cli(
            "import", kind, str(path), env=env, cwd=logs / "cwd", log=logs / f"import-{kind}.log"
        )
        finished.check()
        rows, seconds, rate = import_figures(kind, finished)
        extra = ", incl. playbook steps" if kind == "accounts" else ""
        took = f"{seconds:.1f} s" if seconds else "< 0.1 s"
        command = f"command {finished.seconds:.1f} s{extra}, peak {finished.peak_mb:,.0f} MB"
        detail = f"{rows:,} rows in {took} ({command})"
        if kind == "usage":
            rate = rate if rate is not None else rows / finished.seconds
            target = f"≥ {rep.IMPORT_ROWS_PER_S:,} rows/s"
            met = rate >= rep.IMPORT_ROWS_PER_S
            figures.append(Figure("usage import", f"{rate:,.0f} rows/s: {detail}", target, met))
        else:
            figures.append(Figure(f"{kind} import", detail))
    return figures


def detection_figure(engine: Engine, today: date, repeat: int) -> Figure:
    rules = DeclineRules()
    seconds: list[float] = []
    for _ in range(max(1, repeat)):
        with Session(engine) as session:
            started = perf_counter()
            found = detect(session=session, today=today, rules=rules)
            seconds.append(perf_counter() - started)
    flagged = sum(1 for a in found.assessments.values() if a.trend is Trend.DECLINING)
    median = statistics.median(seconds)
    value = (
        f"{median:.2f} s median of {len(seconds)} (min {min(seconds):.2f}, max {max(seconds):.2f}); "
        f"{len(found.assessments):,} accounts judged, {flagged:,} flagged"
    )
    return Figure("detection, all accounts", value, f"≤ {rep.DETECTION_S:g} s", median <= rep.DETECTION_S)


def bench_database(
    database: str, company: gen.Company, slack: SlackStandIn, args: argparse.Namespace
) -> tuple[list[Figure], str | None]:
    """Every figure for one database, and its server version (PostgreSQL)."""
    logs = gen.BENCH_DATA / "run-logs" / database
    say(f"[bold]{LABELS[database]}[/]: emptying and migrating the database")
    if database == "sqlite":
        path = gen.BENCH_DATA / f"run-{company.size.accounts}x{company.size.days}.db"
        engine, url, version = fresh_sqlite(path), f"sqlite:///{path}", None
    else:
        engine, url = fresh_postgres(args.pg_url), args.pg_url
        version = postgres_version(engine)
    env = slack_env(slack, url)
    figures = run_imports(company, env, logs)

    say(f"detect() over all accounts, {args.repeat} times")
    figures.append(detection_figure(engine, company.today, args.repeat))

    channels = set_up_channels(engine)
    at = digest_moment(company.today, datetime.now(UTC))
    say(f"morning round for {len(channels)} teams at {at.isoformat()}, no rate limit")
    free = morning_round(slack, label="free", at=at, env=env, cwd=logs / "cwd", log=logs / "digest-free.log")
    say(f"  {free.summary}")
    cleared = clear_deliveries(engine)
    say(f"morning round again ({cleared} deliveries cleared) at Slack's pace")
    paced = paced_round(
        slack,
        label="paced",
        at=at,
        env=env,
        cwd=logs / "cwd",
        log=logs / "digest-paced.log",
    )
    say(f"  {paced.summary}")
    figures.append(
        Figure(
            "morning round, no rate limit",
            f"{free.seconds:.1f} s: {free.messages:,} messages, {free.per_second:,.1f} messages/s",
            f"≤ {rep.ROUND_S:g} s",
            free.seconds <= rep.ROUND_S and "failed" not in free.summary,
        )
    )
    limit = paced.floor_seconds + rep.ROUND_S
    figures.append(
        Figure(
            "morning round at Slack's pace",
            f"{paced.seconds:.1f} s: {paced.messages:,} messages, {paced.per_second:,.1f} messages/s, "
            f"{paced.rate_limited:,} answered 429; pace allows {paced.floor_seconds:.0f} s",
            f"pace + {rep.ROUND_S:g} s, all sent",
            paced.seconds <= limit and paced.messages == free.messages and "failed" not in paced.summary,
        )
    )
    big = free.largest
    figures.append(
        Figure(
            "largest message of the round",
            f"{big.blocks} blocks, {big.chars:,} characters of blocks JSON; at most {free.most_buttons} "
            f"items with buttons in a DM; {free.refused} refused by the stand-in",
            "≤ 50 blocks, ≤ 12,000 chars, ≤ 10 items",
            big.blocks <= 50 and big.chars <= 12_000 and free.most_buttons <= 10 and not free.refused,
        )
    )
    peak = max(free.peak_mb, paced.peak_mb)
    figures.append(
        Figure(
            "morning round peak memory",
            f"{peak:,.0f} MB",
            f"≤ {rep.ROUND_PEAK_MB:,.0f} MB",
            peak <= rep.ROUND_PEAK_MB,
        )
    )

    say(f"csm-coach serve: {args.requests} /myload and {args.requests} /teamload, signed")
    served = serve_load(
        engine,
        slack,
        env=env,
        cwd=logs / "cwd",
        log=logs / "serve.log",
        requests=args.requests,
        seed=args.seed,
    )
    for latency, target in ((served.myload, rep.MYLOAD_P99_MS), (served.teamload, None)):
        users = "CSMs" if latency.command == "/myload" else "managers"
        value = (
            f"p50 {latency.p50_ms:,.1f} ms, p99 {latency.p99_ms:,.1f} ms, max {latency.max_ms:,.0f} ms "
            f"({latency.requests} requests, {latency.users} {users})"
        )
        if latency.stalled:
            value += f"; left early: {MAX_STALLS} answers took over {STALL_SECONDS:g} s"
        if latency.failed:
            value += f"; {latency.failed} bad answers, e.g. {latency.first_failure}"
        ok = not (latency.failed or latency.stalled)
        met = None if target is None else latency.p99_ms <= target and ok
        figures.append(Figure(latency.command, value, f"p99 ≤ {target:g} ms" if target else "", met))
    figures.append(
        Figure(
            "serve peak memory",
            f"{served.peak_mb:,.0f} MB ({served.rss_after_start_mb:,.0f} MB after start-up)",
            f"≤ {rep.SERVE_PEAK_MB:g} MB",
            served.peak_mb <= rep.SERVE_PEAK_MB,
        )
    )
    engine.dispose()
    return figures, version


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    gen.add_size_arguments(parser)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"emptied first! (default {DEFAULT_PG_URL})")
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="use the CSV files already generated for these sizes and seed",
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per slash command (default 200)")
    parser.add_argument("--repeat", type=int, default=5, help="timed detections (default 5)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = perf_counter()
    when = datetime.now(UTC)
    company = company_for(args)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results: dict[str, list[Figure]] = {}
    pg_version: str | None = None
    with SlackStandIn() as slack:
        for database in databases:
            figures, version = bench_database(database, company, slack, args)
            results[LABELS[database]] = figures
            pg_version = version or pg_version
    took = timedelta(seconds=round(perf_counter() - started))
    console.print()
    console.print(f"[bold]{company.describe()}[/]; the whole run took {took}")
    for database, figures in results.items():
        rep.print_table(console, database, figures)
    if args.no_write:
        return
    command = shlex.join([".venv/bin/python", "-m", "benchmarks.run", *sys.argv[1:]])
    text = rep.section(
        when=f"{when:%Y-%m-%d %H:%M} UTC",
        command=command,
        company=company.describe()[0].upper() + company.describe()[1:],
        took=str(took),
        machine=machine(pg_version),
        results=results,
        notes=[],
    )
    rep.write_section(DOC, text)
    say(f"wrote the results into {DOC.relative_to(gen.REPO)}")


if __name__ == "__main__":
    main()
