"""The morning round: per team, one channel post and one DM per CSM with something to act on.

`bot.jobs.compose` decides what each recipient gets; `bot.jobs.deliver` sends it, at most once;
`bot.jobs.rounds` records whether each team's round went out today, so a clock that starts late
catches up (`catch_up`) and a definite failure is tried again later the same day.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.db import session_scope
from bot.domain import weekdays
from bot.jobs import rounds
from bot.jobs.compose import plan_team, select_teams
from bot.jobs.deliver import RoundSummary, deliver, describe
from bot.plaintext import plural
from bot.services import teams
from bot.services.usage import MedianMemo

log = logging.getLogger(__name__)


def morning_round(
    *,
    engine: Engine,
    client: WebClient,
    now: datetime,
    settings: Settings,
    team_name: str | None = None,
    stop: threading.Event | None = None,
) -> RoundSummary:
    """Every team's round now (or one team's), whatever was sent before: nothing goes twice."""
    total = RoundSummary()
    take = _team_rounds(engine=engine, client=client, now=now, settings=settings, stop=stop)
    for team_id, _name in _teams(engine, team_name):
        if stop is not None and stop.is_set():
            break
        part = take(team_id=team_id, force=True)
        if part is not None:
            total.merge(part)
    return total


def catch_up(
    *,
    engine: Engine,
    client: WebClient,
    now: datetime,
    settings: Settings,
    stop: threading.Event | None = None,
) -> Iterator[tuple[str, RoundSummary]]:
    """The round of each team whose post time has passed today and whose round has not gone out
    (or failed definitely and is due again): what a clock does on start and every few minutes."""
    take = _team_rounds(engine=engine, client=client, now=now, settings=settings, stop=stop)
    for team_id, name in _teams(engine, None):
        if stop is not None and stop.is_set():
            return
        try:
            with session_scope(engine) as session:
                team = teams.get_team(session=session, team_id=team_id)
                if team is None:
                    continue
                where = rounds.standing(session=session, team=team, now=now, settings=settings)
            if where.due in (rounds.Due.OFF_DAY, rounds.Due.TOO_LATE):
                _pass_over(engine=engine, team_id=team_id, name=name, where=where, now=now, settings=settings)
                continue
        except Exception:  # noqa: BLE001 - one team's trouble never stops the next team
            log.exception("team %s: cannot tell whether its round is due", name)
            continue
        if where.due is rounds.Due.NOW:
            part = take(team_id=team_id, force=False)
            if part is not None:
                yield name, part


def _pass_over(
    *, engine: Engine, team_id: int, name: str, where: rounds.Standing, now: datetime, settings: Settings
) -> None:
    """Say once per team and day why the clock sends no round today, and when the next one goes."""
    if where.due is rounds.Due.OFF_DAY:
        why = f"{where.local.now:%A} is not a working day (POST_DAYS={weekdays.describe(settings.post_days)})"
    else:
        why = (
            f"it is {where.local.now:%H:%M}, more than {plural(settings.catch_up_hours, 'hour')} "
            "after the post time (CATCH_UP_HOURS)"
        )
    if rounds.pass_over(engine=engine, team_id=team_id, day=where.local.today, now=now, why=why):
        log.info(
            "team %s: no round today: %s; the next one goes %s",
            name,
            why,
            f"{where.next_post:%a %d %b %H:%M} {where.next_post.tzinfo}",
        )


def _team_rounds(
    *, engine: Engine, client: WebClient, now: datetime, settings: Settings, stop: threading.Event | None
) -> Callable[..., RoundSummary | None]:
    """`run_team` with what every team of one pass shares, the workspace's median ratio included."""
    memo: MedianMemo = {}
    return partial(run_team, engine=engine, client=client, now=now, settings=settings, stop=stop, memo=memo)


def _teams(engine: Engine, team_name: str | None) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        return [
            (t.id, t.name) for t in select_teams(session=session, team_name=team_name) if t.id is not None
        ]


def run_team(
    *,
    engine: Engine,
    client: WebClient,
    team_id: int,
    now: datetime,
    settings: Settings,
    stop: threading.Event | None,
    force: bool,
    memo: MedianMemo | None = None,
) -> RoundSummary | None:
    """One team's round, isolated: whatever fails is in the summary, never raised. None when the
    round was not taken (done, running elsewhere, not due again yet)."""
    now = now.astimezone(UTC)  # stored moments are compared as UTC, on SQLite too
    summary = RoundSummary()
    try:
        with session_scope(engine) as session:
            team = teams.get_team(session=session, team_id=team_id)
            if team is None:
                return None
            name = team.name
            day = rounds.local_date(session=session, team=team, now=now)
        if not rounds.begin(engine=engine, team_id=team_id, day=day, now=now, force=force):
            return None
    except Exception as exc:  # noqa: BLE001 - no record taken: the next catch-up tries again
        log.exception("team %s: the round could not start", team_id)
        summary.note(
            "failed", f"team {team_id}", f"the round could not start ({describe(exc)}); tried again later"
        )
        summary.retry = True
        return summary
    try:
        with session_scope(engine) as session:
            team = teams.get_team(session=session, team_id=team_id)
            assert team is not None
            plan = plan_team(session=session, team=team, now=now, settings=settings, memo=memo)
    except Exception as exc:  # noqa: BLE001 - one team's failure never stops the next team
        log.exception("team %s: the round could not be composed", name)
        summary.failures.append(f"team {name}: not composed ({describe(exc)}); tried again later")
        summary.retry = True
    else:
        if plan.feed.stale:
            summary.stale.append(plan.team)
        summary.failures.extend(plan.unsent)
        for out in plan.outgoing:
            if stop is not None and stop.is_set():
                summary.note("not started")
                summary.retry = True  # the next clock sends it
                continue
            deliver(engine=engine, client=client, out=out, now=now, summary=summary)
    try:
        rounds.end(engine=engine, team_id=team_id, day=day, now=now, summary=summary)
    except Exception:  # noqa: BLE001 - left `running`: a later catch-up takes it again, safely
        log.exception("team %s: the round's outcome could not be recorded", name)
    return summary
