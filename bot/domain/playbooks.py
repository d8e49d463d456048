"""The Renewal Operating System playbooks: which steps are due when. Pure.

The rules: docs/how-it-works.md, "Playbooks".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum


class Playbook(StrEnum):
    MASTER_PLAN = "outcomes_master_plan"
    ONBOARDING = "prescriptive_onboarding"
    REVIEW = "executive_outcomes_review"

    @property
    def label(self) -> str:
        return {
            "outcomes_master_plan": "Outcomes Master Plan",
            "prescriptive_onboarding": "Prescriptive Onboarding",
            "executive_outcomes_review": "Executive Outcomes Review",
        }[self.value]


class Step(StrEnum):
    MASTER_PLAN = "master_plan"
    KICKOFF = "kickoff"
    FIRST_OUTCOME = "first_outcome"
    ONBOARDING_COMPLETE = "onboarding_complete"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return {
            "master_plan": "Agree the Outcomes Master Plan",
            "kickoff": "Onboarding kickoff",
            "first_outcome": "First outcome reached",
            "onboarding_complete": "Onboarding complete",
            "review": "Executive Outcomes Review",
        }[self.value]

    @property
    def record_noun(self) -> str:
        """What there is no record of when csm-coach never saw the step's date: "no kickoff on record"."""
        return {
            "master_plan": "master plan",
            "kickoff": "kickoff",
            "first_outcome": "first outcome",
            "onboarding_complete": "completed onboarding",
            "review": "review",
        }[self.value]

    @property
    def needs_form(self) -> bool:
        """Marking it done records fields (a modal), not just the date."""
        return self in (Step.MASTER_PLAN, Step.REVIEW)


MASTER_PLAN_DAYS = 14
ONBOARDING_WINDOW_DAYS = 90
ONBOARDING_STEPS = ((Step.KICKOFF, 7), (Step.FIRST_OUTCOME, 30), (Step.ONBOARDING_COMPLETE, 90))
DEFAULT_REVIEW_CADENCE = {"enterprise": 90, "large": 120, "mid_market": 180}  # smb: automated reviews
NUDGE_AHEAD_DAYS = 7


@dataclass(frozen=True)
class PlannedStep:
    playbook: Playbook
    step: Step
    sequence: int  # 1 for one-off steps; the n-th review for recurring ones
    due_on: date
    # Its own date fell before csm-coach first saw the account: due from that day instead.
    from_first_sight: bool = False


def initial_steps(
    *,
    start_date: date,
    first_seen: date,
    segment: str,
    last_review_date: date | None,
    cadence: Mapping[str, int],
) -> list[PlannedStep]:
    """Every step an account should have from the day csm-coach first saw it (`first_seen`).

    What csm-coach never saw, it does not date: a step whose date falls before `first_seen` is due
    from that day, so a team's first morning is a backlog that clears, not years of overdue days.
    """
    steps: list[PlannedStep] = []
    # An account already running when imported gets two weeks from the import for its master plan.
    plan_from = start_date if start_date >= first_seen else first_seen
    steps.append(
        PlannedStep(Playbook.MASTER_PLAN, Step.MASTER_PLAN, 1, plan_from + timedelta(days=MASTER_PLAN_DAYS))
    )
    if (first_seen - start_date).days < ONBOARDING_WINDOW_DAYS:
        steps.extend(
            PlannedStep(Playbook.ONBOARDING, step, 1, start_date + timedelta(days=days))
            for step, days in ONBOARDING_STEPS
        )
    every = cadence.get(segment, 0)
    if every > 0:
        since = last_review_date or start_date
        steps.append(PlannedStep(Playbook.REVIEW, Step.REVIEW, 1, since + timedelta(days=every)))
    return [
        replace(s, due_on=first_seen, from_first_sight=True) if s.due_on < first_seen else s for s in steps
    ]


def next_review(
    *, done_on: date, sequence: int, segment: str, cadence: Mapping[str, int]
) -> PlannedStep | None:
    every = cadence.get(segment, 0)
    if every <= 0:
        return None
    return PlannedStep(Playbook.REVIEW, Step.REVIEW, sequence + 1, done_on + timedelta(days=every))


def is_due(due_on: date, today: date, *, ahead: int = NUDGE_AHEAD_DAYS) -> bool:
    """Overdue, or due within the next `ahead` days."""
    return (due_on - today).days <= ahead


def on_time(due_on: date, done_on: date) -> bool:
    return done_on <= due_on
