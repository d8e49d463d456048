"""The plan's confirmation submitted: applied once in one transaction, then a DM to each CSM concerned.

The ack (which answers the modal) comes after the commit, and whatever fails answers the modal too
(`answer_modal`); the DMs are sent after the ack, by a lazy listener on the one error path, each
claimed before it is sent, so a resubmit or a retry never sends one twice.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.services import localtime, teams
from bot.services import plan as plans
from bot.services.access import may_plan
from bot.slack.blocks.common import escape, plural
from bot.slack.blocks.plan import REFUSED, STALE_NOTE, applied_words, plan_modal, result_modal
from bot.slack.ids import CallbackId, PlanRef
from bot.slack.interactions import ModalSubmit
from bot.slack.work import Effects, Scope, SendHandoffs, after_ack, answer_modal

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(CallbackId.PLAN_APPLY_MODAL)(
        ack=answer_modal(ModalSubmit.of, applied_view, failed=result_modal),
        lazy=[after_ack(ModalSubmit.of, tell_the_csms)],
    )


def applied_view(session: Session, submit: ModalSubmit, scope: Scope) -> View:
    """What the modal says once the plan is applied (or found applied, or stale). The books changing
    under the apply raises `BooksChanged`: the transaction rolls back and the modal says so."""
    ref = PlanRef.model_validate_json(submit.metadata)
    user_id, settings, now = submit.user_id, scope.settings, scope.now
    team = teams.get_team(session=session, team_id=ref.team_id)
    if team is None or not may_plan(session=session, user_id=user_id, team=team, settings=settings):
        return result_modal(REFUSED)
    local = localtime.for_team(team, session=session, now=now)
    result = plans.apply(
        session=session,
        team=team,
        shown=ref.fingerprint,
        by=user_id,
        now=now,
        today=local.today,
        settings=settings,
    )
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


def tell_the_csms(session: Session, submit: ModalSubmit, scope: Scope) -> Effects:
    """After the commit and the ack: the handoff DMs of the plan this modal applied."""
    ref = submit.context(PlanRef)
    if ref is None:
        return []  # not a plan of ours: the modal's own answer said so
    record = plans.already_applied(session=session, fingerprint=ref.fingerprint)
    if record is None or record.id is None or record.applied_by != submit.user_id:
        log.info("plan modal of %s: no application of theirs, so no handoff DMs", submit.user_id)
        return []
    return [
        SendHandoffs(application_id=record.id, applied_by=record.applied_by, response_url=ref.response_url)
    ]
