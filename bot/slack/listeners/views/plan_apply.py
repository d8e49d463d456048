"""The plan's confirmation submitted: applied once in one transaction, then a DM to each CSM concerned.

The ack (which answers the modal) comes after the commit; the DMs are sent after the ack, by a lazy
listener, each claimed before it is sent, so a resubmit or a retry never sends one twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient
from sqlmodel import Session

from bot.config import Settings
from bot.db import session_scope
from bot.services import localtime, teams
from bot.services import plan as plans
from bot.services.access import may_plan
from bot.slack.blocks.common import escape, plural
from bot.slack.blocks.plan import REFUSED, STALE_NOTE, applied_words, plan_modal, result_modal
from bot.slack.ids import CallbackId, PlanRef
from bot.slack.payload import acting_user
from bot.slack.plan_dms import send_handoffs
from bot.slack.work import Scope


def register(app: App) -> None:
    app.view(CallbackId.PLAN_APPLY_MODAL)(ack=apply_plan, lazy=[tell_the_csms])


def apply_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any], scope: Scope) -> None:
    """The submit applies the plan in one transaction, committed before the modal says so."""
    with session_scope(scope.engine) as session:
        answer = applied_view(session=session, body=body, view=view, settings=scope.settings, now=scope.now)
    ack(response_action="update", view=answer)


def applied_view(
    *, session: Session, body: dict[str, Any], view: dict[str, Any], settings: Settings, now: datetime
) -> View:
    ref = PlanRef.model_validate_json(view.get("private_metadata") or "{}")
    user_id = acting_user(body)
    team = teams.get_team(session=session, team_id=ref.team_id)
    if team is None or not may_plan(session=session, user_id=user_id, team=team, settings=settings):
        return result_modal(REFUSED)
    local = localtime.for_team(team, session=session, now=now)
    try:
        result = plans.apply(
            session=session,
            team=team,
            shown=ref.fingerprint,
            by=user_id,
            now=now,
            today=local.today,
            settings=settings,
        )
    except plans.BooksChanged as changed:
        session.rollback()
        return result_modal(str(changed))
    if result.outcome is plans.Outcome.STALE:
        fresh = PlanRef(
            team_id=ref.team_id, fingerprint=result.current.fingerprint, response_url=ref.response_url
        )
        return plan_modal(result.current, fresh, note=STALE_NOTE)
    assert result.record is not None
    if result.outcome is plans.Outcome.ALREADY:
        return result_modal(applied_words(result.record, local.zone))
    moved = len(plans.moves_of(result.record))
    return result_modal(
        f"Applied: {plural(moved, 'account')} of team *{escape(team.name)}* moved. "
        "Each CSM concerned gets a DM with what they take over or hand over."
    )


def tell_the_csms(body: dict[str, Any], view: dict[str, Any], client: WebClient, scope: Scope) -> None:
    """Lazy, after the commit and the ack: the handoff DMs of the plan this modal applied."""
    ref = PlanRef.model_validate_json(view.get("private_metadata") or "{}")
    engine, now = scope.engine, scope.now
    with session_scope(engine) as session:
        record = plans.already_applied(session=session, fingerprint=ref.fingerprint)
        if record is None or record.applied_by != acting_user(body) or record.id is None:
            return
        application_id = record.id
    summary = send_handoffs(engine=engine, client=client, application_id=application_id, now=now)
    first_time = summary.outcomes["sent"] + summary.outcomes["failed"] > 0
    if ref.response_url and first_time:  # the plan shown in the channel becomes what happened to it
        WebhookClient(ref.response_url).send(
            text=f"<@{record.applied_by}> applied this plan.",
            replace_original=True,
            response_type="ephemeral",
        )
