"""Apply plan: acknowledged at once; the confirmation modal opens after the ack, from fresh books."""

from __future__ import annotations

from pydantic import ValidationError
from slack_bolt import App
from slack_sdk.models.views import View

from bot.errors import UserFacingError
from bot.services import localtime, teams
from bot.services import plan as plans
from bot.services.access import may_plan
from bot.slack.blocks.common import Message
from bot.slack.blocks.plan import REFUSED, STALE_NOTE, applied_words, plan_message, plan_modal
from bot.slack.click import button_value
from bot.slack.ids import ActionId, PlanRef
from bot.slack.work import Work, acknowledge, after_ack


def register(app: App) -> None:
    app.action(ActionId.PLAN_APPLY)(ack=acknowledge, lazy=[after_ack(open_confirmation)])


def open_confirmation(work: Work) -> None:
    """Refuse, say it was applied, show the new plan if the books changed, else open the modal."""
    _, value = button_value(work.body)
    try:
        ref = PlanRef.model_validate_json(value)
    except ValidationError:
        raise UserFacingError("That button is from an older plan; run `/teamload plan` again.") from None
    settings = work.settings
    said: Message | str | None = None  # the new plan (the books changed), or that it was applied
    modal: View | None = None
    with work.transaction() as session:
        team = teams.get_team(session=session, team_id=ref.team_id)
        if team is None or not may_plan(session=session, user_id=work.user_id, team=team, settings=settings):
            raise UserFacingError(REFUSED)
        local = localtime.for_team(team, session=session, now=work.now)
        earlier = plans.already_applied(session=session, fingerprint=ref.fingerprint)
        if earlier is not None:
            said = applied_words(earlier, local.zone)
        else:
            current = plans.compute(session=session, team=team, today=local.today, settings=settings)
            if current.fingerprint != ref.fingerprint:
                said = plan_message(current, note=STALE_NOTE)
            else:
                where = PlanRef(
                    team_id=ref.team_id,
                    fingerprint=ref.fingerprint,
                    response_url=work.body.get("response_url"),
                )
                modal = plan_modal(current, where)
    # Only after the transaction: no connection is held across a call to Slack.
    if modal is not None:
        work.client.views_open(trigger_id=work.body["trigger_id"], view=modal)
    elif isinstance(said, Message) and work.respond is not None:  # the plan shown becomes the new one
        work.respond(text=said.text, blocks=said.block_dicts(), replace_original=True)
    elif said is not None:
        work.tell(said)
