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
    assert recent[Step.KICKOFF] == IMPORT_DAY  # 8 Oct and 31 Oct came before csm-coach saw it
    assert recent[Step.FIRST_OUTCOME] == IMPORT_DAY
    assert recent[Step.ONBOARDING_COMPLETE] == date(2026, 12, 30)
    assert Step.KICKOFF not in plan(date(2026, 8, 1))


def test_first_review_from_the_last_review_or_the_start_by_segment_cadence() -> None:
    assert plan(date(2024, 1, 15), "enterprise", last_review=date(2026, 10, 1))[Step.REVIEW] == date(
        2026, 12, 30
    )
    assert plan(date(2026, 6, 1), "large")[Step.REVIEW] == IMPORT_DAY  # never seen: due from first sight
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


def test_what_csm_coach_never_saw_it_does_not_date() -> None:
    steps = initial_steps(
        start_date=date(2024, 10, 1),
        first_seen=IMPORT_DAY,
        segment="large",
        last_review_date=None,
        cadence=DEFAULT_REVIEW_CADENCE,
    )
    review = next(s for s in steps if s.step is Step.REVIEW)
    assert review.due_on == IMPORT_DAY and review.from_first_sight  # not 2025-01-29, 683 days ago
    master = next(s for s in steps if s.step is Step.MASTER_PLAN)
    assert master.due_on == date(2026, 12, 7) and not master.from_first_sight
    onboarding = initial_steps(
        start_date=date(2026, 10, 1),
        first_seen=IMPORT_DAY,
        segment="smb",
        last_review_date=None,
        cadence=DEFAULT_REVIEW_CADENCE,
    )
    dated = {s.step: (s.due_on, s.from_first_sight) for s in onboarding}
    assert dated[Step.KICKOFF] == (IMPORT_DAY, True)  # "no kickoff on record"
    assert dated[Step.ONBOARDING_COMPLETE] == (date(2026, 12, 30), False)  # still ahead: its own date
