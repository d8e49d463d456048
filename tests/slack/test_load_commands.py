"""`/myload` and `/teamload` answers, computed on a real database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.models import Account, Team
from bot.slack.answers import myload, teamload
from bot.slack.interactions import SlashCommand
from tests.support import factories
from tests.support.blockcheck import assert_valid_message, message_text

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SETTINGS = Settings(_env_file=None, csm_coach_admins=frozenset({"UADMIN"}))


def command(name: str, user_id: str, text: str = "") -> SlashCommand:
    return SlashCommand.of({"command": name, "user_id": user_id, "text": text, "channel_id": "C0TEAM"})


def say_myload(session: Session, user_id: str, text: str = "") -> str:
    payload = myload.answer(
        command("/myload", user_id, text), session=session, settings=SETTINGS, now=NOW
    ).ephemeral()
    assert_valid_message(payload)
    assert payload["response_type"] == "ephemeral"
    return message_text(payload)


def say_teamload(session: Session, user_id: str, text: str = "") -> str:
    payload = teamload.answer(
        command("/teamload", user_id, text), session=session, settings=SETTINGS, now=NOW
    ).ephemeral()
    assert_valid_message(payload)
    return message_text(payload)


@pytest.fixture
def harbor(session: Session) -> dict[str, Any]:
    team = factories.team(session, "Harbor")
    other = factories.team(session, "Summit")
    people = {
        "over": factories.person(session, team, "UOVER", name="Olive Over"),
        "within": factories.person(session, team, "UWITHIN", name="Wes Within"),
        "under": factories.person(session, team, "UUNDER", name="Una Under"),
        "mixed": factories.person(session, team, "UMIXED", name="Max Mixed"),
        "manager": factories.person(session, team, "UMGR", role="manager", name="Mia Manager"),
        "outsider_manager": factories.person(session, other, "UOTHERMGR", role="manager"),
        "stranger": factories.person(session, other, "USTRANGER"),
    }
    factories.book(session, people["over"], mid_market=140)
    factories.book(session, people["within"], mid_market=100)
    factories.book(session, people["under"], enterprise=6)
    factories.book(session, people["mixed"], smb=100, large=30)  # 0.5 + 0.375 at top; 0.8 + 0.75 at bottom
    session.commit()
    return people


def test_myload_shows_an_over_band_single_segment_book(session: Session, harbor: dict[str, Any]) -> None:
    text = say_myload(session, "UOVER")
    assert "Your book: 140 accounts" in text
    assert "*Over band:* 140 Mid-market = 112% of a full Mid-market book." in text
    assert "Mid-market" in text and "band 80–125" in text
    assert "15 accounts over" in text


def test_myload_shows_a_within_band_book_with_its_headroom(session: Session, harbor: dict[str, Any]) -> None:
    text = say_myload(session, "UWITHIN")
    assert "*Within band:* 100 Mid-market = 80% of a full Mid-market book." in text
    assert "Room for *25 more accounts* in Mid-market" in text


def test_myload_shows_an_under_band_book_and_how_far_the_bottom_is(
    session: Session, harbor: dict[str, Any]
) -> None:
    text = say_myload(session, "UUNDER")
    assert "*Under band:* 6 Enterprise = 15% of a full Enterprise book; the band starts at 25%" in text
    assert "4 accounts* more in Enterprise would bring you to the bottom" in text


def test_myload_weighs_a_mixed_book_segment_by_segment(session: Session, harbor: dict[str, Any]) -> None:
    text = say_myload(session, "UMIXED")
    assert "Digital / SMB" in text and "Large" in text
    assert (
        "*Within band:* 100 Digital / SMB = 50% of a full Digital / SMB book, "
        "30 Large = 38% of a full Large book: 88% of one CSM's book." in text
    )
    answer = myload.answer(command("/myload", "UMIXED"), session=session, settings=SETTINGS, now=NOW)
    notification = answer.text
    assert notification == "Your book: 130 accounts: 88% of one CSM's book, within band."  # the same basis


def test_myload_says_when_segments_each_within_band_add_up_to_more_than_one_book(
    session: Session, harbor: dict[str, Any]
) -> None:
    team = harbor["over"].team_id
    ana = factories.person(session, session.get(Team, team), "UANA", name="Ana Alvarez")
    factories.book(session, ana, large=67, enterprise=22)
    session.commit()
    text = say_myload(session, "UANA")
    assert (
        "*Over band:* 67 Large = 84% of a full Large book, 22 Enterprise = 55% of a full Enterprise book: "
        "139% of one CSM's book. Each segment is within its own band, but together they are more than "
        "one book." in text
    ), text


def test_myload_places_the_book_in_the_industry_survey(session: Session, harbor: dict[str, Any]) -> None:
    text = say_myload(session, "UOVER")
    assert "In Vitally's survey of B2B SaaS companies, 1% give a CSM 101–200 customers, like you" in text
    assert "most (99%) give fewer" in text and "Mid-market, 80–125) is the fairer yardstick" in text
    assert "Totango" in text and "~37" in text


def test_myload_for_someone_not_in_the_roster_says_how_to_be_added(
    session: Session, harbor: dict[str, Any]
) -> None:
    text = say_myload(session, "UNOBODY")
    assert "not in the csm-coach roster" in text and "import team" in text


def test_myload_help_explains_the_command(session: Session) -> None:
    assert "over*, *within* or *under* band" in say_myload(session, "UNOBODY", "help")


def test_manager_sees_a_team_members_book(session: Session, harbor: dict[str, Any]) -> None:
    text = say_myload(session, "UMGR", "<@UOVER|olive>")
    assert "Olive Over's book: 140 accounts" in text


def test_admin_from_settings_sees_anyones_book(session: Session, harbor: dict[str, Any]) -> None:
    assert "Una Under's book" in say_myload(session, "UADMIN", "<@UUNDER>")


@pytest.mark.parametrize("viewer", ["UWITHIN", "UOTHERMGR", "UNOBODY"])
@pytest.mark.parametrize("target", ["<@UOVER>", "<@UGHOST>"])
def test_others_are_refused_without_learning_whether_the_person_exists(
    session: Session, harbor: dict[str, Any], viewer: str, target: str
) -> None:
    text = say_myload(session, viewer, target)
    assert "only as their manager or a csm-coach admin" in text
    assert "140" not in text and "Olive" not in text


def test_myload_at_self_is_allowed(session: Session, harbor: dict[str, Any]) -> None:
    assert "Your book: 100 accounts" in say_myload(session, "UWITHIN", "<@UWITHIN>")


def test_unescaped_handle_and_email_find_the_person(session: Session, harbor: dict[str, Any]) -> None:
    assert "Olive Over's book" in say_myload(session, "UMGR", "@olive over")
    assert "Olive Over's book" in say_myload(session, "UMGR", "uover@example.com")


def test_teamload_lists_each_csm_sorted_by_load(session: Session, harbor: dict[str, Any]) -> None:
    text = say_teamload(session, "UMGR")
    assert "Team Harbor: 4 CSMs, 376 accounts" in text
    assert "1 over band · 2 within · 1 under" in text
    order = [text.index(f"<@{uid}>") for uid in ("UOVER", "UMIXED", "UWITHIN", "UUNDER")]
    assert order == sorted(order)
    assert "UMGR" not in text.replace("<@UMGR>", "")  # the manager owns nothing and is not listed


def test_teamload_refuses_a_csm(session: Session, harbor: dict[str, Any]) -> None:
    assert "for managers and csm-coach admins" in say_teamload(session, "UWITHIN")


def test_teamload_refuses_a_manager_asking_for_another_team(session: Session, harbor: dict[str, Any]) -> None:
    assert "for managers and csm-coach admins" in say_teamload(session, "UOTHERMGR", "Harbor")


def test_teamload_for_an_admin_names_the_team_or_lists_them(session: Session, harbor: dict[str, Any]) -> None:
    assert "Team Harbor" in say_teamload(session, "UADMIN", "harbor")
    text = say_teamload(session, "UADMIN")
    assert "Which team?" in text and "Harbor" in text and "Summit" in text
    assert "No team is named" in say_teamload(session, "UADMIN", "Atlantis")


def test_teamload_channel_makes_this_channel_the_teams(session: Session, harbor: dict[str, Any]) -> None:
    text = say_teamload(session, "UMGR", "channel")
    session.commit()
    assert "<#C0TEAM>" in text
    from bot.services.teams import find_team

    team = find_team(session=session, name="Harbor")
    assert team is not None and team.channel_id == "C0TEAM"


def test_teamload_stays_within_slacks_limits_for_a_huge_team(session: Session) -> None:
    team = factories.team(session, "Giant")
    factories.person(session, team, "UBOSS", role="manager")
    for i in range(300):
        factories.person(session, team, f"UCSM{i:04d}", name=f"CSM {i}")
    session.commit()
    text = say_teamload(session, "UBOSS")
    assert "Team Giant: 300 CSMs" in text
    more = re.search(r"\+(\d+) more CSMs? with lower load not shown", text)
    assert more is not None, text[-300:]
    assert text.count("<@UCSM") + int(more.group(1)) == 300  # those shown and those counted: everyone


def test_teamload_shows_each_csms_review_outcomes_of_the_last_quarter(
    session: Session, harbor: dict[str, Any]
) -> None:
    from datetime import date

    from bot.models import PlaybookStep

    over = harbor["over"]
    account_id = session.exec(select(Account.id).where(Account.owner_id == over.id)).first()
    for due, done, expansion in (
        (date(2026, 10, 1), date(2026, 9, 30), True),
        (date(2026, 10, 1), date(2026, 10, 9), False),
    ):
        session.add(
            PlaybookStep(
                account_id=account_id,
                playbook="executive_outcomes_review",
                step="review",
                sequence=1 if expansion else 2,
                due_on=due,
                status="done",
                completed_on=done,
                completed_by=over.slack_user_id,
                expansion_found=expansion,
            )
        )
    session.commit()
    text = say_teamload(session, "UMGR")
    assert "reviews 2 (1 on time, 1 expansion)" in text
    assert "*2* done, 1 on time (50%), 1 found an expansion opportunity (50%)" in text
