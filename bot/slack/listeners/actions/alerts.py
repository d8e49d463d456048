"""Reached out / Snooze on a declining account: authorised, idempotent, the message updated in place."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import UserFacingError
from bot.models import Alert
from bot.services import alerts
from bot.services.access import authorised_account
from bot.slack.blocks.common import context, day_and_time, escape
from bot.slack.click import Click, button_ref, button_value
from bot.slack.ids import ActionId, AlertRef, alert_block_id
from bot.slack.work import Work, acknowledge, after_ack


def register(app: App) -> None:
    for action_id in (ActionId.ALERT_REACHED_OUT, ActionId.ALERT_SNOOZE):
        app.action(action_id)(ack=acknowledge, lazy=[after_ack(record_alert_click)])


def record_alert_click(work: Work) -> None:
    click = Click.of(work.body)
    action_id, value = button_value(work.body)
    ref = button_ref(AlertRef, value)
    settings, now = work.settings, work.now
    with work.transaction() as session:
        alert = session.get(Alert, ref.alert_id)
        if alert is None:
            raise UserFacingError("This alert is no longer tracked by csm-coach.")
        account, _, zone = authorised_account(
            session=session, user_id=click.user_id, account_id=alert.account_id, settings=settings
        )
        today = now.astimezone(zone).date()
        name = escape(account.name)
        if action_id == ActionId.ALERT_REACHED_OUT:
            changed = alerts.reached_out(session=session, alert=alert, by=click.user_id, now=now)
            at = alert.reached_out_at or now
            note = f":white_check_mark: Reached out — <@{alert.reached_out_by}>, {day_and_time(at, zone)}"
            already = f"{name}: outreach was already recorded by <@{alert.reached_out_by}>."
        else:
            changed = alerts.snooze(
                session=session,
                alert=alert,
                by=click.user_id,
                now=now,
                today=today,
                days=settings.snooze_days,
            )
            note = f":zzz: Snoozed until {alert.snoozed_until:%a %-d %b} — <@{alert.snoozed_by}>"
            already = f"{name} is already snoozed until {alert.snoozed_until:%a %-d %b}."
        shown = click.stage(
            session=session,
            scope=work.scope,
            block_id=alert_block_id(ref.alert_id),
            note=context(note).to_dict(),
        )
    work.show(shown)
    if not changed:
        work.tell(already)
