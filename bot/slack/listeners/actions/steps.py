"""Mark done / Snooze a week / Skip on a playbook step: authorised, idempotent, acted on in place.

A click does one of three things: says the step was already closed (showing it closed), opens the form
the step needs (Skip, and Mark done on a master plan or a review), or records the step done or snoozed.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlmodel import Session

from bot.domain.playbooks import Step
from bot.errors import UserFacingError
from bot.models import PlaybookStep, StepStatus
from bot.services import steps
from bot.services.access import Authorised, authorised_account
from bot.slack.blocks.common import context, escape
from bot.slack.blocks.steps import closed_note, done_modal, skip_modal
from bot.slack.ids import ActionId, ModalContext, StepRef, step_block_id
from bot.slack.interactions import ButtonClick
from bot.slack.message_edit import Place, stage_note
from bot.slack.work import Effects, OpenModal, Scope, Tell, acknowledge, after_ack


def register(app: App) -> None:
    for action_id in (ActionId.STEP_DONE, ActionId.STEP_SNOOZE, ActionId.STEP_SKIP):
        app.action(action_id)(ack=acknowledge, lazy=[after_ack(ButtonClick.of, step_click)])


def open_step(
    session: Session, *, step_id: int, user_id: str, scope: Scope
) -> tuple[PlaybookStep, Authorised]:
    """The step, and its account with its local time, if `user_id` may act on it; else a refusal."""
    step = session.get(PlaybookStep, step_id)
    if step is None:
        raise UserFacingError("This playbook step no longer exists; nothing was recorded.")
    allowed = authorised_account(
        session=session, user_id=user_id, account_id=step.account_id, settings=scope.settings, now=scope.now
    )
    return step, allowed


def step_line(
    session: Session, *, step: PlaybookStep, place: Place, user_id: str, note: str, scope: Scope
) -> Effects:
    """The step's line where the user acted becomes `note` (or App Home is redrawn)."""
    shown = stage_note(
        session=session,
        place=place,
        user_id=user_id,
        block_id=step_block_id(step.id or 0),
        note=context(note).to_dict(),
        settings=scope.settings,
        now=scope.now,
    )
    return [shown] if shown is not None else []


def step_click(session: Session, click: ButtonClick, scope: Scope) -> Effects:
    ref = click.ref(StepRef)
    step, allowed = open_step(session, step_id=ref.step_id, user_id=click.user_id, scope=scope)
    if step.status != StepStatus.OPEN:
        return already_closed(session, click, step, allowed, scope)
    if click.action_id == ActionId.STEP_SKIP or (
        click.action_id == ActionId.STEP_DONE and Step(step.step).needs_form
    ):
        return [open_form(click, step, allowed)]
    return record_click(session, click, step, allowed, scope)


def already_closed(
    session: Session, click: ButtonClick, step: PlaybookStep, allowed: Authorised, scope: Scope
) -> Effects:
    """A second click (or one on an old message): the line shows the step closed, and the user hears who."""
    note = closed_note(step, allowed.zone)
    line = step_line(session, step=step, place=click.place, user_id=click.user_id, note=note, scope=scope)
    name = escape(allowed.account.name)
    return [*line, Tell(f"{name}: that step was already {step.status} by <@{step.completed_by}>.")]


def open_form(click: ButtonClick, step: PlaybookStep, allowed: Authorised) -> OpenModal:
    """Skip asks why; Mark done on a master plan or a review asks for what was agreed."""
    where = ModalContext(step_id=step.id or 0, channel=click.place.channel, ts=click.place.ts)
    form = skip_modal if click.action_id == ActionId.STEP_SKIP else done_modal
    return OpenModal(click.trigger_id, form(step, allowed.account, where))


def mark_done(
    session: Session, step: PlaybookStep, allowed: Authorised, *, by: str, scope: Scope, **fields: Any
) -> None:
    """The step done (once), with what its form recorded; the next review scheduled."""
    steps.complete(
        session=session,
        step=step,
        account=allowed.account,
        by=by,
        now=scope.now,
        today=allowed.today,
        cadence=scope.settings.review_cadence_days,
        **fields,
    )


def record_click(
    session: Session, click: ButtonClick, step: PlaybookStep, allowed: Authorised, scope: Scope
) -> Effects:
    """Mark done (a step with no form) or Snooze a week, recorded and shown in place."""
    if click.action_id == ActionId.STEP_DONE:
        mark_done(session, step, allowed, by=click.user_id, scope=scope)
        note = closed_note(step, allowed.zone)
    else:
        steps.snooze(session=session, step=step, today=allowed.today, days=scope.settings.snooze_days)
        note = f":zzz: Snoozed until {step.snoozed_until:%a %-d %b} — <@{click.user_id}>"
    return step_line(session, step=step, place=click.place, user_id=click.user_id, note=note, scope=scope)
