"""An applied plan's handoff DMs: one per CSM concerned, each claimed before it is sent (at most once).

Each DM's key (`PlanHandoff`) is the application and the recipient: its date is the day the plan was
applied (in UTC), never the day of sending, so a retry on a later day finds the DMs already claimed.
What Slack refused definitely (`failed`: a 429 beyond its Retry-After, a refused connection) the
clock's catch-up claims again (`retry_failed_handoffs`); what is in doubt is never sent again.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.db import session_scope
from bot.models import PlanApplication
from bot.outbox.delivery import deliver, failed_since
from bot.outbox.outgoing import Outgoing, PlanHandoff
from bot.outbox.report import DeliveryReport
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
                key=PlanHandoff(application_id, note.user_id, application_day(record)),
                team_id=team.id,
                title=f"DM to {note.user_id}: plan handoff",
                message=handoff_dm(note, team_name=team.name, applied_by=record.applied_by),
            )
            for note in handoffs(session=session, record=record)
        ]


def send_handoffs(*, engine: Engine, client: WebClient, application_id: int, now: datetime) -> DeliveryReport:
    """Send each DM not sent yet; call only after the application is committed."""
    report = DeliveryReport("Plan handoff DMs")
    for out in handoff_messages(engine=engine, application_id=application_id):
        deliver(engine=engine, client=client, out=out, now=now, report=report)
    return report


def retry_failed_handoffs(
    *, engine: Engine, client: WebClient, now: datetime, stop: threading.Event | None = None
) -> DeliveryReport:
    """Claim again, each under its own key, the handoff DMs Slack refused definitely in the last day."""
    now = now.astimezone(UTC)  # stored moments are compared as UTC, on SQLite too
    failed: dict[int, dict[str, date]] = defaultdict(dict)
    for key in failed_since(engine=engine, family=PlanHandoff, since=now - RETRY_WITHIN):
        failed[key.application_id][key.user] = key.day
    report = DeliveryReport("Plan handoff DMs tried again")
    for application_id, days in sorted(failed.items()):
        for out in handoff_messages(engine=engine, application_id=application_id):
            if stop is not None and stop.is_set():
                return report
            if isinstance(out.key, PlanHandoff) and out.key.user in days:
                # The row's own day: a row claimed before handoffs were keyed by the application's day
                # is retried as itself, never claimed anew.
                again = replace(out, key=replace(out.key, day=days[out.key.user]))
                deliver(engine=engine, client=client, out=again, now=now, report=report)
    return report
