"""The manager's week after eight simulated weeks through the real importers and morning rounds: every
figure against the test's own count, the weekly DM at most once at the post time, and who may see it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from bot.config import Settings
from bot.jobs.weekly import weekly_round
from bot.models import Account, Alert, AlertAction, Delivery, DeliveryKind
from bot.services import teams
from bot.services.week import week_report
from bot.slack.answers import teamload
from bot.slack.blocks.common import RulesInForce
from bot.slack.blocks.week import manager_week_message
from bot.slack.client import make_round_client
from bot.slack.interactions import SlashCommand
from tests.support import weeks
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.slack_standin import SlackStandIn

REPORT_DAY = date(2026, 11, 30)  # a Monday
SETTINGS = Settings(_env_file=None, csm_coach_admins="U0ADMIN")


@pytest.fixture(scope="module")
def plan() -> weeks.Plan:
    return weeks.make_plan(REPORT_DAY)


@pytest.fixture
def lived(engine: Engine, tmp_path: Path, plan: weeks.Plan) -> weeks.Ledger:
    return weeks.simulate(engine, tmp_path, plan, SETTINGS)


def test_eight_weeks_give_the_stored_outcomes_and_every_figure_the_test_counts_itself(
    lived: weeks.Ledger, session: Session, plan: weeks.Plan
) -> None:
    """One simulation (it takes a while), several things it proves."""
    stored_outcomes_are_the_ones_the_usage_implies(lived, session, plan)
    every_figure_of_the_week_matches_the_tests_own_count(lived, session, plan)
    with_fewer_than_ten_in_a_group_it_says_too_few_to_tell(session)
    the_week_on_demand_is_for_the_teams_managers_and_admins(session)


def stored_outcomes_are_the_ones_the_usage_implies(
    lived: weeks.Ledger, session: Session, plan: weeks.Plan
) -> None:
    model = weeks.independent_alerts(plan)
    rows = session.exec(
        select(Account.external_id, Alert).join(Account, col(Account.id) == col(Alert.account_id))
    ).all()
    stored: dict[str, list[tuple[date, float | None, date | None, date | None]]] = {}
    for ext, alert in sorted(rows, key=lambda r: (r[0], r[1].opened_on)):
        stored.setdefault(ext, []).append(
            (alert.opened_on, alert.raised_baseline_mean, alert.recovered_on, alert.closed_on)
        )
    assert stored == {
        ext: [(m.opened, pytest.approx(m.raised_baseline), m.recovered, m.closed) for m in ms]
        for ext, ms in model.items()
    }
    actions = session.exec(select(AlertAction)).all()
    assert sorted((a.kind, a.acted_at.replace(tzinfo=None)) for a in actions) == sorted(
        (kind, moment.replace(tzinfo=None)) for _, kind, moment in lived.actions
    )


def every_figure_of_the_week_matches_the_tests_own_count(
    lived: weeks.Ledger, session: Session, plan: weeks.Plan
) -> None:
    harbor = teams.find_team_or_fail(session=session, name="Harbor")
    moment = weeks.at(REPORT_DAY)
    report = week_report(session=session, team=harbor, now=moment, post_days=SETTINGS.post_days)
    want = weeks.expected(plan, lived, day=REPORT_DAY, moment=moment)

    found = report.declines
    assert (found.raised, found.acted_on, found.reached_out, found.snoozed, found.recovered) == (
        want.raised,
        want.acted_on,
        want.reached_out,
        want.snoozed,
        want.recovered,
    )
    names = {ext: plan.names[ext] for ext in want.unclaimed}
    assert [a.account for a in found.unclaimed] == [names[ext] for ext in want.unclaimed]
    assert (report.reviews.done, report.reviews.on_time, report.reviews.overdue) == (
        want.reviews_done,
        want.reviews_on_time,
        want.reviews_overdue,
    )
    lift = report.lift
    assert (lift.reached, lift.reached_recovered, lift.untouched, lift.untouched_recovered) == (
        want.reached,
        want.reached_recovered,
        want.untouched,
        want.untouched_recovered,
    )
    assert want.interval is not None and lift.interval is not None
    assert (lift.interval.low, lift.interval.high) == pytest.approx(want.interval, abs=1e-7)
    # The plan is built so the week has something of each kind, and the lift enough of both groups.
    assert min(want.raised, want.reached_out, want.snoozed, want.reviews_done, want.reviews_overdue) >= 1
    assert len(want.unclaimed) >= 3 and min(want.reached, want.untouched) >= 10

    message = manager_week_message(report, RulesInForce.of(SETTINGS))
    assert_valid_message({"text": message.text, "blocks": message.block_dicts()})
    text = message_text({"blocks": message.block_dicts()})
    weeks.assert_report_says(text, want, plan, named=SETTINGS.dm_max_accounts)
    # Each CSM's load in the very words /teamload uses.
    load = teamload.show(harbor, session=session, now=moment)
    for block in load.block_dicts():
        if block["type"] == "section" and "<@U0" in block["text"]["text"]:
            for line in block["text"]["text"].split("\n"):
                assert line.split(" · reviews ")[0] in text  # the quarter's reviews are /teamload's own


def with_fewer_than_ten_in_a_group_it_says_too_few_to_tell(session: Session) -> None:
    harbor = teams.find_team_or_fail(session=session, name="Harbor")
    # A week later, the lift's window holds other alerts: fewer than ten of them were reached out.
    later = REPORT_DAY + timedelta(days=21)
    report = week_report(session=session, team=harbor, now=weeks.at(later), post_days=SETTINGS.post_days)
    assert min(report.lift.reached, report.lift.untouched) < 10
    text = message_text({"blocks": manager_week_message(report, RulesInForce.of(SETTINGS)).block_dicts()})
    assert "Too few to tell" in text and "confidence interval" not in text


def client_for(slack: SlackStandIn):  # type: ignore[no-untyped-def]
    return make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")


def test_the_weekly_dm_goes_once_to_each_manager_on_the_first_working_day_and_is_caught_up(
    lived: weeks.Ledger, engine: Engine, session: Session, slack: SlackStandIn
) -> None:
    the_week_goes_on_the_teams_first_working_day(engine, slack)
    slack.clear()
    session.exec(delete(Delivery))
    session.commit()
    client = client_for(slack)

    def run(moment):  # type: ignore[no-untyped-def]
        return weekly_round(engine=engine, client=client, now=moment, settings=SETTINGS)

    assert not run(weeks.at(REPORT_DAY, 8, 59)).outcomes  # before the post time
    assert not run(weeks.at(REPORT_DAY - timedelta(days=6), 11)).outcomes  # a Tuesday
    late = run(weeks.at(REPORT_DAY, 11, 30))  # a clock back from a restart, within CATCH_UP_HOURS
    assert late.outcomes == Counter({"sent": 2}), late.line()
    sent = {c.param("channel"): c for c in slack.calls("chat.postMessage")}
    assert set(sent) == {"U0MIA", "U0SUE"}
    for call in sent.values():
        assert_valid_message({"text": call.text, "blocks": call.blocks})
    assert "Team Harbor" in message_text({"blocks": sent["U0MIA"].blocks})
    assert "Team Summit" in message_text({"blocks": sent["U0SUE"].blocks})
    assert not run(weeks.at(REPORT_DAY, 11, 32)).outcomes  # nothing twice
    forced = weekly_round(
        engine=engine,
        client=client,
        now=weeks.at(REPORT_DAY + timedelta(days=2), 8),
        settings=SETTINGS,
        force=True,
    )
    assert forced.outcomes == Counter({"already sent": 2}), forced.line()  # same local week
    assert len(slack.calls("chat.postMessage")) == 2
    keys = session.exec(
        select(Delivery.recipient, Delivery.local_date).where(Delivery.kind == DeliveryKind.WEEKLY_DM)
    ).all()
    assert sorted(keys) == [("U0MIA", REPORT_DAY), ("U0SUE", REPORT_DAY)]
    # Past the catch-up window nothing goes; the next Monday's does.
    assert not run(weeks.at(REPORT_DAY + timedelta(days=7), 9 + SETTINGS.catch_up_hours, 1)).outcomes
    assert run(weeks.at(REPORT_DAY + timedelta(days=7), 9)).outcomes == Counter({"sent": 2})


def the_week_goes_on_the_teams_first_working_day(engine: Engine, slack: SlackStandIn) -> None:
    settings = Settings(_env_file=None, post_days="tue,wed,thu,fri,sat")
    client = client_for(slack)
    monday = weekly_round(engine=engine, client=client, now=weeks.at(REPORT_DAY, 9, 30), settings=settings)
    assert not monday.outcomes
    tuesday = weeks.at(REPORT_DAY + timedelta(days=1), 9, 30)
    assert weekly_round(engine=engine, client=client, now=tuesday, settings=settings).outcomes == Counter(
        {"sent": 2}
    )


def the_week_on_demand_is_for_the_teams_managers_and_admins(session: Session) -> None:
    def ask(user_id: str, text: str = "week") -> str:
        message = teamload.answer(
            SlashCommand.of({"command": "/teamload", "user_id": user_id, "text": text}),
            session=session,
            settings=SETTINGS,
            now=weeks.at(REPORT_DAY),
        )
        return message_text({"blocks": message.block_dicts()})

    assert "Team Harbor: the week of" in ask("U0MIA")
    assert "Team Harbor: the week of" in ask("U0ADMIN", "week Harbor")
    assert "Team Summit: the week of" in ask("U0SUE")
    other = ask("U0SUE", "week Harbor")
    assert "the week of" not in other and "for its managers" in other
    csm = ask("U0ANA", "week Harbor")
    assert "the week of" not in csm and "for managers" in csm
    assert "the week of" not in ask("U0ANA")
    assert "/teamload week" in ask("U0MIA", "help")


def test_the_clocks_catch_up_sends_the_week_it_finds_due(
    engine: Engine, session: Session, slack: SlackStandIn
) -> None:
    """The clock's own job, at the real moment: a team whose only working day is today, posting at
    00:00 (or 23:00 late in the day), is due within CATCH_UP_HOURS; its manager gets the week once."""
    from datetime import UTC, datetime

    from bot.domain.weekdays import NAMES
    from bot.jobs.scheduler import run_catch_up
    from tests.support import factories

    now = datetime.now(UTC)
    team = factories.team(
        session, "Clockwork", timezone="UTC", post_time="00:00" if now.hour < 23 else "23:00"
    )
    factories.person(session, team, "U0BOSS", role="manager")
    factories.book(session, factories.person(session, team, "U0CSM"), mid_market=3)
    session.commit()
    settings = Settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_api_url=slack.base_url,
        post_days=NAMES[now.weekday()],
        catch_up_hours=23,
    )
    run_catch_up(engine, settings)
    run_catch_up(engine, settings)
    weekly = [
        c
        for c in slack.calls("chat.postMessage")
        if c.param("channel") == "U0BOSS" and "the week of" in message_text({"blocks": c.blocks})
    ]
    assert len(weekly) == 1
