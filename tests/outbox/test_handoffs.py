"""A plan's handoff DMs are claimed once per application and CSM, whatever the day they are sent on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.models import Delivery, DeliveryStatus, Team
from bot.outbox.outgoing import PlanHandoff, stored
from bot.services import plan as plans
from bot.slack.client import make_round_client
from bot.slack.plan_dms import retry_failed_handoffs, send_handoffs
from tests.support.plan_flow import handoff_dms, harbor_books
from tests.support.slack_standin import SlackStandIn

SETTINGS = Settings(_env_file=None)


@pytest.fixture
def applied(session: Session) -> tuple[int, datetime]:
    """(application id, when) of Harbor's plan, applied a little before midnight UTC."""
    harbor_books(session)
    team = session.exec(select(Team).where(Team.name == "Harbor")).one()
    at = datetime.now(UTC).replace(hour=23, minute=50, second=0, microsecond=0)
    shown = plans.compute(session=session, team=team, today=at.date(), settings=SETTINGS)
    done = plans.apply(
        session=session,
        team=team,
        shown=shown.fingerprint,
        by="U0MGR",
        now=at,
        today=at.date(),
        settings=SETTINGS,
    )
    session.commit()
    assert done.record is not None and done.record.id is not None
    return done.record.id, at


def received(slack: SlackStandIn) -> Counter[str]:
    return Counter(c.param("channel") for c in handoff_dms(slack, posted=True))


def test_handoffs_sent_again_the_next_day_find_them_claimed_and_send_nothing(
    engine: Engine, session: Session, slack: SlackStandIn, applied: tuple[int, datetime]
) -> None:
    application_id, at = applied
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")

    first = send_handoffs(engine=engine, client=client, application_id=application_id, now=at)
    for later in (at + timedelta(minutes=20), at + timedelta(days=1, hours=9)):  # past midnight, next day
        again = send_handoffs(engine=engine, client=client, application_id=application_id, now=later)
        assert again.outcomes == Counter({"already sent": 2})

    assert first.outcomes == Counter({"sent": 2})
    assert received(slack) == {"U0DANA": 1, "U0ELI": 1}
    assert {d.local_date for d in session.exec(select(Delivery)).all()} == {at.date()}


def test_a_handoff_refused_before_its_day_was_fixed_is_retried_under_its_own_key(
    engine: Engine, session: Session, slack: SlackStandIn, applied: tuple[int, datetime]
) -> None:
    """Rows claimed by an earlier version carry the day they were sent on: retried as they are."""
    application_id, at = applied
    sent_on = at.date() + timedelta(days=1)
    kind = stored(PlanHandoff(application_id, "U0ELI", sent_on)).kind
    for recipient, status in (("U0DANA", DeliveryStatus.SENT), ("U0ELI", DeliveryStatus.FAILED)):
        session.add(
            Delivery(
                kind=kind, recipient=recipient, local_date=sent_on, team_id=1, status=status, claimed_at=at
            )
        )
    session.commit()
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")

    retried = retry_failed_handoffs(engine=engine, client=client, now=at + timedelta(minutes=2))
    assert retry_failed_handoffs(engine=engine, client=client, now=at + timedelta(minutes=4)).outcomes == {}

    assert retried.outcomes == Counter({"sent": 1}) and received(slack) == {"U0ELI": 1}
    session.expire_all()
    rows = {d.recipient: (d.local_date, d.status) for d in session.exec(select(Delivery)).all()}
    assert rows == {"U0DANA": (sent_on, "sent"), "U0ELI": (sent_on, "sent")}


def test_a_handoff_refused_more_than_a_day_ago_is_left_alone(
    engine: Engine, session: Session, slack: SlackStandIn, applied: tuple[int, datetime]
) -> None:
    application_id, at = applied
    session.add(
        Delivery(
            kind=stored(PlanHandoff(application_id, "U0ELI", at.date())).kind,
            recipient="U0ELI",
            local_date=at.date(),
            team_id=1,
            status=DeliveryStatus.FAILED,
            claimed_at=at,
        )
    )
    session.commit()
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")

    late = retry_failed_handoffs(engine=engine, client=client, now=at + timedelta(days=1, minutes=1))

    assert late.outcomes == {} and slack.calls() == []
