"""The plan's messages stay within Slack's limits at any size, and hostile names stay text."""

from __future__ import annotations

import json
from datetime import date

from bot.domain.bands import DEFAULT_BANDS
from bot.domain.plan import Holder, PlanAccount, Protection, plan_moves
from bot.models import Person, Team
from bot.services.plan import AccountFacts, TeamPlan
from bot.services.plan_handoff import Handoff, HandoffLine
from bot.slack.blocks.common import MAX_BLOCKS_JSON
from bot.slack.blocks.plan import handoff_dm, plan_message, plan_modal
from bot.slack.ids import PlanRef
from tests.support.blockcheck import assert_valid_message, message_text

TODAY = date(2026, 11, 23)
HOSTILE = "<!channel> *Acme* & <https://evil.example|click>"


def team_plan(csms: int, per_csm: int, protected_every: int = 7) -> TeamPlan:
    """Half the CSMs well over band in mid-market, half with room; every n-th account protected."""
    holders, facts, ids = [], {}, iter(range(1, 10**7))
    for k in range(csms):
        n = per_csm if k % 2 == 0 else per_csm // 3
        accounts = []
        for j in range(n):
            i = next(ids)
            kept = Protection.RENEWING if j % protected_every == 0 else None
            accounts.append(PlanAccount(i, "mid_market", 1000.0 + i, None, kept))
            facts[i] = AccountFacts(i, f"X-{i}", f"{HOSTILE} {i}", "mid_market", 1000.0 + i, k, TODAY, None)
        holders.append(Holder(f"U{k:05d}", tuple(accounts)))
    people = {
        h.key: Person(id=k, slack_user_id=h.key, email=f"{k}@x.com", name=f"P{k}", team_id=1)
        for k, h in enumerate(holders)
    }
    plan = plan_moves(holders, DEFAULT_BANDS)
    return TeamPlan(
        team=Team(id=1, name="Harbor <&>"),
        today=TODAY,
        bands=list(DEFAULT_BANDS),
        people=people,
        accounts=facts,
        plan=plan,
        fingerprint="f" * 64,
        new_accounts={"mid_market": 12},
        runs_out_on=None,
        renewal_days=60,
    )


def check(payload: dict, *, max_blocks: int = 50, max_json: int = MAX_BLOCKS_JSON) -> str:
    assert_valid_message(payload, max_blocks=max_blocks)
    assert len(json.dumps(payload["blocks"])) <= max_json
    text = message_text(payload)
    assert "<!channel>" not in text and "<https://evil" not in text and "&lt;!channel&gt;" in text
    return text


def test_a_big_plan_fits_one_ephemeral_message_and_says_how_many_more() -> None:
    tp = team_plan(csms=40, per_csm=170)
    assert len(tp.plan.moves) > 300
    message = plan_message(tp)
    text = check({"text": message.text, "blocks": message.block_dicts()})
    assert "more moves" in text and "more protected accounts" in text
    assert "Harbor &lt;&amp;&gt;" in message.text  # the fallback is mrkdwn too
    button = next(b for b in message.block_dicts() if b["type"] == "actions")["elements"][0]
    assert (
        button["text"]["text"] == "Apply plan" and PlanRef.model_validate_json(button["value"]).team_id == 1
    )


def test_a_small_plan_shows_every_csm_move_reason_and_protected_account() -> None:
    tp = team_plan(csms=2, per_csm=130, protected_every=50)
    message = plan_message(tp)
    text = check({"text": message.text, "blocks": message.block_dicts()})
    assert "more" not in text.replace("more moves", "")
    assert text.count("→ <@U00001>") == len(tp.plan.moves) == 5
    assert "hands over 5 accounts" in text and "over band: 104% → 100%" in text
    assert "renews within 60 days" in text and "Headcount:" in text
    assert "<@U00000> 104% → *100%*" in text


def test_a_team_that_cannot_fit_says_how_many_more_csms_per_segment() -> None:
    tp = team_plan(csms=3, per_csm=300, protected_every=1)  # everything protected: nothing can move
    message = plan_message(tp)
    text = check({"text": message.text, "blocks": message.block_dicts()})
    assert "cannot all fit" in text and "needs 3 more Mid-market CSMs" in text
    assert not any(b["type"] == "actions" for b in message.block_dicts())  # nothing to apply


def test_the_confirmation_modal_lists_the_moves_within_100_blocks() -> None:
    tp = team_plan(csms=40, per_csm=170)
    view = plan_modal(tp, PlanRef(team_id=1, fingerprint=tp.fingerprint), note="note").to_dict()
    assert view["callback_id"] == "plan-apply-modal" and view["submit"]["text"] == "Apply"
    check({"text": "modal", "blocks": view["blocks"]}, max_blocks=100)
    assert "more moves" in message_text({"blocks": view["blocks"]})
    assert len(view["private_metadata"]) <= 3000 and len(view["title"]["text"]) <= 24


def test_a_handoff_dm_lists_arr_renewal_and_open_steps_and_fits() -> None:
    line = HandoffLine(
        HOSTILE,
        "Mid-market",
        12_500.0,
        date(2027, 3, 1),
        "U0DANA",
        (("Executive Outcomes Review", date(2026, 12, 2)),),
    )
    many = Handoff("U0ELI", gains=[line] * 400, hands_over=[line] * 3)
    message = handoff_dm(many, team_name="Harbor", applied_by="U0MGR")
    text = check({"text": message.text, "blocks": message.block_dicts()})
    assert "You take over 400 accounts" in text and "You hand over 3 accounts" in text
    assert "$12.5k ARR · renews 1 Mar 2027 · from <@U0DANA>" in text
    assert "Executive Outcomes Review due 2 Dec" in text and "more accounts you take over" in text


def test_a_segment_nobody_with_room_owns_is_named() -> None:
    tp = team_plan(csms=1, per_csm=150)
    text = message_text({"blocks": plan_message(tp).block_dicts()})
    assert "needs 1 more Mid-market CSM" in text and "Nobody with room owns Mid-market accounts" in text
