"""An applied plan's handoff DMs: one per CSM concerned, each claimed before it is sent (at most once).

The claim's key is the application and the recipient: its date is the day the plan was applied (in
UTC), never the day of sending, so a retry on a later day finds the DMs already claimed. What Slack
refused definitely (`failed`: a 429 beyond its Retry-After, a refused connection) the clock's catch-up
claims again (`retry_failed_handoffs`); what is in doubt is never sent again.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.jobs.compose import Outgoing
from bot.jobs.deliver import MAX_ATTEMPTS, RoundSummary, deliver
from bot.models import (
    PLAN_HANDOFF_PREFIX,
    Delivery,
    DeliveryStatus,
    PlanApplication,
    handoff_application,
    plan_handoff_kind,
)
from bot.services import teams
from bot.services.plan_handoff import handoffs
from bot.slack.blocks.plan import handoff_dm

# How long after its last attempt a handoff Slack refused is still worth sending.
RETRY_WITHIN = timedelta(days=1)


def application_day(record: PlanApplication) -> date:
    """The day a plan was applied, in UTC: fixed for good, whatever the team's zone becomes."""
    applied = record.applied_at
    return (applied.astimezone(UTC) if applied.tzinfo else applied).date()


def handoff_messages(*, engine: Engine, application_id: int) -> list[Outgoing]:
    with session_scope(engine) as session:
        record = session.get(PlanApplication, application_id)
        team = teams.get_team(session=session, team_id=record.team_id) if record else None
        if record is None or team is None or team.id is None:
            return []
        return [
            Outgoing(
                kind=plan_handoff_kind(application_id),
                recipient=note.user_id,
                team_id=team.id,
                local_date=application_day(record),
                title=f"DM to {note.user_id}: plan handoff",
                message=handoff_dm(note, team_name=team.name, applied_by=record.applied_by),
            )
            for note in handoffs(session=session, record=record)
        ]


def send_handoffs(*, engine: Engine, client: WebClient, application_id: int, now: datetime) -> RoundSummary:
    """Send each DM not sent yet; call only after the application is committed."""
    summary = RoundSummary()
    for out in handoff_messages(engine=engine, application_id=application_id):
        deliver(engine=engine, client=client, out=out, now=now, summary=summary)
    return summary


def retry_failed_handoffs(
    *, engine: Engine, client: WebClient, now: datetime, stop: threading.Event | None = None
) -> RoundSummary:
    """Claim again, each under its own key, the handoff DMs Slack refused definitely in the last day."""
    now = now.astimezone(UTC)  # stored moments are compared as UTC, on SQLite too
    with session_scope(engine) as session:
        rows = session.exec(
            select(col(Delivery.kind), col(Delivery.recipient), col(Delivery.local_date)).where(
                col(Delivery.kind).startswith(PLAN_HANDOFF_PREFIX),
                col(Delivery.status) == DeliveryStatus.FAILED,
                col(Delivery.attempts) < MAX_ATTEMPTS,
                col(Delivery.claimed_at) >= now - RETRY_WITHIN,
            )
        ).all()
    failed: dict[int, dict[str, date]] = defaultdict(dict)
    for kind, recipient, day in rows:
        application_id = handoff_application(kind)
        if application_id is not None:
            failed[application_id][recipient] = day
    summary = RoundSummary()
    for application_id, days in sorted(failed.items()):
        for out in handoff_messages(engine=engine, application_id=application_id):
            if stop is not None and stop.is_set():
                return summary
            if out.recipient in days:
                # The row's own day: a row claimed before handoffs were keyed by the application's day
                # is retried as itself, never claimed anew.
                again = replace(out, local_date=days[out.recipient])
                deliver(engine=engine, client=client, out=again, now=now, summary=summary)
    return summary
