from datetime import date

from bot.domain.playbooks import DEFAULT_REVIEW_CADENCE, Playbook, Step, initial_steps, is_due, next_review

IMPORT_DAY = date(2026, 11, 23)


def plan(start: date, segment: str = "mid_market", last_review: date | None = None) -> dict[Step, date]:
    steps = initial_steps(
        start_date=start,
        first_seen=IMPORT_DAY,
        segment=segment,
        last_review_date=last_review,
        cadence=DEFAULT_REVIEW_CADENCE,
    )
    return {s.step: s.due_on for s in steps}


def test_an_existing_account_gets_its_master_plan_two_weeks_after_import() -> None:
    assert plan(date(2024, 1, 15))[Step.MASTER_PLAN] == date(2026, 12, 7)


def test_a_new_account_gets_its_master_plan_two_weeks_after_it_starts() -> None:
    assert plan(date(2026, 12, 1))[Step.MASTER_PLAN] == date(2026, 12, 15)


def test_onboarding_only_for_accounts_started_within_90_days() -> None:
    recent = plan(date(2026, 10, 1))
    assert recent[Step.KICKOFF] == date(2026, 10, 8)
    assert recent[Step.FIRST_OUTCOME] == date(2026, 10, 31)
    assert recent[Step.ONBOARDING_COMPLETE] == date(2026, 12, 30)
    assert Step.KICKOFF not in plan(date(2026, 8, 1))


def test_first_review_from_the_last_review_or_the_start_by_segment_cadence() -> None:
    assert plan(date(2024, 1, 15), "enterprise", last_review=date(2026, 10, 1))[Step.REVIEW] == date(
        2026, 12, 30
    )
    assert plan(date(2026, 6, 1), "large")[Step.REVIEW] == date(2026, 9, 29)  # already overdue: the truth
    assert Step.REVIEW not in plan(date(2024, 1, 15), "smb")  # digital accounts get automated reviews


def test_the_next_review_follows_the_done_date_by_the_cadence() -> None:
    following = next_review(
        done_on=date(2026, 11, 23), sequence=1, segment="enterprise", cadence=DEFAULT_REVIEW_CADENCE
    )
    assert following is not None
    assert (following.playbook, following.sequence, following.due_on) == (
        Playbook.REVIEW,
        2,
        date(2027, 2, 21),
    )
    assert (
        next_review(done_on=date(2026, 11, 23), sequence=1, segment="smb", cadence=DEFAULT_REVIEW_CADENCE)
        is None
    )


def test_due_means_overdue_or_within_seven_days() -> None:
    assert is_due(date(2026, 11, 1), IMPORT_DAY)
    assert is_due(date(2026, 11, 30), IMPORT_DAY)
    assert not is_due(date(2026, 12, 1), IMPORT_DAY)
