"""Playbook steps in messages: a line per step, its buttons, and the "Mark done" modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.domain.backlog import BacklogPlan
from bot.domain.playbooks import Playbook, Step
from bot.models import Account, PlaybookStep, StepStatus
from bot.services.steps import DueStep
from bot.slack.blocks.common import RulesInForce, button, day_and_time, escape, plural, section
from bot.slack.ids import ActionId, CallbackId, FieldId, ModalContext, StepRef, step_block_id


def day_name(on: date, today: date) -> str:
    """ "Tue 16 Mar", with the year when it is not this one."""
    return f"{on:%a %-d %b}" + (f" {on.year}" if on.year != today.year else "")


def when(due_on: date, today: date) -> str:
    days = (due_on - today).days
    day = day_name(due_on, today)
    if days < 0:
        return f"due {day} · *{plural(-days, 'day')} overdue*"
    if days == 0:
        return "*due today*"
    return f"due {day} (in {plural(days, 'day')})"


def never_dated(due: DueStep, today: date) -> str:
    """A step whose own date csm-coach never saw: what is missing, and days counted from first sight."""
    days = (today - due.step.due_on).days
    missing = f"no {Step(due.step.step).record_noun} on record"
    return f"{missing} · *{plural(days, 'day')} overdue*" if days > 0 else f"{missing} · *due now*"


def step_line(due: DueStep, today: date) -> str:
    step = Step(due.step.step)
    playbook = Playbook(due.step.playbook)
    onboarding = playbook is Playbook.ONBOARDING and not step.label.startswith("Onboarding")
    name = f"Onboarding: {step.label}" if onboarding else step.label
    if step is Step.REVIEW and due.step.sequence > 1:
        name += f" #{due.step.sequence}"
    timing = never_dated(due, today) if due.step.from_first_sight else when(due.step.due_on, today)
    line = f"*{escape(due.account.name)}* · {name} · {timing}"
    renewal = due.account.renewal_date
    if renewal is not None and due.overdue(today) and renewal >= today:
        line += f" · renews {day_name(renewal, today)}"  # why this overdue step comes first
    return line


def morning_order(due: Sequence[DueStep], today: date) -> list[DueStep]:
    """Overdue before due; among overdue the account renewing soonest first (no renewal date last)."""

    def key(item: DueStep) -> tuple[bool, date, date, str, int]:
        overdue = item.overdue(today)
        renewal = (item.account.renewal_date or date.max) if overdue else item.step.due_on
        return (not overdue, renewal, item.step.due_on, item.account.name, item.step.id or 0)

    return sorted(due, key=key)


def overdue_count(due: Sequence[DueStep], today: date) -> int:
    return sum(1 for d in due if d.overdue(today))


def backlog_line(plan: BacklogPlan, today: date) -> str:
    """ "the backlog of 38 clears by Tue 16 Mar at 3 a week" (how-it-works, "One message a morning")."""
    return (
        f":hourglass_flowing_sand: {plural(plan.overdue, 'playbook step')} overdue: the backlog of "
        f"{plan.overdue:,} clears by {day_name(plan.clears_on, today)} at {plan.per_week} a week, "
        "renewing accounts first."
    )


def closed_note(step: PlaybookStep, zone: tzinfo) -> str:
    """The line a closed step's buttons become: who closed it, and when in the owner's zone."""
    when = day_and_time(step.completed_at, zone) if step.completed_at else "earlier"
    if step.status == StepStatus.SKIPPED:
        return f":fast_forward: Skipped — <@{step.completed_by}>, {when}"
    return f":white_check_mark: Done — <@{step.completed_by}>, {when}"


def step_buttons(step: PlaybookStep, rules: RulesInForce) -> ActionsBlock:
    assert step.id is not None
    value = StepRef(step_id=step.id).model_dump_json()
    return ActionsBlock(
        block_id=step_block_id(step.id),
        elements=[
            button("Mark done", action_id=ActionId.STEP_DONE, value=value, style="primary"),
            button(rules.snooze, action_id=ActionId.STEP_SNOOZE, value=value),
            button("Skip", action_id=ActionId.STEP_SKIP, value=value),
        ],
    )


def _text_input(block_id: str, label: str, *, multiline: bool, optional: bool, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id="value", multiline=multiline, max_length=1000, placeholder=hint
        ),
    )


def done_modal(step: PlaybookStep, account: Account, context: ModalContext) -> View:
    """The form for a master plan (1–3 agreed outcomes) or a review (results, next outcomes, expansion)."""
    kind = Step(step.step)
    if kind is Step.MASTER_PLAN:
        title = "Outcomes Master Plan"
        intro = f"Which outcomes matter most to *{escape(account.name)}*? Agree one to three."
        inputs = [
            _text_input(
                FieldId.OUTCOME_1,
                "Outcome 1",
                multiline=False,
                optional=False,
                hint="e.g. Cut onboarding time by half",
            ),
            _text_input(FieldId.OUTCOME_2, "Outcome 2", multiline=False, optional=True, hint="optional"),
            _text_input(FieldId.OUTCOME_3, "Outcome 3", multiline=False, optional=True, hint="optional"),
        ]
    else:
        title = "Outcomes Review"
        intro = (
            f"Executive Outcomes Review with *{escape(account.name)}*: "
            "the measured results and what comes next."
        )
        inputs = [
            _text_input(
                FieldId.RESULTS,
                "Results reviewed",
                multiline=True,
                optional=False,
                hint="What did they achieve?",
            ),
            _text_input(
                FieldId.NEXT_OUTCOMES,
                "Next outcomes agreed",
                multiline=True,
                optional=False,
                hint="What do we aim for next?",
            ),
            InputBlock(
                block_id=FieldId.EXPANSION,
                label="Expansion",
                optional=True,
                element=CheckboxesElement(
                    action_id="value", options=[Option(value="yes", label="Expansion opportunity found")]
                ),
            ),
        ]
    return View(
        type="modal",
        callback_id=CallbackId.STEP_DONE_MODAL,
        private_metadata=context.model_dump_json(),
        title=title,
        submit="Record",
        close="Cancel",
        blocks=[section(intro), *inputs],
    )


def skip_modal(step: PlaybookStep, account: Account, context: ModalContext) -> View:
    """Skip a step, saying why (optional): the reason stays with the step."""
    return View(
        type="modal",
        callback_id=CallbackId.STEP_SKIP_MODAL,
        private_metadata=context.model_dump_json(),
        title="Skip this step",
        submit="Skip",
        close="Cancel",
        blocks=[
            section(f"Skip *{Step(step.step).label}* for *{escape(account.name)}*?"),
            _text_input(
                FieldId.SKIP_REASON,
                "Why skip it?",
                multiline=True,
                optional=True,
                hint="e.g. merged into the parent account",
            ),
        ],
    )
