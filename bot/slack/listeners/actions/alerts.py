"""Reached out / Snooze on a declining account: authorised, idempotent, the message updated in place."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from bot.errors import UserFacingError
from bot.models import Alert
from bot.services import alerts
from bot.services.access import authorised_account
from bot.slack.blocks.common import context, day_and_time, escape
from bot.slack.ids import ActionId, AlertRef, alert_block_id
from bot.slack.interactions import ButtonClick
from bot.slack.message_edit import stage_note
from bot.slack.work import Effects, Scope, Tell, acknowledge, after_ack


def register(app: App) -> None:
    for action_id in (ActionId.ALERT_REACHED_OUT, ActionId.ALERT_SNOOZE):
        app.action(action_id)(ack=acknowledge, lazy=[after_ack(ButtonClick.of, alert_click)])


def alert_click(session: Session, click: ButtonClick, scope: Scope) -> Effects:
    """The alert marked (once: a second click says who did it first), and its line shown as marked."""
    ref = click.ref(AlertRef)
    settings, now = scope.settings, scope.now
    alert = session.get(Alert, ref.alert_id)
    if alert is None:
        raise UserFacingError("This alert is no longer tracked by csm-coach.")
    allowed = authorised_account(
        session=session, user_id=click.user_id, account_id=alert.account_id, settings=settings, now=now
    )
    name = escape(allowed.account.name)
    if click.action_id == ActionId.ALERT_REACHED_OUT:
        changed = alerts.reached_out(session=session, alert=alert, by=click.user_id, now=now)
        at = alert.reached_out_at or now
        note = f":white_check_mark: Reached out — <@{alert.reached_out_by}>, {day_and_time(at, allowed.zone)}"
        already = f"{name}: outreach was already recorded by <@{alert.reached_out_by}>."
    else:
        changed = alerts.snooze(
            session=session,
            alert=alert,
            by=click.user_id,
            now=now,
            today=allowed.today,
            days=settings.snooze_days,
        )
        note = f":zzz: Snoozed until {alert.snoozed_until:%a %-d %b} — <@{alert.snoozed_by}>"
        already = f"{name} is already snoozed until {alert.snoozed_until:%a %-d %b}."
    shown = stage_note(
        session=session,
        place=click.place,
        user_id=click.user_id,
        block_id=alert_block_id(ref.alert_id),
        note=context(note).to_dict(),
        settings=settings,
        now=now,
    )
    effects: Effects = [shown] if shown is not None else []
    return effects if changed else [*effects, Tell(already)]
