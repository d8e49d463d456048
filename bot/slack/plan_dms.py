"""An applied plan's handoff DMs: one per CSM concerned, each claimed before it is sent (at most once)."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.db import session_scope
from bot.jobs.compose import Outgoing
from bot.jobs.deliver import RoundSummary, deliver
from bot.models import PlanApplication, plan_handoff_kind
from bot.services import localtime, teams
from bot.services.plan_handoff import handoffs
from bot.slack.blocks.plan import handoff_dm


def handoff_messages(*, engine: Engine, application_id: int, now: datetime) -> list[Outgoing]:
    with session_scope(engine) as session:
        record = session.get(PlanApplication, application_id)
        team = teams.get_team(session=session, team_id=record.team_id) if record else None
        if record is None or team is None or team.id is None:
            return []
        today = localtime.for_team(team, session=session, now=now).today
        return [
            Outgoing(
                # One claim per plan and CSM: a resubmit or a second click finds it taken.
                kind=plan_handoff_kind(application_id),
                recipient=note.user_id,
                team_id=team.id,
                local_date=today,
                title=f"DM to {note.user_id}: plan handoff",
                message=handoff_dm(note, team_name=team.name, applied_by=record.applied_by),
            )
            for note in handoffs(session=session, record=record)
        ]


def send_handoffs(*, engine: Engine, client: WebClient, application_id: int, now: datetime) -> RoundSummary:
    """Send each DM not sent yet; call only after the application is committed."""
    summary = RoundSummary()
    for out in handoff_messages(engine=engine, application_id=application_id, now=now):
        deliver(engine=engine, client=client, out=out, now=now, summary=summary)
    return summary
