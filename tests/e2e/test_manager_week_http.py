"""The manager's week end to end: eight weeks up to today through the importers and the morning rounds,
a Reached out clicked through `serve` (a Slack-signed request), then `csm-coach digest --weekly` sends
each manager the week once, and `/teamload week` shows it only to those who may see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.jobs.digest import morning_round
from bot.models import Account, Alert, AlertAction, AlertActionKind
from bot.slack.client import make_round_client
from bot.slack.ids import AlertRef
from tests.support import weeks
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.clicks import dm_of
from tests.support.processes import Cli, ServeApp
from tests.support.signing import block_actions_payload
from tests.support.slack_standin import SlackStandIn

SETTINGS = Settings(_env_file=None)


def test_a_click_through_slack_counts_and_the_weekly_dm_goes_once_to_each_manager(
    engine: Engine, session: Session, tmp_path: Path, cli: Cli, serve_app: ServeApp, slack: SlackStandIn
) -> None:
    today = datetime.now(UTC).date()
    plan = weeks.make_plan(today, last_round=today)
    ledger = weeks.simulate(engine, tmp_path / "weeks", plan, SETTINGS)

    # This morning's DMs, sent through the stand-in; an unclaimed alert in one gets its Reached out.
    client = make_round_client(Settings(_env_file=None, slack_api_url=slack.base_url), token="xoxb-test")
    morning_round(engine=engine, client=client, now=datetime.now(UTC), settings=SETTINGS)
    before = weeks.expected(plan, ledger, day=today, moment=datetime.now(UTC))
    target = None
    for csm in weeks.HARBOR_CSMS:
        channel, _, message = dm_of(slack, csm)
        for block in message["blocks"]:
            for element in block.get("elements") or []:
                if element.get("action_id") != "alert-reached-out":
                    continue
                alert = session.get(Alert, AlertRef.model_validate_json(element["value"]).alert_id)
                assert alert is not None
                ext = session.get(Account, alert.account_id).external_id  # type: ignore[union-attr]
                if target is None and ext in before.unclaimed:
                    target = (csm, channel, message, block, element, alert.id, ext)
    assert target is not None, "no unclaimed alert in this morning's DMs"
    csm, channel, message, block, element, alert_id, ext = target
    app = serve_app()
    slack.clear()
    payload = block_actions_payload(
        action_id="alert-reached-out",
        value=element["value"],
        user_id=csm,
        block_id=block["block_id"],
        channel_id=channel,
        message_ts=message["ts"],
        message=message,
    )
    assert app.post_action(payload).status == 200
    slack.wait_for("chat.update")
    session.expire_all()
    action = session.exec(select(AlertAction).where(AlertAction.alert_id == alert_id)).one()
    assert (action.kind, action.acted_by) == (AlertActionKind.REACHED_OUT, csm)
    clicked = (ext, "reached_out", action.acted_at.replace(tzinfo=action.acted_at.tzinfo or UTC))

    slack.clear()
    sent = cli.run("digest", "--weekly")
    assert sent.returncode == 0 and "2 sent" in sent.stdout, sent.stdout
    moment = datetime.now(UTC)
    want = weeks.expected(plan, ledger, day=today, moment=moment, extra=[clicked])
    assert ext not in want.unclaimed and len(want.unclaimed) == len(before.unclaimed) - 1
    dms = {c.param("channel"): c for c in slack.calls("chat.postMessage")}
    assert set(dms) == {"U0MIA", "U0SUE"}
    assert_valid_message({"text": dms["U0MIA"].text, "blocks": dms["U0MIA"].blocks})
    text = message_text({"blocks": dms["U0MIA"].blocks})
    weeks.assert_report_says(text, want, plan, named=SETTINGS.dm_max_accounts)
    assert plan.names[ext] not in text  # claimed now

    again = cli.run("digest", "--weekly")
    assert again.returncode == 0 and "2 already sent" in again.stdout, again.stdout
    assert len(slack.calls("chat.postMessage")) == 2

    future = (moment + timedelta(days=8)).isoformat()
    refused = cli.run("digest", "--weekly", "--at", future)
    assert refused.returncode != 0 and "only with --dry-run" in refused.stdout, refused.stdout
    printed = cli.run("digest", "--weekly", "--dry-run", "--at", future, "--team", "Harbor")
    assert printed.returncode == 0 and "Team Harbor: the week of" in printed.stdout, printed.stdout
    assert len(slack.calls("chat.postMessage")) == 2

    def ask(user_id: str, text: str) -> str:
        answer = app.post_command("/teamload", text, user_id=user_id)
        assert answer.status == 200, answer.text
        reply = answer.json()
        assert reply["response_type"] == "ephemeral"
        assert_valid_message(reply)
        return message_text(reply)

    assert "Team Harbor: the week of" in ask("U0MIA", "week")
    assert "the week of" not in ask("U0SUE", "week Harbor")  # a manager of another team
    assert "the week of" not in ask("U0ANA", "week Harbor")  # a CSM
    assert session.exec(select(Alert).where(col(Alert.id) == alert_id)).one().reached_out_by == csm
