"""What csm-coach costs to run: the memory and processes of `serve` and `clock` on the demo company.

    .venv/bin/python -m benchmarks.footprint               # 5 runs, 200 requests each, medians printed
    .venv/bin/python -m benchmarks.footprint --runs 3 --requests 50

Each run starts the real `csm-coach serve` (WEB_CONCURRENCY=1, the Procfile's `web`) and
`csm-coach clock` against the demo database (`csm-coach demo`: 3 teams, 13 CSMs, about 1,100
accounts, 90 days of usage) and the Slack stand-in, and reads the kernel's figures for each
process tree (/proc/PID/status: VmRSS now, VmHWM its peak):

- `serve` idle, once /healthz answers; then its peak after signed `/myload` and `/teamload` commands
  from every CSM and manager of the roster, and App Home opened by each;
- `clock` once it has sent the morning round of every team (each team's post time is set a few
  minutes before now and every day is a working day, so its start-up catch-up sends the round) and
  gone quiet.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import select

from benchmarks._harness import Server, csm_coach, run_cli, status_mb
from bot.db import get_engine, session_scope
from bot.models import Delivery, Person, Role, TeamRound
from bot.services import localtime, teams
from tests.support import signing
from tests.support.appenv import app_env
from tests.support.processes import EVERY_DAY
from tests.support.slack_standin import BOT_TOKEN, SlackStandIn

QUIET_SECONDS = 3.0  # the clock is done with its round once Slack has heard nothing new for this long
CLOCK_TIMEOUT = 180.0


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (uvicorn workers, if any)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def tree_mb(pid: int, field: str) -> float:
    return sum(status_mb(p, field) for p in process_tree(pid))


def build_demo(workdir: Path) -> str:
    path = (workdir / "demo.db").resolve()
    today = datetime.now(UTC).date().isoformat()
    run_cli(
        "demo", "--db", str(path), "--today", today, env={}, cwd=workdir / "cwd", log=workdir / "demo.log"
    )
    return f"sqlite:///{path}"


def roster(url: str) -> tuple[list[str], list[str]]:
    with session_scope(get_engine(url)) as session:
        people = session.exec(select(Person).where(Person.active)).all()
        return (
            [p.slack_user_id for p in people if p.role == Role.CSM],
            [p.slack_user_id for p in people if p.role in (Role.MANAGER, Role.ADMIN)],
        )


def rounds_due_now(url: str) -> None:
    """Every team's post time a few minutes ago in its zone, and no round sent yet today."""
    now = datetime.now(UTC)
    with session_scope(get_engine(url)) as session:
        session.exec(delete(Delivery))  # type: ignore[call-overload]
        session.exec(delete(TeamRound))  # type: ignore[call-overload]
        for team in teams.all_teams(session=session):
            local = localtime.for_team(team, session=session, now=now - timedelta(minutes=5))
            teams.configure(
                session=session, name=team.name, channel=None, post_time=f"{local.now:%H:%M}", timezone=None
            )


def measure_serve(url: str, slack: SlackStandIn, workdir: Path, requests: int) -> dict[str, float]:
    csms, managers = roster(url)
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": url,
    }
    server = Server(env=env, cwd=workdir / "cwd", log=workdir / "serve.log")
    try:
        pid = server.process.pid
        idle = {
            "serve idle RSS": tree_mb(pid, "VmRSS"),
            "serve idle peak RSS": tree_mb(pid, "VmHWM"),
            "serve processes": len(process_tree(pid)),
        }
        client = signing.AppClient(
            server.url, signing_secret=signing.SIGNING_SECRET, response_url=slack.response_url
        )
        asks = [("/myload", u) for u in csms] + [("/teamload", u) for u in managers]
        for n in range(requests):
            command, user = asks[n % len(asks)]
            if n % 4 == 3:
                answer = client.post_event(signing.app_home_opened(user))
            else:
                answer = client.post_command(command, "", user_id=user)
            if answer.status != 200:
                raise RuntimeError(f"{command} for {user}: HTTP {answer.status}")
        return {**idle, "serve peak RSS": tree_mb(pid, "VmHWM"), "serve RSS after": tree_mb(pid, "VmRSS")}
    finally:
        server.stop()


def measure_clock(url: str, slack: SlackStandIn, workdir: Path) -> dict[str, float]:
    rounds_due_now(url)
    slack.clear()
    # Every day a working day: the figure is the clock's with a round to send, whatever today is.
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.base_url, "DATABASE_URL": url, **EVERY_DAY}
    with (workdir / "clock.log").open("wb") as log:
        clock = subprocess.Popen(
            [csm_coach(), "clock"],
            env=app_env(env),
            cwd=workdir / "cwd",
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            sent = wait_until_quiet(slack, clock)
            return {
                "clock peak RSS": tree_mb(clock.pid, "VmHWM"),
                "clock RSS after": tree_mb(clock.pid, "VmRSS"),
                "clock processes": len(process_tree(clock.pid)),
                "clock messages sent": sent,
            }
        finally:
            clock.terminate()
            clock.wait(timeout=30)


def wait_until_quiet(slack: SlackStandIn, clock: subprocess.Popen[bytes]) -> int:
    """How many messages the clock's first round sent, once Slack has heard nothing new for a while."""
    deadline = time.monotonic() + CLOCK_TIMEOUT
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if clock.poll() is not None:
            raise RuntimeError(f"csm-coach clock exited with {clock.returncode}")
        count = len(slack.calls())
        if count != seen:
            seen, since = count, time.monotonic()
        elif count > 1 and time.monotonic() - since >= QUIET_SECONDS:
            return len(slack.calls("chat.postMessage"))
        time.sleep(0.2)
    raise RuntimeError(f"the clock did not go quiet within {CLOCK_TIMEOUT:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="signed requests to serve, each run")
    parser.add_argument("--workdir", type=Path, default=Path("bench-data") / "footprint")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    url = build_demo(args.workdir)
    runs: list[dict[str, float]] = []
    with SlackStandIn() as slack:
        for n in range(args.runs):
            figures = {
                **measure_serve(url, slack, args.workdir, args.requests),
                **measure_clock(url, slack, args.workdir),
            }
            runs.append(figures)
            print(f"run {n + 1}: " + ", ".join(f"{k} {v:.0f}" for k, v in figures.items()), flush=True)
    print(f"\nMedians of {args.runs} runs (MB are 10^6 bytes; {args.requests} requests to serve a run):")
    for key in runs[0]:
        values = [run[key] for run in runs]
        unit = " MB" if "RSS" in key else ""
        spread = f"(min {min(values):.0f}, max {max(values):.0f})"
        print(f"  {key:<22} {statistics.median(values):7.0f}{unit}   {spread}")


if __name__ == "__main__":
    main()
