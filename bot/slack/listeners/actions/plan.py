"""Apply plan: acknowledged at once; the confirmation modal opens after the ack, from fresh books."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.db import session_scope
from bot.services import localtime, teams
from bot.services import plan as plans
from bot.services.access import may_plan
from bot.slack.blocks.plan import REFUSED, STALE_NOTE, applied_words, plan_message, plan_modal
from bot.slack.ids import ActionId, PlanRef
from bot.slack.payload import acting_user
from bot.slack.work import Scope

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ActionId.PLAN_APPLY)(ack=ack_click, lazy=[open_confirmation])


def ack_click(ack: Ack) -> None:
    ack()


def open_confirmation(
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    scope: Scope,
) -> None:
    """Lazy: refuse, say it was applied, show the new plan if the books changed, else open the modal."""
    user_id = acting_user(body)
    try:
        ref = PlanRef.model_validate_json(action.get("value") or "")
    except ValidationError:
        respond(text="That button is from an older plan; run `/teamload plan` again.", replace_original=False)
        return
    settings, now = scope.settings, scope.now
    with session_scope(scope.engine) as session:
        team = teams.get_team(session=session, team_id=ref.team_id)
        if team is None or not may_plan(session=session, user_id=user_id, team=team, settings=settings):
            respond(text=REFUSED, response_type="ephemeral", replace_original=False)
            return
        local = localtime.for_team(team, session=session, now=now)
        earlier = plans.already_applied(session=session, fingerprint=ref.fingerprint)
        if earlier is not None:
            respond(text=applied_words(earlier, local.zone), replace_original=False)
            return
        current = plans.compute(session=session, team=team, today=local.today, settings=settings)
    if current.fingerprint != ref.fingerprint:
        message = plan_message(current, note=STALE_NOTE)
        respond(text=message.text, blocks=message.block_dicts(), replace_original=True)
        return
    where = PlanRef(team_id=ref.team_id, fingerprint=ref.fingerprint, response_url=body.get("response_url"))
    client.views_open(trigger_id=body["trigger_id"], view=plan_modal(current, where))
