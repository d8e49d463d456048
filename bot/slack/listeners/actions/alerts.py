"""Reached out / Snooze on a declining account: authorised, idempotent, the message updated in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from bot.config import Settings
from bot.errors import UserFacingError
from bot.models import Account, Alert, Person, Team
from bot.services import alerts, people, teams
from bot.slack.blocks.common import context
from bot.slack.ids import ActionId, AlertRef, alert_block_id


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
    user_id = body["user"]["id"]
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    try:
        ref = AlertRef.model_validate_json(action.get("value") or "")
    except ValidationError:
        raise UserFacingError(
            "That button is from an older version of csm-coach; today's post has a fresh one."
        ) from None
    alert = session.get(Alert, ref.alert_id)
    account = session.get(Account, alert.account_id) if alert else None
    owner = session.get(Person, account.owner_id) if account else None
    if alert is None or account is None or owner is None:
        raise UserFacingError("This account is no longer tracked by csm-coach.")
    viewer = people.get_person(session=session, slack_user_id=user_id)
    if not people.may_act_for(
        viewer_id=user_id, viewer=viewer, target=owner, admins=settings.csm_coach_admins
    ):
        raise UserFacingError(
            f"Only the account's CSM (<@{owner.slack_user_id}>), their manager or an admin "
            f"can act on {account.name}."
        )
    team = session.get(Team, owner.team_id)
    zone = ZoneInfo(teams.timezone_of(team, session=session)) if team else ZoneInfo("UTC")
    today = now.astimezone(zone).date()

    if action["action_id"] == ActionId.ALERT_REACHED_OUT:
        changed = alerts.reached_out(session=session, alert=alert, by=user_id, now=now)
        at = alert.reached_out_at.astimezone(zone) if alert.reached_out_at else now.astimezone(zone)
        note = f":white_check_mark: Reached out — <@{alert.reached_out_by}>, {at:%a %-d %b %H:%M}"
        already = f"{account.name}: outreach was already recorded by <@{alert.reached_out_by}>."
    else:
        changed = alerts.snooze(
            session=session, alert=alert, by=user_id, now=now, today=today, days=settings.snooze_days
        )
        note = f":zzz: Snoozed until {alert.snoozed_until:%a %-d %b} — <@{alert.snoozed_by}>"
        already = f"{account.name} is already snoozed until {alert.snoozed_until:%a %-d %b}."
    session.commit()

    message = body.get("message")
    if message and channel:
        blocks = replace_block(
            message.get("blocks") or [], alert_block_id(ref.alert_id), context(note).to_dict()
        )
        client.chat_update(channel=channel, ts=message["ts"], text=message.get("text") or note, blocks=blocks)
    if not changed and channel:
        client.chat_postEphemeral(channel=channel, user=user_id, text=already)


def replace_block(
    blocks: list[dict[str, Any]], block_id: str, replacement: dict[str, Any]
) -> list[dict[str, Any]]:
    return [replacement if b.get("block_id") == block_id else b for b in blocks]
