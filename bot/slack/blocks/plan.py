"""The rebalancing plan in Slack: the ephemeral plan, the confirmation modal, the handoff DMs. Pure."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, tzinfo

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from bot.domain.plan import NEW_ACCOUNT_DAYS, PACE_DAYS, Move, Protection, percent
from bot.identifiers import is_slack_user_id
from bot.models import PlanApplication
from bot.services.plan import TeamPlan
from bot.services.plan_handoff import Handoff, HandoffLine
from bot.slack.blocks.common import (
    MAX_BLOCKS_JSON,
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    Budget,
    Message,
    button,
    context,
    day_and_time,
    escape,
    fallback,
    header,
    mention,
    money,
    plural,
    section,
)
from bot.slack.ids import ActionId, CallbackId, PlanRef

MAX_PROTECTED_LINES = 15  # the count by reason says the rest
STALE_NOTE = ":arrows_counterclockwise: *The books changed, here is the new plan.*"
REFUSED = "Only the team's managers and admins can apply its rebalancing plan."


def size(blocks: Sequence[Block]) -> int:
    return len(json.dumps([b.to_dict() for b in blocks]))


def day(when: date | None) -> str:
    return f"{when:%-d %b %Y}" if when else "no renewal date"


def fitted(build: Callable[[int], list[Block]], most: int, *, max_blocks: int, max_json: int) -> list[Block]:
    """The blocks `build(n)` makes with the largest n ≤ `most` lines per list that Slack accepts."""
    n = most
    while True:
        blocks = build(n)
        if (len(blocks) <= max_blocks and size(blocks) <= max_json) or n == 0:
            return blocks
        n = n * 3 // 4


def listed(lines: list[str], n: int, noun: str, *, then: str = "", max_blocks: int) -> list[Block]:
    """The first `n` lines as at most `max_blocks` sections, then "+N more <noun>s<then>" for the rest."""
    hidden = max(0, len(lines) - n)
    budget = Budget(max_blocks=max_blocks + 1, max_chars=10**9)  # the caller's `fitted` holds the size
    shown = budget.add_lines(
        lines[:n], lambda left: context(f"+{plural(left + hidden, 'more ' + noun)}{then}")
    )
    if shown == min(n, len(lines)) and hidden:
        budget.blocks.append(context(f"+{plural(hidden, 'more ' + noun)}{then}"))
    return budget.blocks


def load_lines(tp: TeamPlan) -> list[str]:
    plan = tp.plan
    order = sorted(plan.before, key=lambda k: (-plan.before[k], k))
    return [
        f"<@{k}> {percent(plan.before[k])}% → *{percent(plan.after[k])}%*"
        + ("" if tp.people[k].active else " _(has left)_")
        for k in order
    ]


def move_line(tp: TeamPlan, move: Move) -> str:
    facts = tp.accounts[move.account.id]
    return (
        f"• *{escape(facts.name)}* · {escape(tp.label(facts.segment))} · {money(facts.arr)} "
        f"→ <@{move.receiver}> — {move.reason}"
    )


def move_lines(tp: TeamPlan) -> list[str]:
    """Grouped by giver: a heading line per giver, then each of their moves."""
    by_giver: dict[str, list[Move]] = defaultdict(list)
    for move in tp.plan.moves:
        by_giver[move.giver].append(move)
    lines: list[str] = []
    # Leavers first: their accounts move whatever else the plan does.
    for giver in sorted(by_giver, key=lambda g: (tp.people[g].active, -tp.plan.before[g], g)):
        moves = by_giver[giver]
        left = "" if tp.people[giver].active else " has left and"
        lines.append(
            f"*<@{giver}>{left} hands over {plural(len(moves), 'account')}* "
            f"({money(sum(m.account.arr for m in moves))} ARR):"
        )
        lines.extend(move_line(tp, m) for m in moves)
    return lines


def protected_summary(tp: TeamPlan) -> str:
    kept = Counter(a.protected for _, a in tp.plan.protected if a.protected)
    if not kept:
        return "No protected accounts held anything back."
    parts = ", ".join(reason.counted(n, tp.renewal_days) for reason, n in kept.most_common())
    return f"*Staying put, protected ({sum(kept.values())}):* {parts}."


def protected_lines(tp: TeamPlan) -> list[str]:
    return [
        f"• {escape(tp.accounts[a.id].name)} (<@{owner}>, {money(a.arr)}) — "
        f"{a.protected.words(tp.renewal_days)}"
        for owner, a in tp.plan.protected
        if a.protected
    ]


def headcount_line(tp: TeamPlan) -> str:
    plan = tp.plan
    if not plan.fits:
        needs = ", ".join(plural(n, f"more {escape(tp.label(s))} CSM") for s, n in sorted(plan.hires.items()))
        return (
            f":warning: *The books cannot all fit within band:* {percent(plan.overload_left)}% "
            f"of a full book is left over the top. Headcount: the team needs {needs}."
            + "".join(
                f" Nobody with room owns {escape(tp.label(s))} accounts, so none of them can move."
                for s in tp.without_taker()
            )
        )
    pace = sum(tp.new_accounts.values())
    when = (
        f"at its pace of {plural(pace, 'account')} new in the last {PACE_DAYS} days "
        "it runs out of room around "
        f"*{day(tp.runs_out_on)}*"
        if tp.runs_out_on
        else f"no new accounts in the last {PACE_DAYS} days, so no date it runs out of room"
    )
    room = percent(plan.room_left())
    return f"*Headcount:* the team fits, with {room}% of a full book of room left; {when}."


def rules_line(tp: TeamPlan) -> str:
    return (
        "Fewest moves first, then least ARR moved. Accounts go only to a CSM who already has their "
        f"segment; protected accounts never move ({Protection.OPEN_ALERT.words(tp.renewal_days)}, "
        f"{Protection.RENEWING.words(tp.renewal_days)}, started within the last {NEW_ACCOUNT_DAYS} days)."
    )


def summary(tp: TeamPlan) -> str:
    plan = tp.plan
    stranded = (
        f" :warning: {plural(len(plan.stranded), 'account')} of CSMs who have left cannot move: nobody "
        "on the team may take accounts."
        if plan.stranded
        else ""
    )
    if not plan.moves:
        calm = "Nobody is over band." if all(v <= 1 for v in plan.before.values()) else ""
        return f"*No moves.* {calm}{stranded}"
    first = (
        f", first the {plural(plan.leaver_moves, 'account')} of CSMs who have left"
        if plan.leaver_moves
        else ""
    )
    return f"*{plural(len(plan.moves), 'move')}*{first}, {money(plan.arr_moved)} ARR moved.{stranded}"


def applied_words(record: PlanApplication, zone: tzinfo) -> str:
    """A plan applied before: by whom and when, and that nothing more moved."""
    who = mention(record.applied_by) if is_slack_user_id(record.applied_by) else "the command line"
    return (
        f"This plan was already applied by {who} on {day_and_time(record.applied_at, zone)}; "
        "nothing more was moved."
    )


def plan_message(tp: TeamPlan, *, note: str | None = None) -> Message:
    """The ephemeral plan for a manager, with the Apply plan button when there is anything to apply."""
    title = f"Rebalancing plan — team {tp.team.name}"
    assert tp.team.id is not None
    value = PlanRef(team_id=tp.team.id, fingerprint=tp.fingerprint).model_dump_json()
    moves, loads, kept = move_lines(tp), load_lines(tp), protected_lines(tp)

    def build(n: int) -> list[Block]:
        blocks: list[Block] = [header(title)]
        if note:
            blocks.append(section(note))
        blocks += [
            section(summary(tp)),
            section("*Load before → after* (share of one CSM's book: each segment at the top of its band)"),
        ]
        blocks += listed(loads, n, "CSM", max_blocks=6)
        if moves:
            blocks.append(section("*Moves*"))
            blocks += listed(moves, n, "move", then=" (the confirmation lists them all)", max_blocks=12)
        blocks.append(section(protected_summary(tp)))
        if kept:
            blocks += listed(kept, min(n, MAX_PROTECTED_LINES), "protected account", max_blocks=2)
        blocks.append(section(headcount_line(tp)))
        if moves:
            apply = button("Apply plan", action_id=ActionId.PLAN_APPLY, value=value, style="primary")
            blocks.append(ActionsBlock(block_id=ActionId.PLAN_APPLY, elements=[apply]))
        blocks.append(context(rules_line(tp)))
        return blocks

    blocks = fitted(
        build, max(len(moves), len(loads), 1), max_blocks=MAX_MESSAGE_BLOCKS, max_json=MAX_BLOCKS_JSON
    )
    text = f"{title}: {plural(len(tp.plan.moves), 'move')}" + (
        "" if tp.plan.fits else ", and the team needs more CSMs"
    )
    return Message(text=fallback(escape(text)), blocks=blocks)


def plan_modal(tp: TeamPlan, ref: PlanRef, *, note: str | None = None) -> View:
    """The confirmation: the moves again, applied on submit."""
    moves = move_lines(tp)

    def build(n: int) -> list[Block]:
        blocks: list[Block] = [section(note)] if note else []
        blocks += [section(f"Team *{escape(tp.team.name)}*: {summary(tp)} Each CSM concerned gets a DM.")]
        blocks += listed(
            moves, n, "move", then=" (`csm-coach plan --csv` writes them all)", max_blocks=MAX_VIEW_BLOCKS - 4
        )
        blocks.append(section(headcount_line(tp)))
        return blocks

    blocks = fitted(build, max(len(moves), 1), max_blocks=MAX_VIEW_BLOCKS, max_json=MAX_BLOCKS_JSON)
    return View(
        type="modal",
        callback_id=CallbackId.PLAN_APPLY_MODAL,
        title="Apply the plan",
        submit="Apply" if tp.plan.moves else None,
        close="Cancel",
        private_metadata=ref.model_dump_json(),
        blocks=blocks,
    )


def result_modal(text: str) -> View:
    """What the modal shows once submitted: applied, or already applied."""
    return View(type="modal", title="Rebalancing plan", close="Done", blocks=[section(text)])


def handoff_line(line: HandoffLine, *, gains: bool) -> str:
    steps = "; ".join(f"{escape(label)} due {when:%-d %b}" for label, when in line.open_steps) or "none"
    side = f"from <@{line.other}>" if gains else f"to <@{line.other}>"
    return (
        f"• *{escape(line.name)}* · {escape(line.segment)} · {money(line.arr)} ARR · renews "
        f"{day(line.renewal)} · {side} · open steps: {steps}"
    )


def handoff_dm(handoff: Handoff, *, team_name: str, applied_by: str) -> Message:
    """One DM per CSM concerned: what they take over and what they hand over, for a warm handoff."""
    gains = [handoff_line(line, gains=True) for line in handoff.gains]
    hands = [handoff_line(line, gains=False) for line in handoff.hands_over]
    title = f"Team {team_name}: your book changes"
    who = mention(applied_by) if is_slack_user_id(applied_by) else "A manager (from the command line)"

    def build(n: int) -> list[Block]:
        blocks: list[Block] = [
            header(title),
            section(
                f"{who} applied the team's rebalancing plan. Please hand over warmly: "
                "introduce the new CSM to each customer."
            ),
        ]
        if gains:
            blocks.append(section(f"*You take over {plural(len(gains), 'account')}:*"))
            blocks += listed(gains, n, "account", then=" you take over (see App Home)", max_blocks=20)
        if hands:
            blocks.append(section(f"*You hand over {plural(len(hands), 'account')}:*"))
            blocks += listed(hands, n, "account", then=" you hand over", max_blocks=20)
        return blocks

    blocks = fitted(
        build, max(len(gains), len(hands), 1), max_blocks=MAX_MESSAGE_BLOCKS, max_json=MAX_BLOCKS_JSON
    )
    text = f"Team {team_name}: you take over {len(gains)} and hand over {plural(len(hands), 'account')}."
    return Message(text=fallback(escape(text)), blocks=blocks)
