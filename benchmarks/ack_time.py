"""How fast `csm-coach serve` acknowledges a button click when Slack or the database is slow.

    .venv/bin/python -m benchmarks.ack_time                         # SQLite
    .venv/bin/python -m benchmarks.ack_time --pg-url postgresql://postgres@127.0.0.1:5432/csm_coach_bench

Two scenarios, each through Slack-signed HTTP to a real `serve`, Slack played by the local stand-in:
- slow Slack: the stand-in answers every `chat.update` after --hang seconds (8 by default); --clicks
  "Reached out" clicks, one every --spacing seconds, each timed from send to the HTTP answer (the ack);
- locked database (SQLite only): another connection holds the write lock for --lock seconds while one
  click arrives; prints its ack time and what the clicker was told.
Slack gives an app 3 seconds to acknowledge. The PostgreSQL database of --pg-url is emptied!
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import col, select

from benchmarks._harness import Server, fresh_postgres, fresh_sqlite
from bot.db import session_scope
from bot.models import Alert, Person, Team
from bot.slack.ids import ActionId, AlertRef, alert_block_id
from tests.support import factories, signing
from tests.support.slack_standin import BOT_TOKEN, SlackStandIn

CSM = "U0BENCHCSM"


def seed(engine: Engine, alerts: int) -> list[int]:
    """One team, one CSM, `alerts` accounts each with an open decline alert; the alert ids."""
    with session_scope(engine) as session:
        team = Team(name="Bench", timezone="Europe/London")
        session.add(team)
        session.flush()
        csm = Person(slack_user_id=CSM, email="csm@example.com", name="Bench CSM", team_id=team.id or 0)
        session.add(csm)
        session.flush()
        today = datetime.now(UTC).date()
        ids = [
            factories.declining(session, csm, today=today, external_id=f"B{n}", name=f"Account {n}").id or 0
            for n in range(alerts)
        ]
    return ids


def click(app: signing.AppClient, alert_id: int) -> tuple[float, int]:
    """One "Reached out" click on a message showing the alert; (seconds to the answer, HTTP status)."""
    block = {"type": "section", "block_id": alert_block_id(alert_id), "text": {"type": "mrkdwn", "text": "x"}}
    ts = f"1700000000.{alert_id:06d}"
    payload = signing.block_actions_payload(
        action_id=ActionId.ALERT_REACHED_OUT,
        value=AlertRef(alert_id=alert_id).model_dump_json(),
        user_id=CSM,
        block_id=alert_block_id(alert_id),
        message_ts=ts,
        message={"type": "message", "ts": ts, "text": "declining", "blocks": [block]},
    )
    body = signing.interactive(payload)
    headers = signing.signed_headers(body, signing.SIGNING_SECRET)
    started = time.perf_counter()
    answer = signing.post(app.events_url, body, headers, timeout=60)
    return time.perf_counter() - started, answer.status


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def slow_slack(
    app: signing.AppClient, slack: SlackStandIn, engine: Engine, ids: list[int], args: argparse.Namespace
) -> None:
    slack.hang("chat.update", times=len(ids), seconds=args.hang)
    results: list[tuple[float, int]] = []
    threads = []
    for alert_id in ids:
        thread = threading.Thread(target=lambda a=alert_id: results.append(click(app, a)))
        thread.start()
        threads.append(thread)
        time.sleep(args.spacing)
    for thread in threads:
        thread.join()
    seconds = [s for s, _ in results]
    statuses = sorted({status for _, status in results})
    print(
        f"slow Slack (chat.update after {args.hang:.0f} s), {len(seconds)} clicks: "
        f"ack p50 {statistics.median(seconds):.3f} s, p99 {percentile(seconds, 0.99):.3f} s, "
        f"max {max(seconds):.3f} s; HTTP {statuses}"
    )
    time.sleep(2 * args.hang + 2)  # every click's work done: an update, or the word that it failed
    updated = {c.param("ts") for c in slack.calls("chat.update") if c.ok}
    told = [c.text for c in slack.calls("chat.postEphemeral")]
    with session_scope(engine) as session:
        recorded = len(session.exec(select(Alert).where(col(Alert.reached_out_at).is_not(None))).all())
    print(
        f"  clicks recorded: {recorded} of {len(ids)}; messages updated: {len(updated)}; "
        f"told 'recorded, but I couldn't update': {sum('Recorded, but' in t for t in told)}; "
        f"'something went wrong': {sum('went wrong' in t for t in told)}"
    )


def locked_database(
    app: signing.AppClient, slack: SlackStandIn, path: Path, alert_id: int, hold: float
) -> None:
    slack.clear()
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as an import or the morning round holds it
    try:
        seconds, status = click(app, alert_id)
    finally:
        time.sleep(max(0.0, hold - 0.1))
        holder.execute("ROLLBACK")
        holder.close()
    time.sleep(3)
    told = [c.text for c in slack.calls() if c.method in ("chat.postEphemeral", "chat.postMessage")]
    print(f"locked SQLite (write lock held {hold:.0f} s): ack {seconds:.3f} s, HTTP {status}; told {told}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", help="PostgreSQL URL (emptied!) instead of a SQLite file")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=0.25, help="seconds between two clicks")
    parser.add_argument("--hang", type=float, default=8.0, help="seconds the stand-in holds chat.update")
    parser.add_argument("--lock", type=float, default=10.0, help="seconds the SQLite write lock is held")
    parser.add_argument("--workdir", type=Path, default=Path("bench-data") / "ack-time")
    args = parser.parse_args()

    sqlite_path = (args.workdir / "ack.db").resolve()
    engine = fresh_postgres(args.pg_url) if args.pg_url else fresh_sqlite(sqlite_path)
    url = engine.url.render_as_string(hide_password=False)
    ids = seed(engine, args.clicks + 1)
    with SlackStandIn() as slack:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "DATABASE_URL": url,
        }
        server = Server(env=env, cwd=args.workdir / "cwd", log=args.workdir / "serve.log")
        try:
            app = signing.AppClient(
                server.url, signing_secret=signing.SIGNING_SECRET, response_url=slack.response_url
            )
            slow_slack(app, slack, engine, ids[:-1], args)
            if not args.pg_url:
                locked_database(app, slack, sqlite_path, ids[-1], args.lock)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
