"""Mark done / Snooze a week / Skip on a playbook step: authorised, idempotent, acted on in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.domain.playbooks import Step
from bot.errors import UserFacingError
from bot.models import PlaybookStep
from bot.services import steps
from bot.slack.blocks.common import context
from bot.slack.blocks.steps import done_modal, skip_modal
from bot.slack.ids import ActionId, ModalContext, StepRef, step_block_id
from bot.slack.listeners.actions.where import Click
from bot.slack.surfaces import authorised_account, local_day


def register(app: App) -> None:
    for action_id in (ActionId.STEP_DONE, ActionId.STEP_SNOOZE, ActionId.STEP_SKIP):
        app.action(action_id)(handle_step_button)


def load_step(session: Session, value: str) -> PlaybookStep:
    try:
        ref = StepRef.model_validate_json(value)
    except ValidationError:
        raise UserFacingError(
            "That button is from an older csm-coach message; today's has a fresh one."
        ) from None
    step = session.get(PlaybookStep, ref.step_id)
    if step is None:
        raise UserFacingError("This playbook step no longer exists.")
    return step


def closed_note(step: PlaybookStep, zone: Any) -> str:
    when = local_day(step.completed_at, zone) if step.completed_at else "earlier"
    if step.status == steps.SKIPPED:
        return f":fast_forward: Skipped — <@{step.completed_by}>, {when}"
    return f":white_check_mark: Done — <@{step.completed_by}>, {when}"


def handle_step_button(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    session: Session,
    settings: Settings,
    now: datetime,
) -> None:
    ack()
    click = Click.of(body)
    step = load_step(session, action.get("value") or "")
    account, _, zone = authorised_account(
        session=session, user_id=click.user_id, account_id=step.account_id, settings=settings
    )
    today = now.astimezone(zone).date()
    block_id = step_block_id(step.id or 0)
    if step.status != steps.OPEN:
        click.show(
            session=session,
            client=client,
            settings=settings,
            now=now,
            block_id=block_id,
            note=context(closed_note(step, zone)).to_dict(),
        )
        click.tell(client, f"{account.name}: that step was already {step.status} by <@{step.completed_by}>.")
        return

    kind = action["action_id"]
    where = ModalContext(step_id=step.id or 0, channel=click.channel, ts=click.ts)
    if kind == ActionId.STEP_DONE and Step(step.step).needs_form:
        client.views_open(trigger_id=click.trigger_id, view=done_modal(step, account, where))
        return
    if kind == ActionId.STEP_SKIP:
        client.views_open(trigger_id=click.trigger_id, view=skip_modal(step, account, where))
        return
    if kind == ActionId.STEP_DONE:
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
    else:  # ActionId.STEP_SNOOZE
        steps.snooze(session=session, step=step, today=today, days=settings.snooze_days)
        note = f":zzz: Snoozed until {step.snoozed_until:%a %-d %b} — <@{click.user_id}>"
    session.commit()
    click.show(
        session=session,
        client=client,
        settings=settings,
        now=now,
        block_id=block_id,
        note=context(note).to_dict(),
    )
