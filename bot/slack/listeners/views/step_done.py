"""The "Mark done" and "Skip" modals submitted: validate per field, record once, schedule the next review."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from bot.domain.playbooks import Step
from bot.errors import UserFacingError
from bot.services import steps
from bot.slack.blocks.steps import closed_note
from bot.slack.ids import CallbackId, FieldId, ModalContext
from bot.slack.interactions import ModalSubmit
from bot.slack.listeners.actions.steps import mark_done, open_step, step_line
from bot.slack.message_edit import Place
from bot.slack.work import Effects, Scope, after_ack, check_form

MAX_OUTCOME = 300


def register(app: App) -> None:
    for callback_id in (CallbackId.STEP_DONE_MODAL, CallbackId.STEP_SKIP_MODAL):
        app.view(callback_id)(ack=check_form(form_errors), lazy=[after_ack(ModalSubmit.of, record_form)])


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


def form_errors(view: dict[str, Any]) -> dict[str, str]:
    """The form's errors, from its fields alone (a skip's reason is optional: it has none)."""
    if view.get("callback_id") == CallbackId.STEP_SKIP_MODAL:
        return {}
    errors, _ = validate(form_kind(view["state"]["values"]), view["state"]["values"])
    return errors


def form_kind(values: dict[str, Any]) -> Step:
    """A master plan's form asks for outcomes; a review's for results (Slack sends every input's block)."""
    return Step.MASTER_PLAN if FieldId.OUTCOME_1 in values else Step.REVIEW


def record_form(session: Session, submit: ModalSubmit, scope: Scope) -> Effects:
    """The form recorded once (a resubmitted modal finds the step closed and records nothing more), and
    the step's line shown closed in the message the modal was opened from, or App Home redrawn."""
    meta = ModalContext.model_validate_json(submit.metadata)
    user_id, now, values = submit.user_id, scope.now, submit.values
    step, allowed = open_step(session, step_id=meta.step_id, user_id=user_id, scope=scope)
    if submit.callback_id == CallbackId.STEP_SKIP_MODAL:
        reason = field(values, FieldId.SKIP_REASON)[:500] or None
        steps.skip(session=session, step=step, by=user_id, now=now, today=allowed.today, reason=reason)
    else:
        errors, fields = validate(Step(step.step), values)
        if errors:
            raise UserFacingError("That form is not the one this step needs; nothing was recorded.")
        mark_done(session, step, allowed, by=user_id, scope=scope, **fields)
    place = Place(channel=meta.channel, ts=meta.ts)
    return step_line(
        session, step=step, place=place, user_id=user_id, note=closed_note(step, allowed.zone), scope=scope
    )
