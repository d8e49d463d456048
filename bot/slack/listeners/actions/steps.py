"""Mark done / Snooze a week / Skip on a playbook step: authorised, idempotent, acted on in place."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.domain.playbooks import Step
from bot.errors import UserFacingError
from bot.models import PlaybookStep, StepStatus
from bot.services import steps
from bot.services.access import authorised_account
from bot.slack.blocks.common import context, escape
from bot.slack.blocks.steps import closed_note, done_modal, skip_modal
from bot.slack.click import Click, button_ref, button_value
from bot.slack.ids import ActionId, ModalContext, StepRef, step_block_id
from bot.slack.work import Shown, Work, acknowledge, after_ack


def register(app: App) -> None:
    for action_id in (ActionId.STEP_DONE, ActionId.STEP_SNOOZE, ActionId.STEP_SKIP):
        app.action(action_id)(ack=acknowledge, lazy=[after_ack(record_step_click)])


def load_step(session: Session, value: str) -> PlaybookStep:
    ref = button_ref(StepRef, value)
    step = session.get(PlaybookStep, ref.step_id)
    if step is None:
        raise UserFacingError("This playbook step no longer exists.")
    return step


def record_step_click(work: Work) -> None:
    click = Click.of(work.body)
    kind, value = button_value(work.body)
    settings, now = work.settings, work.now
    shown: Shown | None = None
    modal: View | None = None
    already: str | None = None
    with work.transaction() as session:
        step = load_step(session, value)
        account, _, zone = authorised_account(
            session=session, user_id=click.user_id, account_id=step.account_id, settings=settings
        )
        today = now.astimezone(zone).date()
        block_id = step_block_id(step.id or 0)
        where = ModalContext(step_id=step.id or 0, channel=click.channel, ts=click.ts)
        if step.status != StepStatus.OPEN:
            shown = click.stage(
                session=session,
                scope=work.scope,
                block_id=block_id,
                note=context(closed_note(step, zone)).to_dict(),
            )
            already = (
                f"{escape(account.name)}: that step was already {step.status} by <@{step.completed_by}>."
            )
        elif kind == ActionId.STEP_DONE and Step(step.step).needs_form:
            modal = done_modal(step, account, where)
        elif kind == ActionId.STEP_SKIP:
            modal = skip_modal(step, account, where)
        elif kind == ActionId.STEP_DONE:
            steps.complete(
                session=session,
                step=step,
                account=account,
                by=click.user_id,
                now=now,
                today=today,
                cadence=settings.review_cadence_days,
            )
            note = closed_note(step, zone)
            shown = click.stage(
                session=session, scope=work.scope, block_id=block_id, note=context(note).to_dict()
            )
        else:  # ActionId.STEP_SNOOZE
            steps.snooze(session=session, step=step, today=today, days=settings.snooze_days)
            note = f":zzz: Snoozed until {step.snoozed_until:%a %-d %b} — <@{click.user_id}>"
            shown = click.stage(
                session=session, scope=work.scope, block_id=block_id, note=context(note).to_dict()
            )
    if modal is not None:
        work.client.views_open(trigger_id=click.trigger_id, view=modal)
    work.show(shown)
    if already:
        work.tell(already)
