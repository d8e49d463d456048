"""The Slack side of benchmarks/run.py: the morning round against the stand-in, and signed slash commands."""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import col, select

from benchmarks._harness import Finished, Server, run_cli
from bot.db import session_scope
from bot.models import Delivery, Person, Role
from bot.services import teams
from bot.slack.blocks import help as help_blocks
from tests.support import signing
from tests.support.slack_standin import BOT_TOKEN, SlackStandIn

CONTENT_REFUSALS = {"msg_blocks_too_long", "invalid_blocks", "no_text"}
POST = "chat.postMessage"
# Slack: chat.postMessage about 1 message a second per channel, short bursts allowed.
MESSAGE_PACE = (1.0, 3)  # per second, burst (per channel)
REQUEST_TIMEOUT = 60.0
# A server that stalls gets this many answers slower than STALL_SECONDS, then the command is left.
STALL_SECONDS, MAX_STALLS = 5.0, 3


def set_up_channels(engine: Engine) -> list[str]:
    """Give every team a channel (and the 09:00 post time), as `csm-coach team set` does; their names."""
    with session_scope(engine) as session:
        named = []
        for n, team in enumerate(teams.all_teams(session=session)):
            teams.configure(
                session=session, name=team.name, channel=f"C0BENCH{n:04d}", post_time="09:00", timezone=None
            )
            named.append(team.name)
    return named


def clear_deliveries(engine: Engine) -> int:
    """Forget what the last round sent, so the next one sends it all again."""
    with session_scope(engine) as session:
        return session.exec(delete(Delivery)).rowcount  # type: ignore[call-overload,no-any-return]


@dataclass(frozen=True)
class Size:
    blocks: int
    chars: int  # characters of blocks JSON, as slack_sdk sends them
    buttons: int  # items with buttons (actions blocks)

    @classmethod
    def of(cls, blocks: list[dict[str, Any]]) -> Size:
        return cls(len(blocks), len(json.dumps(blocks)), sum(1 for b in blocks if b.get("type") == "actions"))


@dataclass(frozen=True)
class Round:
    label: str
    seconds: float
    peak_mb: float
    summary: str  # the line `digest` printed
    messages: int  # chat.postMessage answered ok
    rate_limited: int  # calls answered 429
    floor_seconds: float  # the least time the enforced pace allows for these calls (0: no pace)
    largest: Size = field(default_factory=lambda: Size(0, 0, 0))  # the largest message posted
    most_buttons: int = 0  # the most items with buttons in one DM
    refused: int = 0  # posts the stand-in refused as Slack would (msg_blocks_too_long, invalid_blocks, …)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def morning_round(
    slack: SlackStandIn, *, label: str, at: datetime, env: dict[str, str], cwd: Path, log: Path
) -> Round:
    """`csm-coach digest --at AT` as a subprocess against the stand-in; what reached the stand-in."""
    slack.clear()
    finished = run_cli("digest", "--at", at.isoformat(), env=env, cwd=cwd, log=log)
    summary = _summary_line(finished)
    if finished.returncode != 3:  # 3: the round ran, and some messages failed (the summary says which)
        finished.check()
    calls = slack.calls()
    posts = [c for c in calls if c.method == POST and c.ok]
    sizes = [Size.of(c.blocks) for c in posts]
    dms = [size for size, c in zip(sizes, posts, strict=True) if str(c.param("channel", "")).startswith("U")]
    return Round(
        label=label,
        seconds=finished.seconds,
        peak_mb=finished.peak_mb,
        summary=summary,
        messages=len(posts),
        rate_limited=sum(1 for c in calls if c.status == 429),
        floor_seconds=0.0,
        largest=max(sizes, key=lambda size: size.chars, default=Size(0, 0, 0)),
        most_buttons=max((size.buttons for size in dms), default=0),
        refused=sum(1 for c in calls if c.method == POST and c.answer.get("error") in CONTENT_REFUSALS),
    )


def _summary_line(finished: Finished) -> str:
    lines = [line for line in finished.output.splitlines() if line.startswith("Morning round")]
    return lines[-1] if lines else finished.output.strip().splitlines()[-1] if finished.output.strip() else ""


def pace_floor(slack_calls: Counter[str], paces: dict[str, tuple[float, int, bool]]) -> float:
    """The least seconds the paces allow: per key (channel, or all), (calls - burst) / rate."""
    floor = 0.0
    for key, n in slack_calls.items():
        method = key.split(" ", 1)[0]
        rate, burst, _ = paces[method]
        floor = max(floor, max(0, n - burst) / rate)
    return floor


def paced_round(
    slack: SlackStandIn,
    *,
    label: str,
    at: datetime,
    env: dict[str, str],
    cwd: Path,
    log: Path,
) -> Round:
    """The round again with the stand-in holding chat.postMessage to Slack's pace."""
    paces: dict[str, tuple[float, int, bool]] = {POST: (*MESSAGE_PACE, True)}
    for method, (rate, burst, per_channel) in paces.items():
        slack.pace(method, per_second=rate, burst=burst, per_channel=per_channel)
    try:
        result = morning_round(slack, label=label, at=at, env=env, cwd=cwd, log=log)
        keys: Counter[str] = Counter()
        for call in slack.calls():
            if call.method in paces and call.ok:
                per_channel = paces[call.method][2]
                keys[f"{call.method} {call.param('channel') if per_channel else ''}"] += 1
    finally:
        slack.reset()
    return replace(result, floor_seconds=pace_floor(keys, paces))


# slash commands over signed HTTP --------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    command: str
    requests: int
    users: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    failed: int  # answers that were wrong or missing
    first_failure: str
    stalled: bool  # left before `requests`: the server stalled (MAX_STALLS answers over STALL_SECONDS)


def people_with(engine: Engine, role: Role) -> list[str]:
    with session_scope(engine) as session:
        found = session.exec(
            select(Person.slack_user_id)
            .where(Person.role == role.value, col(Person.active).is_(True))
            .order_by(col(Person.id))
        ).all()
    return list(found)


def slash_latency(
    server_url: str, command: str, users: list[str], *, requests: int, rng: random.Random, response_url: str
) -> Latency:
    """`requests` signed slash commands, one at a time, from users picked in turn from a shuffled list."""
    order = users[:]
    rng.shuffle(order)
    for user in order[:5]:  # warm-up: first imports, first connections; not counted
        _ask(server_url, command, user, response_url)
    seconds: list[float] = []
    failed, first_failure, stalled = 0, "", False
    for n in range(requests):
        user = order[n % len(order)]
        started = time.perf_counter()
        problem = _ask(server_url, command, user, response_url)
        seconds.append(time.perf_counter() - started)
        if problem:
            failed += 1
            first_failure = first_failure or f"{command} as {user}: {problem}"
        if sum(1 for s in seconds if s > STALL_SECONDS) >= MAX_STALLS:
            stalled = True
            break
    ms = sorted(s * 1000 for s in seconds)
    return Latency(
        command=command,
        requests=len(seconds),
        users=min(len(order), len(seconds)),
        p50_ms=statistics.median(ms),
        p99_ms=ms[min(len(ms) - 1, math.ceil(0.99 * len(ms)) - 1)],
        max_ms=ms[-1],
        failed=failed,
        first_failure=first_failure,
        stalled=stalled,
    )


_REFUSALS = frozenset(
    {help_blocks.not_in_roster("U0").text, help_blocks.VIEW_REFUSED.text, help_blocks.TEAMLOAD_REFUSED.text}
)


def _ask(server_url: str, command: str, user: str, response_url: str) -> str:
    """Send one signed slash command as Slack would; '' when the answer is right, else what was wrong."""
    body = signing.slash_command(command, "", user, response_url=response_url)
    headers = signing.signed_headers(body, signing.SIGNING_SECRET)
    try:
        # Longer than the server's own waits (a pool checkout gives up after 30 s), so a stall is timed.
        answer = signing.post(server_url + "/slack/events", body, headers, timeout=REQUEST_TIMEOUT)
    except OSError as exc:  # URLError and timeouts included
        return f"no answer: {exc!r}"
    return _problem(answer)


def _problem(answer: signing.HttpResponse) -> str:
    """Why an answer is not a book or a team view; '' when it is."""
    if answer.status != 200:
        return f"HTTP {answer.status}: {answer.text[:200]}"
    try:
        body = answer.json()
    except ValueError:
        return f"not JSON: {answer.text[:200]}"
    if not isinstance(body, dict) or not body.get("blocks"):
        return f"no blocks: {answer.text[:200]}"
    text = str(body.get("text", ""))
    if text in _REFUSALS or "something went wrong" in text:
        return f"answered {text!r}"
    return ""


@dataclass(frozen=True)
class Served:
    myload: Latency
    teamload: Latency
    startup_seconds: float
    rss_after_start_mb: float
    peak_mb: float


def serve_load(
    engine: Engine,
    slack: SlackStandIn,
    *,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    requests: int,
    seed: int,
) -> Served:
    """`csm-coach serve`, then /myload from CSMs and /teamload from managers; its peak memory after."""
    csms, managers = people_with(engine, Role.CSM), people_with(engine, Role.MANAGER)
    server = Server(env={**env, "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET}, cwd=cwd, log=log)
    try:
        rss_at_start = server.rss_mb()
        rng, answers = random.Random(seed), slack.response_url("command")
        myload = slash_latency(server.url, "/myload", csms, requests=requests, rng=rng, response_url=answers)
        teamload = slash_latency(
            server.url, "/teamload", managers, requests=requests, rng=rng, response_url=answers
        )
        peak = server.peak_mb()
    finally:
        server.stop()
    return Served(myload, teamload, server.startup_seconds, rss_at_start, peak)


def digest_moment(today: date, now: datetime) -> datetime:
    """Noon UTC: the same local date, `today`, from Los Angeles (UTC-8) to Sydney (UTC+11); or `now`, if
    noon has not come yet (`digest --at` refuses a future moment), which is still `today` in those zones
    but for the last hours of the UTC day."""
    return min(datetime.fromisoformat(f"{today.isoformat()}T12:00:00+00:00"), now)


def slack_env(slack: SlackStandIn, database_url: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.base_url, "DATABASE_URL": database_url}
