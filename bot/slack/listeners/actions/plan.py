"""Apply plan: acknowledged at once; the confirmation modal opens after the ack, from fresh books."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from bot.errors import UserFacingError
from bot.services import localtime, teams
from bot.services import plan as plans
from bot.services.access import may_plan
from bot.slack.blocks.plan import REFUSED, STALE_NOTE, applied_words, plan_message, plan_modal
from bot.slack.ids import ActionId, PlanRef
from bot.slack.interactions import ButtonClick
from bot.slack.work import Effects, OpenModal, Respond, Scope, Tell, acknowledge, after_ack

STALE_PLAN = "That button is from an older plan; run `/teamload plan` again."


def register(app: App) -> None:
    app.action(ActionId.PLAN_APPLY)(ack=acknowledge, lazy=[after_ack(ButtonClick.of, open_confirmation)])


def open_confirmation(session: Session, click: ButtonClick, scope: Scope) -> Effects:
    """Refuse, say it was applied, show the new plan if the books changed, else open the modal."""
    ref = click.ref(PlanRef, stale=STALE_PLAN)
    team = teams.get_team(session=session, team_id=ref.team_id)
    if team is None or not may_plan(
        session=session, user_id=click.user_id, team=team, settings=scope.settings
    ):
        raise UserFacingError(REFUSED)
    local = localtime.for_team(team, session=session, now=scope.now)
    earlier = plans.already_applied(session=session, fingerprint=ref.fingerprint)
    if earlier is not None:
        return [Tell(applied_words(earlier, local.zone))]
    current = plans.compute(session=session, team=team, today=local.today, settings=scope.settings)
    if current.fingerprint != ref.fingerprint:  # the plan shown becomes the new one
        return [Respond(plan_message(current, note=STALE_NOTE), ephemeral=False)]
    where = PlanRef(team_id=ref.team_id, fingerprint=ref.fingerprint, response_url=click.response_url)
    return [OpenModal(click.trigger_id, plan_modal(current, where))]
