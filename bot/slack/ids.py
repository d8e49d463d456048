"""Action, block and callback ids: kebab-case, prefixed by feature, parsed back in one place."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class ActionId(StrEnum):
    ALERT_REACHED_OUT = "alert-reached-out"
    ALERT_SNOOZE = "alert-snooze"
    STEP_DONE = "step-done"
    STEP_SNOOZE = "step-snooze"
    STEP_SKIP = "step-skip"
    PLAN_APPLY = "plan-apply"


class CallbackId(StrEnum):
    STEP_DONE_MODAL = "step-done-modal"
    STEP_SKIP_MODAL = "step-skip-modal"
    PLAN_APPLY_MODAL = "plan-apply-modal"


class FieldId(StrEnum):
    """Block ids of the "Mark done" modal's inputs (the action id inside each is "value")."""

    OUTCOME_1 = "step-outcome-1"
    OUTCOME_2 = "step-outcome-2"
    OUTCOME_3 = "step-outcome-3"
    RESULTS = "step-results"
    NEXT_OUTCOMES = "step-next-outcomes"
    EXPANSION = "step-expansion"
    SKIP_REASON = "step-skip-reason"


class AlertRef(BaseModel):
    """What an alert button carries in its value."""

    alert_id: int


class StepRef(BaseModel):
    """What a step button carries in its value."""

    step_id: int


class ModalContext(BaseModel):
    """The "Mark done" modal's private_metadata: the step and the message to update afterwards."""

    step_id: int
    channel: str | None = None
    ts: str | None = None


class PlanRef(BaseModel):
    """What the Apply plan button and its modal carry: the team, and the books the plan was made from."""

    team_id: int
    fingerprint: str
    response_url: str | None = None  # the slash command's, to replace the shown plan once applied


def alert_block_id(alert_id: int) -> str:
    return f"alert-{alert_id}"


def step_block_id(step_id: int) -> str:
    return f"step-{step_id}"
