"""The rebalancing plan through `serve` as a manager uses it: the books, `/teamload plan`, Apply plan,
its confirmation, and the handoff DMs that reach the stand-in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot.models import Account, Alert, PlaybookStep
from tests.support import factories as f
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.signing import AppClient, block_actions_payload, view_submission_payload
from tests.support.slack_standin import Call, SlackStandIn

HANDOFF_TITLE = "your book changes"


def harbor_books(session: Session) -> dict[str, Any]:
    """Dana at 104% (130 mid-market, one on an open alert), Eli at 80%, Fay on Large; Oscar manages Summit.

    Her plan moves five of Dana's accounts to Eli: one DM each to Dana and Eli.
    """
    team = f.team(session, "Harbor")
    f.person(session, team, "U0MGR", role="manager")
    dana, eli = f.person(session, team, "U0DANA"), f.person(session, team, "U0ELI")
    fay = f.person(session, team, "U0FAY")
    f.person(session, f.team(session, "Summit"), "U0OSCAR", role="manager")
    accounts = f.book(session, dana, mid_market=130)
    f.book(session, eli, mid_market=100)
    f.book(session, fay, large=60)  # room, but no mid-market account: she cannot take Dana's
    for i, account in enumerate(accounts):
        account.name = f"<!channel> Customer {i}" if i == 4 else f"Customer {i}"
        account.arr = 5_000.0 + 10 * i
        account.renewal_date = datetime.now(UTC).date() + timedelta(days=400)
    today = datetime.now(UTC).date()
    session.add(
        Alert(
            account_id=accounts[0].id,
            opened_on=today,
            last_seen_on=today,
            drop=0.5,
            recent_mean=2,
            baseline_mean=9,
        )
    )
    session.add(
        PlaybookStep(
            account_id=accounts[1].id, playbook="eor", step="review", due_on=today + timedelta(days=5)
        )
    )
    session.commit()
    return {"dana": dana, "eli": eli, "fay": fay, "accounts": accounts}


def the_plan(app: AppClient, slack: SlackStandIn, user: str = "U0MGR", count: int = 1) -> dict[str, Any]:
    answer = app.post_command("/teamload", "plan", user_id=user)
    assert answer.status == 200 and "Working out the rebalancing plan" in answer.json()["text"]
    shown = slack.wait_for("response/teamload", count=count, timeout=15)[count - 1]
    payload = {"text": shown.param("text"), "blocks": shown.blocks}
    assert_valid_message(payload)
    assert shown.param("response_type") == "ephemeral"
    return payload


def click_apply(
    app: AppClient, slack: SlackStandIn, plan: dict[str, Any], user: str = "U0MGR", value: str | None = None
) -> None:
    actions = next(b for b in plan["blocks"] if b["type"] == "actions")
    button = actions["elements"][0]
    payload = block_actions_payload(
        action_id=button["action_id"],
        value=button["value"] if value is None else value,
        user_id=user,
        block_id=actions["block_id"],
        response_url=slack.response_url("teamload"),
    )
    assert app.post_action(payload).status == 200


def confirmation(app: AppClient, slack: SlackStandIn) -> dict[str, Any]:
    """The plan shown, Apply plan clicked: the confirmation modal the app opened."""
    click_apply(app, slack, the_plan(app, slack))
    view: dict[str, Any] = slack.wait_for("views.open", timeout=15)[0].param("view")
    return view


def submit(
    app: AppClient, modal: dict[str, Any], user: str = "U0MGR", private_metadata: str | None = None
) -> dict[str, Any]:
    payload = view_submission_payload(
        callback_id=modal["callback_id"],
        values={},
        user_id=user,
        private_metadata=modal["private_metadata"] if private_metadata is None else private_metadata,
    )
    answer = app.post_action(payload)
    assert answer.status == 200
    answered: dict[str, Any] = answer.json()
    return answered


def owners(session: Session) -> dict[int, int]:
    session.expire_all()
    return {a.id: a.owner_id for a in session.exec(select(Account)).all() if a.id is not None}


def handoff_dms(slack: SlackStandIn, *, posted: bool = False) -> list[Call]:
    """The handoff DMs that reached the stand-in (with `posted`, those Slack took, whatever it answered)."""
    calls = slack.posted() if posted else slack.calls("chat.postMessage")
    return [c for c in calls if HANDOFF_TITLE in message_text({"blocks": c.blocks})]


@contextlib.contextmanager
def books_change_when_applied(engine: Engine, *, from_owner: int, to_owner: int) -> Iterator[None]:
    """A trigger that moves every account of `from_owner` to `to_owner` the moment a plan application is
    inserted: the books change after the plan was computed and before its owners are written."""
    move = f"UPDATE account SET owner_id = {int(to_owner)} WHERE owner_id = {int(from_owner)}"
    if engine.dialect.name == "sqlite":
        create = [f"CREATE TRIGGER books_change AFTER INSERT ON plan_application BEGIN {move}; END"]
        drop = ["DROP TRIGGER IF EXISTS books_change"]
    else:
        create = [
            "CREATE FUNCTION books_change() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {move}; RETURN NULL; END $$",
            "CREATE TRIGGER books_change AFTER INSERT ON plan_application "
            "FOR EACH ROW EXECUTE FUNCTION books_change()",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS books_change ON plan_application",
            "DROP FUNCTION IF EXISTS books_change()",
        ]
    with engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))
