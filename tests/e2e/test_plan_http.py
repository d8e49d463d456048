"""`/teamload plan`, Apply plan, its confirmation and the handoff DMs, via Slack-signed HTTP to `serve`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.models import PlanApplication
from tests.support import factories as f
from tests.support.blockcheck import message_text
from tests.support.plan_flow import (
    books_change_when_applied,
    click_apply,
    confirmation,
    harbor_books,
    owners,
    submit,
    the_plan,
)
from tests.support.processes import Cli, ServeApp
from tests.support.slack_standin import SlackStandIn


@pytest.fixture
def harbor(session: Session) -> dict[str, Any]:
    return harbor_books(session)


def test_a_manager_sees_the_plan_confirms_it_and_each_csm_concerned_gets_one_dm(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    plan = the_plan(app, slack)
    assert "5 moves" in message_text(plan)  # its wording and escaping: tests/slack/test_plan_blocks.py

    click_apply(app, slack, plan)
    opened = slack.wait_for("views.open", timeout=15)[0]
    modal = opened.param("view")
    assert opened.param("trigger_id") and modal["callback_id"] == "plan-apply-modal"
    assert len(modal["blocks"]) <= 100 and "hands over 5 accounts" in message_text(modal)
    for block in modal["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]

    before = owners(session)
    done = submit(app, modal)
    assert done["response_action"] == "update" and "Applied: 5 accounts" in message_text(done["view"])
    after = owners(session)
    moved = [i for i in after if after[i] != before[i]]
    assert len(moved) == 5 and {after[i] for i in moved} == {harbor["eli"].id}
    assert harbor["accounts"][0].id not in moved  # the open alert kept it with Dana
    record = session.exec(select(PlanApplication)).one()
    assert record.applied_by == "U0MGR"

    dms = slack.wait_for("chat.postMessage", count=2, timeout=15)
    by_user = {c.param("channel"): c for c in dms}
    assert set(by_user) == {"U0DANA", "U0ELI"}
    assert "You take over 5 accounts" in message_text({"blocks": by_user["U0ELI"].blocks})
    assert "You hand over 5 accounts" in message_text({"blocks": by_user["U0DANA"].blocks})
    slack.wait_for("response/teamload", count=2, timeout=15)  # the shown plan now says it was applied

    again = submit(app, modal)  # the modal submitted twice
    assert "already applied by <@U0MGR>" in message_text(again["view"])
    app.wait_for_log("handoff DMs: 2 already sent")  # its DMs were found claimed
    click_apply(app, slack, plan)  # and the button clicked again
    (told,) = slack.wait_for("chat.postEphemeral", timeout=15)
    assert "already applied" in told.text and told.param("user") == "U0MGR"
    assert owners(session) == after and len(session.exec(select(PlanApplication)).all()) == 1
    assert len(slack.calls("chat.postMessage")) == 2 and len(slack.calls("views.open")) == 1
    assert len(slack.calls("response/teamload")) == 2


def test_a_plan_made_stale_is_refused_with_the_new_plan(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    plan = the_plan(app, slack)
    click_apply(app, slack, plan)
    modal = slack.wait_for("views.open", timeout=15)[0].param("view")
    f.book(session, harbor["dana"], mid_market=4)  # four more accounts since the plan was shown
    session.commit()
    before = owners(session)

    refused = submit(app, modal)
    assert refused["response_action"] == "update"
    assert "The books changed, here is the new plan" in message_text(refused["view"])
    assert "hands over 9 accounts" in message_text(refused["view"])
    assert owners(session) == before and session.exec(select(PlanApplication)).all() == []

    click_apply(app, slack, plan)  # the old message's button
    new = slack.wait_for("response/teamload", count=2, timeout=15)[1]
    assert "The books changed, here is the new plan" in message_text({"blocks": new.blocks})
    assert new.param("replace_original") in (True, "true")
    app.wait_for_log("no application of theirs, so no handoff DMs")  # the submit's work is done
    assert len(slack.calls("views.open")) == 1 and slack.calls("chat.postMessage") == []


def test_books_changed_during_the_apply_move_nothing_record_nothing_and_tell_nobody(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, engine: Engine, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    modal = confirmation(app, slack)
    before = owners(session)
    # Between the plan's computation and its owners' writes, Dana's accounts go to Fay.
    with books_change_when_applied(engine, from_owner=harbor["dana"].id, to_owner=harbor["fay"].id):
        refused = submit(app, modal)

    assert refused["response_action"] == "update"
    assert "The books changed while the plan was being applied" in message_text(refused["view"])
    app.wait_for_log("no application of theirs, so no handoff DMs")  # the submit's work is done
    assert session.exec(select(PlanApplication)).all() == [] and owners(session) == before
    assert slack.calls("chat.postMessage") == [] and len(slack.calls("response/teamload")) == 1
    with Session(engine) as fresh:  # nothing half-written, as another process reads it
        assert fresh.exec(select(func.count()).select_from(PlanApplication)).one() == 0


@pytest.mark.parametrize(
    ("user", "text"), [("U0FAY", "plan"), ("U0OSCAR", "plan Harbor"), ("U0NOBODY", "plan")]
)
def test_a_plain_csm_and_outsiders_are_refused(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, harbor: dict[str, Any], user: str, text: str
) -> None:
    app = serve_app()
    answer = app.post_command("/teamload", text, user_id=user)
    assert answer.status == 200 and answer.json()["response_type"] == "ephemeral"
    assert "Working out" not in answer.json()["text"]
    slack.assert_quiet(1.0)
    assert slack.calls("response/teamload") == []


def test_an_outsider_clicking_apply_is_refused_and_nothing_opens(
    serve_app: ServeApp, slack: SlackStandIn, session: Session, harbor: dict[str, Any]
) -> None:
    app = serve_app()
    plan = the_plan(app, slack)
    click_apply(app, slack, plan, user="U0OSCAR")
    (refusal,) = slack.wait_for("chat.postEphemeral", timeout=15)  # the click's last word
    assert "Only the team's managers and admins" in refusal.text and refusal.param("user") == "U0OSCAR"
    assert slack.calls("views.open") == [] and len(slack.calls("response/teamload")) == 1


def test_the_cli_prints_the_plan_writes_its_csv_and_applies_it_with_the_dms(
    cli: Cli, slack: SlackStandIn, session: Session, harbor: dict[str, Any], tmp_path: Path
) -> None:
    harbor["accounts"][5].name = "Evil \x1b[31m[bold]red[/bold]"
    session.commit()
    moves_csv = tmp_path / "moves.csv"
    refused = cli.run("plan", "--team", "Harbor", "--apply", env={"SLACK_BOT_TOKEN": ""})
    assert refused.returncode == 2 and "SLACK_BOT_TOKEN" in refused.stdout
    before = owners(session)
    assert len(set(before.values())) == 3  # nothing moved

    shown = cli.run("plan", "--team", "Harbor", "--csv", str(moves_csv), env={"COLUMNS": "250"})
    assert shown.returncode == 0, shown.stdout
    assert (
        "5 moves" in shown.stdout
        and "\x1b[31m" not in shown.stdout
        and "Evil [bold]red[/bold]" in shown.stdout
    )
    with moves_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        *("external_id", "name", "segment", "arr", "from", "to", "reason", "from_email", "to_email")
    ]
    assert len(rows) == 6 and {(r[4], r[5]) for r in rows[1:]} == {("U0DANA", "U0ELI")}
    assert {(r[7], r[8]) for r in rows[1:]} == {("u0dana@example.com", "u0eli@example.com")}
    assert owners(session) == before and slack.calls("chat.postMessage") == []

    applied = cli.run("plan", "--team", "Harbor", "--apply")
    assert applied.returncode == 0, applied.stdout
    assert "5 moves applied; 2 handoff DMs sent" in applied.stdout
    assert {c.param("channel") for c in slack.calls("chat.postMessage")} == {"U0DANA", "U0ELI"}
    assert sum(1 for k in owners(session) if owners(session)[k] != before[k]) == 5
    record = session.exec(select(PlanApplication)).one()
    assert record.applied_by == "cli"
