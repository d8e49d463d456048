"""The plan's confirmation submitted: applied once in one transaction, then a DM to each CSM concerned.

The ack (which answers the modal) comes after the commit, and whatever fails answers the modal too
(`work.answer_view`); the DMs are sent after the ack, by a lazy listener on the one error path, each
claimed before it is sent, so a resubmit or a retry never sends one twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import session_scope
from bot.outbox.report import DeliveryReport as RoundSummary
from bot.services import localtime, teams
from bot.services import plan as plans
from bot.services.access import may_plan
from bot.slack.blocks.common import escape, plural
from bot.slack.blocks.plan import REFUSED, STALE_NOTE, applied_words, plan_modal, result_modal
from bot.slack.client import make_round_client
from bot.slack.ids import CallbackId, PlanRef
from bot.slack.payload import acting_user
from bot.slack.plan_dms import send_handoffs
from bot.slack.work import Scope, Work, after_ack, answer_view

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(CallbackId.PLAN_APPLY_MODAL)(ack=apply_plan, lazy=[after_ack(tell_the_csms)])


def apply_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any], scope: Scope) -> None:
    """The submit applies the plan in one transaction, committed before the modal says so."""

    def applied() -> View:
        with session_scope(scope.engine) as session:
            return applied_view(session=session, body=body, view=view, settings=scope.settings, now=scope.now)

    answer_view(ack, body, applied, failed=result_modal)


def applied_view(
    *, session: Session, body: dict[str, Any], view: dict[str, Any], settings: Settings, now: datetime
) -> View:
    """What the modal says once the plan is applied (or found applied, or stale). The books changing
    under the apply raises `BooksChanged`: the transaction rolls back and the modal says so."""
    ref = PlanRef.model_validate_json(view.get("private_metadata") or "{}")
    user_id = acting_user(body)
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


@dataclass(frozen=True)
class AppliedNote:
    """The plan shown in the channel, replaced by what happened to it."""

    response_url: str
    applied_by: str

    def send(self, client: WebClient, engine: Engine) -> None:
        WebhookClient(self.response_url).send(
            text=f"<@{self.applied_by}> applied this plan.", replace_original=True, response_type="ephemeral"
        )


def tell_the_csms(work: Work) -> None:
    """After the commit and the ack: the handoff DMs of the plan this modal applied."""
    try:
        ref = PlanRef.model_validate_json(work.body["view"].get("private_metadata") or "{}")
    except ValidationError:
        return  # not a plan of ours: the modal's own answer said what went wrong
    with work.transaction() as session:
        record = plans.already_applied(session=session, fingerprint=ref.fingerprint)
        application_id = record.id if record is not None and record.applied_by == work.user_id else None
    if record is None or application_id is None:
        log.info("plan modal of %s: no application of theirs, so no handoff DMs", work.user_id)
        return
    # A 429 is waited out (Retry-After); what Slack still refuses, the clock's catch-up sends later.
    client = make_round_client(work.settings, token=work.client.token)
    summary = send_handoffs(
        engine=work.scope.engine, client=client, application_id=application_id, now=work.now
    )
    first_time = summary.outcomes["sent"] + summary.outcomes["failed"] > 0
    if ref.response_url and first_time:
        work.show(AppliedNote(ref.response_url, record.applied_by))
    if summary.failures:
        work.tell(
            "The plan is applied, but not every handoff DM went out: "
            f"{escape('; '.join(summary.failures))}. A definite refusal is tried again within minutes; "
            "a DM in doubt is not, so that nobody gets one twice."
        )
    log.info("plan application %s: handoff DMs: %s", application_id, outcomes(summary))


def outcomes(summary: RoundSummary) -> str:
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items())) or "none to send"
