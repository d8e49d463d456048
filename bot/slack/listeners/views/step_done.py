"""The "Mark done" and "Skip" modals submitted: validate per field, record once, schedule the next review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.domain.playbooks import Step
from bot.models import PlaybookStep
from bot.services import steps
from bot.slack.blocks.common import context
from bot.slack.ids import CallbackId, FieldId, ModalContext, step_block_id
from bot.slack.listeners.actions.steps import closed_note
from bot.slack.listeners.actions.where import Click
from bot.slack.surfaces import authorised_account

MAX_OUTCOME = 300


def register(app: App) -> None:
    app.view(CallbackId.STEP_DONE_MODAL)(handle_step_done)
    app.view(CallbackId.STEP_SKIP_MODAL)(handle_step_done)


def field(values: dict[str, Any], block_id: str) -> str:
    element = (values.get(block_id) or {}).get("value") or {}
    return (element.get("value") or "").strip()


def checked(values: dict[str, Any], block_id: str) -> bool:
    element = (values.get(block_id) or {}).get("value") or {}
    return bool(element.get("selected_options"))


def validate(kind: Step, values: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """(errors per block id, the fields to record)."""
    errors: dict[str, str] = {}
    if kind is Step.MASTER_PLAN:
        outcomes = [field(values, b) for b in (FieldId.OUTCOME_1, FieldId.OUTCOME_2, FieldId.OUTCOME_3)]
        if not outcomes[0]:
            errors[FieldId.OUTCOME_1] = "Agree at least one outcome."
        for block_id, outcome in zip(
            (FieldId.OUTCOME_1, FieldId.OUTCOME_2, FieldId.OUTCOME_3), outcomes, strict=True
        ):
            if len(outcome) > MAX_OUTCOME:
                errors[block_id] = f"Keep an outcome under {MAX_OUTCOME} characters."
        return errors, {"agreed_outcomes": [o for o in outcomes if o]}
    results, next_outcomes = field(values, FieldId.RESULTS), field(values, FieldId.NEXT_OUTCOMES)
    if not results:
        errors[FieldId.RESULTS] = "Say which results you reviewed."
    if not next_outcomes:
        errors[FieldId.NEXT_OUTCOMES] = "Say which outcomes you agreed next."
    return errors, {
        "results_reviewed": results,
        "next_outcomes": next_outcomes,
        "expansion_found": checked(values, FieldId.EXPANSION),
    }


def handle_step_done(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    session: Session,
    settings: Settings,
    now: datetime,
) -> None:
    meta = ModalContext.model_validate_json(view.get("private_metadata") or "{}")
    user_id = body["user"]["id"]
    step = session.get(PlaybookStep, meta.step_id)
    if step is None:
        ack(response_action="errors", errors={_first_block(view): "This playbook step no longer exists."})
        return
    account, _, zone = authorised_account(
        session=session, user_id=user_id, account_id=step.account_id, settings=settings
    )
    today = now.astimezone(zone).date()
    values = view["state"]["values"]
    if view.get("callback_id") == CallbackId.STEP_SKIP_MODAL:
        ack()
        reason = field(values, FieldId.SKIP_REASON)[:500] or None
        # A resubmitted modal finds the step closed and records nothing more.
        if steps.skip(session=session, step=step, by=user_id, now=now, today=today, reason=reason):
            session.commit()
    else:
        errors, fields = validate(Step(step.step), values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if steps.complete(
            session=session,
            step=step,
            account=account,
            by=user_id,
            now=now,
            today=today,
            cadence=settings.review_cadence_days,
            **fields,
        ):
            session.commit()
    click = Click(user_id=user_id, channel=meta.channel, ts=meta.ts, shown=[], text=None, trigger_id=None)
    note = context(closed_note(step, zone)).to_dict()
    click.show(
        session=session,
        client=client,
        settings=settings,
        now=now,
        block_id=step_block_id(meta.step_id),
        note=note,
    )


def _first_block(view: dict[str, Any]) -> str:
    blocks = [b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"]
    return blocks[0] if blocks else FieldId.OUTCOME_1
