"""The morning round: per team, one channel post and one DM per CSM with something to act on.

`bot.jobs.compose` decides what each recipient gets; `bot.jobs.deliver` sends it, at most once.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.jobs.compose import plan_round
from bot.jobs.deliver import RoundSummary, deliver


def morning_round(
    *, engine: Engine, client: WebClient, now: datetime, settings: Settings, team_name: str | None = None
) -> RoundSummary:
    plans = plan_round(engine=engine, now=now, settings=settings, team_name=team_name, commit=True)
    summary = RoundSummary(stale=[p.team for p in plans if p.feed.stale])
    for plan in plans:
        for out in plan.outgoing:
            deliver(engine=engine, client=client, out=out, now=now, summary=summary)
    return summary
