"""Reached out / Snooze on a declining account: authorised, idempotent, the message updated in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.errors import UserFacingError
from bot.models import Alert
from bot.services import alerts
from bot.slack.blocks.common import context
from bot.slack.ids import ActionId, AlertRef, alert_block_id
from bot.slack.listeners.actions.where import Click
from bot.slack.surfaces import authorised_account, local_day


def register(app: App) -> None:
    app.action(ActionId.ALERT_REACHED_OUT)(handle_alert_button)
    app.action(ActionId.ALERT_SNOOZE)(handle_alert_button)


def handle_alert_button(
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
    try:
        ref = AlertRef.model_validate_json(action.get("value") or "")
    except ValidationError:
        raise UserFacingError(
            "That button is from an older csm-coach message; today's has a fresh one."
        ) from None
    alert = session.get(Alert, ref.alert_id)
    if alert is None:
        raise UserFacingError("This alert is no longer tracked by csm-coach.")
    account, _, zone = authorised_account(
        session=session, user_id=click.user_id, account_id=alert.account_id, settings=settings
    )
    today = now.astimezone(zone).date()

    if action["action_id"] == ActionId.ALERT_REACHED_OUT:
        changed = alerts.reached_out(session=session, alert=alert, by=click.user_id, now=now)
        at = alert.reached_out_at or now
        note = f":white_check_mark: Reached out — <@{alert.reached_out_by}>, {local_day(at, zone)}"
        already = f"{account.name}: outreach was already recorded by <@{alert.reached_out_by}>."
    else:
        changed = alerts.snooze(
            session=session, alert=alert, by=click.user_id, now=now, today=today, days=settings.snooze_days
        )
        note = f":zzz: Snoozed until {alert.snoozed_until:%a %-d %b} — <@{alert.snoozed_by}>"
        already = f"{account.name} is already snoozed until {alert.snoozed_until:%a %-d %b}."
    session.commit()
    click.show(
        session=session,
        client=client,
        settings=settings,
        now=now,
        block_id=alert_block_id(ref.alert_id),
        note=context(note).to_dict(),
    )
    if not changed:
        click.tell(client, already)
