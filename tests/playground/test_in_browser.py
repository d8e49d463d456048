"""The playground as a person uses it, in Chromium: the demo company, the real app behind the page.

`CSM_COACH_SCREENSHOT=docs/playground-dm.png pytest tests/playground -k morning_round` also writes the
README's screenshot of the morning DM.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.db import get_engine
from bot.domain.playbooks import Step
from bot.models import Account, Alert, Person, PlanApplication, PlaybookStep, Role, StepStatus
from bot.playground.server import running
from bot.services import books
from tests.support.plan_flow import harbor_books

SCREENSHOT = os.environ.get("CSM_COACH_SCREENSHOT")


@pytest.fixture
def playground(browser: Any, database_url: str) -> Iterator[str]:
    """The playground on an empty database: it loads the demo company."""
    with running(database_url=database_url) as url:
        yield url


def session_of(database_url: str) -> Session:
    return Session(get_engine(database_url), expire_on_commit=False)


def view_as(page: Any, url: str, user_id: str) -> None:
    page.goto(url)
    picker = page.get_by_role("combobox", name="Viewing as")
    picker.select_option(user_id)
    expect(picker).to_have_value(user_id)


def send(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Command")
    box.fill(text)
    box.press("Enter")


def run_round(page: Any) -> None:
    page.get_by_role("button", name="Run this morning's round").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Morning round: \d+ sent"), timeout=90_000)


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def first_csm(database_url: str) -> Person:
    with session_of(database_url) as session:
        return session.exec(
            select(Person).where(Person.role == Role.CSM, col(Person.active)).order_by(col(Person.id))
        ).first() or pytest.fail("the demo has no CSM")


def after_the_round_as_backlog_csm(page: Any, url: str, database_url: str) -> Person:
    """Run the round (as anyone), then view as the CSM with the review backlog."""
    view_as(page, url, first_csm(database_url).slack_user_id)
    run_round(page)
    csm = backlog_csm(database_url)
    view_as(page, url, csm.slack_user_id)
    return csm


def backlog_csm(database_url: str) -> Person:
    """The CSM with the most open reviews: the demo's one whose reviews were never recorded."""
    with session_of(database_url) as session:
        owner_id, _ = session.exec(
            select(Account.owner_id, func.count())
            .join(PlaybookStep, col(PlaybookStep.account_id) == col(Account.id))
            .where(PlaybookStep.step == Step.REVIEW.value, PlaybookStep.status == StepStatus.OPEN)
            .group_by(col(Account.owner_id))
            .order_by(func.count().desc())
        ).first() or pytest.fail("no open review in the demo")
        return session.exec(select(Person).where(Person.id == owner_id)).one()


def the_dm(page: Any) -> Any:
    return page.get_by_role("log", name="Messages").get_by_role("article").filter(has_text="Good morning")


def test_a_csm_types_myload_and_reads_the_verdict(page: Any, playground: str, database_url: str) -> None:
    csm = first_csm(database_url)
    with session_of(database_url) as session:
        verdict = books.book_of(session=session, person=csm).load.verdict
    view_as(page, playground, csm.slack_user_id)
    send(page, "/myload")
    answer = page.get_by_role("article").filter(has_text="Only visible to you")
    expect(answer).to_contain_text("Your book")
    expect(answer).to_contain_text(re.compile(f"{verdict.value} band", re.IGNORECASE))
    expect(page.get_by_role("textbox", name="Command")).to_have_value("")


def test_the_morning_round_posts_the_dm_and_the_team_post(
    page: Any, playground: str, database_url: str
) -> None:
    csm = after_the_round_as_backlog_csm(page, playground, database_url)
    dm = the_dm(page)
    expect(dm).to_have_count(1)
    expect(dm.get_by_role("heading")).to_contain_text(f"Good morning {csm.name.split()[0]}")
    expect(dm.get_by_role("button", name="Mark done").first).to_be_visible()
    if SCREENSHOT:
        Path(SCREENSHOT).parent.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.screenshot(path=SCREENSHOT)
    page.get_by_role("navigation").get_by_role("button", name=re.compile(r"^# team-")).first.click()
    expect(page.get_by_role("log", name="Messages").get_by_role("article").first).to_contain_text(
        "Usage drops"
    )
    expect(page.get_by_role("tablist")).to_be_hidden()  # a channel has no Home tab


def test_reached_out_updates_the_message_in_place(page: Any, playground: str, database_url: str) -> None:
    csm = after_the_round_as_backlog_csm(page, playground, database_url)
    dm = the_dm(page)
    expect(dm.get_by_role("button", name="Reached out").first).to_be_visible()
    before = dm.get_by_role("button", name="Reached out").count()
    dm.get_by_role("button", name="Reached out").first.click()
    expect(dm).to_contain_text("(edited)")
    expect(dm).to_contain_text(f"Reached out — @{csm.name}")
    expect(dm.get_by_role("button", name="Reached out")).to_have_count(before - 1)
    expect(the_dm(page)).to_have_count(1)  # the same message, edited: no second one
    with session_of(database_url) as session:
        reached = session.exec(select(Alert).where(Alert.reached_out_by == csm.slack_user_id)).all()
    assert len(reached) == 1


def test_mark_done_opens_the_modal_and_schedules_the_next_review(
    page: Any, playground: str, database_url: str
) -> None:
    csm = after_the_round_as_backlog_csm(page, playground, database_url)
    dm = the_dm(page)
    expect(dm).to_be_visible()
    with session_of(database_url) as session:
        reviews = session.exec(
            select(PlaybookStep)
            .join(Account, col(Account.id) == col(PlaybookStep.account_id))
            .where(
                Account.owner_id == csm.id,
                PlaybookStep.step == Step.REVIEW.value,
                PlaybookStep.status == StepStatus.OPEN,
            )
        ).all()
    shown = [s for s in reviews if dm.locator(f'[data-block-id="step-{s.id}"]').count()]
    assert shown, "the backlog CSM's DM lists a review"
    step = shown[0]
    dm.locator(f'[data-block-id="step-{step.id}"]').get_by_role("button", name="Mark done").click()
    dialog = page.get_by_role("dialog", name="Outcomes Review")
    expect(dialog).to_be_visible()
    dialog.get_by_role("textbox", name="Results reviewed").fill("Onboarding time cut by 40%")
    dialog.get_by_role("textbox", name="Next outcomes agreed").fill("Roll out to the EMEA team")
    dialog.get_by_role("checkbox", name="Expansion opportunity found").check()
    dialog.get_by_role("button", name="Record").click()
    expect(dialog).to_be_hidden()
    expect(
        dm.locator(f'[data-block-id="step-{step.id}"]').get_by_role("button", name="Mark done")
    ).to_have_count(0)
    with session_of(database_url) as session:
        done = session.get(PlaybookStep, step.id)
        assert done is not None and done.status == StepStatus.DONE
        assert done.results_reviewed == "Onboarding time cut by 40%" and done.expansion_found is True
        following = session.exec(
            select(PlaybookStep).where(
                PlaybookStep.account_id == step.account_id,
                PlaybookStep.step == Step.REVIEW.value,
                PlaybookStep.sequence == step.sequence + 1,
            )
        ).one()
    assert following.status == StepStatus.OPEN and following.due_on > done.completed_on


def test_cancel_closes_the_dialog_and_records_nothing(page: Any, playground: str, database_url: str) -> None:
    after_the_round_as_backlog_csm(page, playground, database_url)
    the_dm(page).get_by_role("button", name="Mark done").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    with session_of(database_url) as session:
        assert (
            session.exec(select(PlaybookStep).where(PlaybookStep.status == StepStatus.DONE)).first() is None
        )


def manager_of_busiest_team(database_url: str) -> Person:
    with session_of(database_url) as session:
        team_books = [
            (b.load.load_at_top, b.person.team_id)
            for p in session.exec(select(Person).where(Person.role == Role.CSM)).all()
            for b in [books.book_of(session=session, person=p)]
        ]
        _, team_id = max(team_books, key=lambda pair: pair[0])
        return session.exec(
            select(Person).where(Person.team_id == team_id, Person.role == Role.MANAGER)
        ).one()


def test_a_manager_applies_a_rebalancing_plan(page: Any, playground: str, database_url: str) -> None:
    manager = manager_of_busiest_team(database_url)
    view_as(page, playground, manager.slack_user_id)
    send(page, "/teamload plan")
    plan = page.get_by_role("article").filter(has_text="Only visible to you").last
    expect(plan.get_by_role("button", name="Apply plan")).to_be_visible(timeout=60_000)
    plan.get_by_role("button", name="Apply plan").click()
    dialog = page.get_by_role("dialog", name="Apply the plan")
    expect(dialog).to_be_visible(timeout=60_000)  # the plan is worked out again from fresh books first
    dialog.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_role("dialog", name="Rebalancing plan")).to_contain_text("pplied", timeout=60_000)
    with session_of(database_url) as session:
        applied = session.exec(select(PlanApplication)).all()
    assert len(applied) == 1 and applied[0].applied_by == manager.slack_user_id
    page.get_by_role("dialog").get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(plan).to_contain_text("pplied")  # the plan shown is replaced by what was done


def test_a_manager_reads_the_week(page: Any, playground: str, database_url: str) -> None:
    manager = manager_of_busiest_team(database_url)
    view_as(page, playground, manager.slack_user_id)
    send(page, "/teamload week")
    answer = page.get_by_role("article").filter(has_text="Only visible to you").last
    expect(answer).to_be_visible()
    expect(answer.get_by_role("heading").first).to_contain_text(re.compile("week", re.IGNORECASE))
    expect(answer).to_contain_text("a comparison, not an experiment")


def test_app_home_shows_the_book(page: Any, playground: str, database_url: str) -> None:
    csm = first_csm(database_url)
    view_as(page, playground, csm.slack_user_id)
    page.get_by_role("navigation").get_by_role("button", name="csm-coach").click()
    page.get_by_role("tab", name="Home").click()
    home = page.get_by_role("region", name="Home")
    expect(home.locator(".block").first).to_be_visible()
    expect(home).to_contain_text("accounts")
    expect(page.get_by_role("textbox", name="Command")).to_be_hidden()  # App Home takes no commands
    page.get_by_role("tab", name="Messages").click()
    expect(page.get_by_role("textbox", name="Command")).to_be_visible()


HOSTILE_PERSON = 'Mallory <img src=x onerror="window.__pwned=1">'
HOSTILE_ACCOUNT = "<script>window.__pwned=2</script> *Evil* &amp; <https://evil.example|re-auth>"


@pytest.fixture
def hostile_playground(browser: Any, database_url: str) -> Iterator[str]:
    """A database of our own (not empty: no demo), whose names are HTML and mrkdwn."""
    with session_of(database_url) as session:
        books_ = harbor_books(session)
        manager = session.exec(select(Person).where(Person.slack_user_id == "U0MGR")).one()
        manager.name = HOSTILE_PERSON
        books_["dana"].name = '<b onmouseover="window.__pwned=3">Dana</b>'
        for account in books_["accounts"]:
            account.name = HOSTILE_ACCOUNT + f" {account.id}"
        session.add_all([manager, books_["dana"], *books_["accounts"]])
        session.commit()
    with running(database_url=database_url) as url:
        yield url


def test_the_page_never_renders_a_hostile_name_as_html(page: Any, hostile_playground: str) -> None:
    view_as(page, hostile_playground, "U0MGR")
    expect(page.get_by_role("combobox", name="Viewing as")).to_contain_text(HOSTILE_PERSON)
    send(page, "/teamload")
    answer = page.get_by_role("article").filter(has_text="Only visible to you").last
    expect(answer).to_contain_text('@<b onmouseover="window.__pwned=3">Dana</b>')
    send(page, "/teamload plan")
    plan = page.get_by_role("article").filter(has_text="Apply plan").last
    # Data's own mrkdwn and entities stay words (the app's escape() defuses *, _ and ~; they read the
    # same), escaped once by the app and shown once here.
    expect(plan).to_contain_text("<script>window.")
    expect(plan).to_contain_text("Evil∗ &amp; <https://evil.example|re-auth>")
    messages = page.get_by_role("log", name="Messages")
    assert messages.locator("img, script, b[onmouseover], a[href*='evil']").count() == 0
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*bold* _italic_ ~strike~ `code`", "<b>bold</b> <i>italic</i> <s>strike</s> <code>code</code>"),
        ("```a *b*\n&lt;c&gt;```", "<pre>a *b*\n&lt;c&gt;</pre>"),
        ("> quoted\nplain", "<blockquote>quoted</blockquote>plain"),
        (
            "<https://example.com|the &lt;site&gt;> <mailto:a@b.c|mail>",
            '<a href="https://example.com" target="_blank" rel="noopener noreferrer">the &lt;site&gt;</a> '
            '<a href="mailto:a@b.c" target="_blank" rel="noopener noreferrer">mail</a>',
        ),
        ("&amp;lt;b&amp;gt; &lt;i&gt; a&amp;b", "&amp;lt;b&amp;gt; &lt;i&gt; a&amp;b"),
        ("<javascript:alert(1)|x>", "&lt;javascript:alert(1)|x&gt;"),
        ("2*3*4 snake_case_name", "2*3*4 snake_case_name"),
        (":warning: <!here>", '⚠️ <span class="mention">@here</span>'),
    ],
)
def test_mrkdwn_is_drawn_as_slack_draws_it(page: Any, playground: str, text: str, html: str) -> None:
    page.goto(playground)
    drawn = page.evaluate("(text) => mrkdwn(text).innerHTML", text)
    assert drawn == html


def test_mentions_are_shown_by_name(page: Any, playground: str, database_url: str) -> None:
    csm = first_csm(database_url)
    view_as(page, playground, csm.slack_user_id)
    drawn = page.evaluate("(text) => mrkdwn(text).textContent", f"<@{csm.slack_user_id}> and <#C0DEMO0001>")
    assert drawn == f"@{csm.name} and #team-{_slug_of_first_team(database_url)}"


def _slug_of_first_team(database_url: str) -> str:
    from bot.models import Team
    from bot.playground.server import slug

    with session_of(database_url) as session:
        team = session.exec(select(Team).where(Team.channel_id == "C0DEMO0001")).one()
        return slug(team.name)
