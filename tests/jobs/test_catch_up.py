"""No lost morning: the catch-up sends what is due and not sent; failures stay inside their recipient
or team; two teams on one channel each get their post; a locked database is retried, not fatal."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import is_sqlite
from bot.jobs.digest import catch_up, morning_round
from bot.models import Account, Delivery, Person, PlaybookStep, RoundState, TeamRound
from bot.outbox.report import DeliveryReport
from bot.services import teams
from bot.slack.client import make_round_client
from tests.support import company
from tests.support.slack_standin import SlackStandIn

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 09:00 in London (Harbor), 04:00 in New York (Summit)
SETTINGS = Settings(_env_file=None)


@pytest.fixture
def loaded(engine: Engine, session: Session, tmp_path: Path) -> Engine:
    company.load(engine, tmp_path)
    company.set_channels(session)
    return engine


def sweep(engine: Engine, slack: SlackStandIn, now: datetime) -> dict[str, DeliveryReport]:
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    return dict(catch_up(engine=engine, client=client, now=now, settings=SETTINGS))


def posted(slack: SlackStandIn) -> Counter[str]:
    return Counter(c.param("channel") for c in slack.posted())


def test_the_catch_up_sends_each_team_once_its_post_time_has_passed_and_never_again(
    loaded: Engine, slack: SlackStandIn
) -> None:
    assert sweep(loaded, slack, NOW - timedelta(minutes=1)) == {}  # 08:59 in London: not yet
    assert slack.calls() == []

    harbor = sweep(loaded, slack, NOW + timedelta(minutes=15))  # a clock started 15 minutes late
    assert set(harbor) == {"Harbor"} and harbor["Harbor"].outcomes["sent"] == 3
    assert posted(slack) == Counter({"C0HARBOR": 1, "U0ANA": 1, "U0BEN": 1})  # not Summit's yet

    assert sweep(loaded, slack, NOW + timedelta(hours=2)) == {}
    summit = sweep(loaded, slack, NOW + timedelta(hours=5, minutes=1))  # 09:01 in New York
    assert set(summit) == {"Summit"} and summit["Summit"].outcomes["sent"] == 2
    assert sweep(loaded, slack, NOW + timedelta(hours=9)) == {}
    assert set(posted(slack).values()) == {1} and len(posted(slack)) == 5


def test_digest_by_hand_still_runs_every_team_and_a_second_run_sends_nothing(
    loaded: Engine, slack: SlackStandIn
) -> None:
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    first = morning_round(engine=loaded, client=client, now=NOW, settings=SETTINGS)
    assert first.outcomes["sent"] == 5  # Summit's too: `digest` sends now, whatever the post time
    second = morning_round(engine=loaded, client=client, now=NOW + timedelta(hours=8), settings=SETTINGS)
    assert second.outcomes["already sent"] == 5 and second.outcomes["sent"] == 0
    assert sweep(loaded, slack, NOW + timedelta(hours=8)) == {}  # and the clock finds both rounds done


def test_two_teams_on_one_channel_each_get_their_post(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    teams.configure(
        session=session, name="Summit", channel="C0HARBOR", post_time=None, timezone="Europe/London"
    )
    session.commit()
    sweep(loaded, slack, NOW)
    shared = [c for c in slack.posted() if c.param("channel") == "C0HARBOR"]
    assert len(shared) == 2
    assert {("Harbor" in c.text, "Summit" in c.text) for c in shared} == {(True, False), (False, True)}
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    again = morning_round(engine=loaded, client=client, now=NOW + timedelta(hours=1), settings=SETTINGS)
    assert again.outcomes["already sent"] == 5 and len(slack.posted()) == 5


@contextmanager
def refusing_inserts(engine: Engine, table: str, where: str) -> Iterator[None]:
    """A real database failure for the rows matching `where` (SQL on NEW): a trigger that raises."""
    with engine.begin() as connection:
        if is_sqlite(engine):
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_test BEFORE INSERT ON {table} WHEN {where}"
                    " BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE OR REPLACE FUNCTION refuse_test() RETURNS trigger AS $$ BEGIN"
                    f" IF {where} THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$"
                    " LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse_test BEFORE INSERT ON {table}"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_test()"
                )
            )
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TRIGGER refuse_test{'' if is_sqlite(engine) else ' ON ' + table}"))
            if not is_sqlite(engine):
                connection.execute(text("DROP FUNCTION refuse_test()"))


def test_one_recipients_database_failure_never_stops_the_others(loaded: Engine, slack: SlackStandIn) -> None:
    with refusing_inserts(loaded, "delivery", "NEW.recipient = 'U0ANA'"):
        harbor = sweep(loaded, slack, NOW)["Harbor"]
    assert harbor.outcomes["sent"] == 2 and harbor.outcomes["failed"] == 1, harbor.line()
    assert "injected failure" in harbor.line()
    assert posted(slack) == Counter({"C0HARBOR": 1, "U0BEN": 1})
    later = sweep(loaded, slack, NOW + timedelta(minutes=3))  # retried later the same day
    assert later["Harbor"].outcomes["sent"] == 1 and later["Harbor"].outcomes["already sent"] == 2
    assert posted(slack) == Counter({"C0HARBOR": 1, "U0BEN": 1, "U0ANA": 1})


def test_one_teams_failure_never_stops_the_next_team(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    teams.configure(session=session, name="Summit", channel=None, post_time=None, timezone="Europe/London")
    session.commit()
    silverline = session.exec(select(Account).where(Account.external_id == "SILENT")).one()
    with refusing_inserts(loaded, "alert", f"NEW.account_id = {silverline.id}"):
        first = sweep(loaded, slack, NOW)
    assert "not composed" in first["Harbor"].line() and "injected failure" in first["Harbor"].line()
    assert first["Summit"].outcomes["sent"] == 2
    assert posted(slack) == Counter({"C0SUMMIT": 1, "U0SAM": 1})
    retried = sweep(loaded, slack, NOW + timedelta(minutes=3))
    assert set(retried) == {"Harbor"} and retried["Harbor"].outcomes["sent"] == 3


def test_an_account_whose_steps_cannot_be_computed_never_stops_the_round(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    ana = session.exec(select(Person).where(Person.slack_user_id == "U0ANA")).one()
    session.add(
        Account(
            external_id="FOREVER",
            name="Forever Corp",
            segment_key="enterprise",
            arr=1_000,
            owner_id=ana.id,  # type: ignore[arg-type]
            start_date=date(2020, 1, 1),
            renewal_date=date(9999, 12, 31),  # a CRM's "no end"
            last_review_date=date(9999, 12, 1),  # + 90 days is past the calendar's end
        )
    )
    session.commit()
    summary = sweep(loaded, slack, NOW)["Harbor"]
    assert summary.outcomes["sent"] == 3, summary.line()
    forever = session.exec(select(Account).where(Account.external_id == "FOREVER")).one()
    assert session.exec(select(PlaybookStep).where(PlaybookStep.account_id == forever.id)).all() == []
    others = session.exec(select(PlaybookStep).where(col(PlaybookStep.account_id) != forever.id)).all()
    assert others  # everybody else got theirs


@contextmanager
def write_locked(engine: Engine) -> Iterator[Engine]:
    """Another writer holds the database (an import running); yields an engine that waits briefly."""
    if is_sqlite(engine):
        path = engine.url.database
        holder = sqlite3.connect(str(path), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        impatient = create_engine(str(engine.url))

        @event.listens_for(impatient, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA busy_timeout=300")

        try:
            yield impatient
        finally:
            holder.rollback()
            holder.close()
            impatient.dispose()
        return
    impatient = create_engine(engine.url, connect_args={"options": "-c lock_timeout=300"})
    with engine.connect() as holder:
        holder.execute(text("BEGIN"))
        holder.execute(text("LOCK TABLE team_round, delivery, alert IN EXCLUSIVE MODE"))  # reads pass
        try:
            yield impatient
        finally:
            holder.rollback()
            impatient.dispose()


def test_a_locked_database_fails_the_round_clearly_and_it_is_retried_later_the_same_day(
    loaded: Engine, session: Session, slack: SlackStandIn
) -> None:
    with write_locked(loaded) as impatient:
        blocked = sweep(impatient, slack, NOW)
    line = blocked["Harbor"].line()
    assert "could not start" in line and ("database is locked" in line or "lock timeout" in line), line
    assert slack.posted() == []
    assert session.exec(select(TeamRound)).all() == []  # nothing recorded: the round is still due

    later = sweep(loaded, slack, NOW + timedelta(minutes=2))
    assert later["Harbor"].outcomes["sent"] == 3
    assert session.exec(select(TeamRound.state)).all() == [RoundState.DONE]
    assert {d.status for d in session.exec(select(Delivery)).all()} == {"sent"}


def test_the_clock_sends_no_round_on_a_day_off_and_records_why_once(
    loaded: Engine, session: Session, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    saturday = NOW - timedelta(days=2) + timedelta(minutes=15)  # Sat 21 Nov, 09:15 in London
    caplog.set_level("INFO", logger="bot.jobs.digest")
    assert sweep(loaded, slack, saturday) == {}
    assert sweep(loaded, slack, saturday + timedelta(hours=5)) == {}  # Summit's post time too
    assert slack.calls() == []
    said = [r.getMessage() for r in caplog.records if "no round today" in r.getMessage()]
    assert len(said) == 2, said  # Harbor at once; Summit (New York, 04:15 then) already a day off too
    harbor = next(s for s in said if s.startswith("team Harbor"))
    assert "Saturday is not a working day (POST_DAYS=mon,tue,wed,thu,fri)" in harbor, harbor
    assert "the next one goes Mon 23 Nov 09:00 Europe/London" in harbor, harbor
    assert set(session.exec(select(TeamRound.state)).all()) == {RoundState.PASSED}

    by_hand = morning_round(  # `digest` run by hand sends whatever the day
        engine=loaded,
        client=make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test"),
        now=saturday,
        settings=SETTINGS,
    )
    assert by_hand.outcomes["sent"] == 5


def test_a_round_missed_by_more_than_the_catch_up_window_waits_for_the_next_working_day(
    loaded: Engine, session: Session, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.jobs.digest")
    at_the_edge = sweep(loaded, slack, NOW + timedelta(hours=6))  # 15:00 in London: still caught up
    assert at_the_edge["Harbor"].outcomes["sent"] == 3

    late = Settings(_env_file=None, catch_up_hours=2)
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    tuesday_late = NOW + timedelta(days=1, hours=2, minutes=1)  # Tue 11:01 in London, 06:01 in New York
    assert dict(catch_up(engine=loaded, client=client, now=tuesday_late, settings=late)) == {}
    assert dict(catch_up(engine=loaded, client=client, now=tuesday_late, settings=late)) == {}
    said = [r.getMessage() for r in caplog.records if "no round today" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("team Harbor: no round today: it is 11:01"), said
    assert "more than 2 hours after the post time (CATCH_UP_HOURS)" in said[0], said
    assert "the next one goes Wed 25 Nov 09:00 Europe/London" in said[0], said
    new_york_morning = tuesday_late + timedelta(hours=3)
    summit = dict(catch_up(engine=loaded, client=client, now=new_york_morning, settings=late))
    assert summit["Summit"].outcomes["sent"] == 2  # 09:01 in New York: its own window
