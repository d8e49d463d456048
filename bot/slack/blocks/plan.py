"""The rebalancing plan in Slack: the ephemeral plan, the confirmation modal, the handoff DMs. Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, tzinfo

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from bot.domain.plan import NEW_ACCOUNT_DAYS, PACE_DAYS, Move, Protection
from bot.identifiers import is_slack_user_id
from bot.models import PlanApplication
from bot.services.plan import TeamPlan
from bot.services.plan_handoff import Handoff, HandoffLine
from bot.slack.blocks.common import (
    MAX_VIEW_BLOCKS,
    Budget,
    Message,
    button,
    context,
    day_and_time,
    escape,
    header,
    mention,
    money,
    percent,
    plural,
    section,
)
from bot.slack.ids import ActionId, CallbackId, PlanRef

MAX_PROTECTED_LINES = 15  # the count by reason says the rest
STALE_NOTE = ":arrows_counterclockwise: *The books changed, here is the new plan.*"
REFUSED = "Only the team's managers and admins can apply its rebalancing plan."


def day(when: date | None) -> str:
    return f"{when:%-d %b %Y}" if when else "no renewal date"


def more(noun: str, then: str = "") -> Callable[[int], Block]:
    """The "+N more <noun>s<then>" that closes a list cut to fit."""
    return lambda left: context(f"+{plural(left, 'more ' + noun)}{then}")


def load_lines(tp: TeamPlan) -> list[str]:
    plan = tp.plan
    order = sorted(plan.before, key=lambda k: (-plan.before[k], k))
    return [
        f"<@{k}> {percent(plan.before[k], places=0)} → *{percent(plan.after[k], places=0)}*"
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
            f":warning: *The books cannot all fit within band:* {percent(plan.overload_left, places=0)} "
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
    room = percent(plan.room_left(), places=0)
    return f"*Headcount:* the team fits, with {room} of a full book of room left; {when}."


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

    budget = Budget()
    budget.add(header(title))
    if note:
        budget.add(section(note))
    budget.add(
        section(summary(tp)),
        section("*Load before → after* (share of one CSM's book: each segment at the top of its band)"),
    )
    tail: list[Block] = [section(headcount_line(tp))]
    if moves:
        apply = button("Apply plan", action_id=ActionId.PLAN_APPLY, value=value, style="primary")
        tail.append(ActionsBlock(block_id=ActionId.PLAN_APPLY, elements=[apply]))
    tail.append(context(rules_line(tp)))
    protected = section(protected_summary(tp))
    moves_head = [section("*Moves*")] if moves else []
    # The loads may take a third of the room, the moves most of what is left, the protected the rest.
    with budget.share(1 / 3, reserve=[*moves_head, protected, *tail]):
        budget.add_lines(loads, more("CSM"))
    if moves:
        budget.add(*moves_head, reserve=[protected, *tail])
        with budget.share(3 / 4, reserve=[protected, *tail]):
            budget.add_lines(moves, more("move", " (the confirmation lists them all)"))
    budget.add(protected, reserve=tail)
    budget.add_lines(kept, more("protected account"), limit=MAX_PROTECTED_LINES, reserve=tail)
    budget.add(*tail)
    text = f"{title}: {plural(len(tp.plan.moves), 'move')}" + (
        "" if tp.plan.fits else ", and the team needs more CSMs"
    )
    return budget.message(escape(text))


def plan_modal(tp: TeamPlan, ref: PlanRef, *, note: str | None = None) -> View:
    """The confirmation: the moves again, applied on submit."""
    budget = Budget(max_blocks=MAX_VIEW_BLOCKS)
    if note:
        budget.add(section(note))
    budget.add(section(f"Team *{escape(tp.team.name)}*: {summary(tp)} Each CSM concerned gets a DM."))
    headcount = section(headcount_line(tp))
    budget.add_lines(
        move_lines(tp), more("move", " (`csm-coach plan --csv` writes them all)"), reserve=[headcount]
    )
    budget.add(headcount)
    return View(
        type="modal",
        callback_id=CallbackId.PLAN_APPLY_MODAL,
        title="Apply the plan",
        submit="Apply" if tp.plan.moves else None,
        close="Cancel",
        private_metadata=ref.model_dump_json(),
        blocks=budget.blocks,
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

    budget = Budget()
    budget.add(
        header(title),
        section(
            f"{who} applied the team's rebalancing plan. Please hand over warmly: "
            "introduce the new CSM to each customer."
        ),
    )
    hands_head = [section(f"*You hand over {plural(len(hands), 'account')}:*")] if hands else []
    if gains:
        budget.add(section(f"*You take over {plural(len(gains), 'account')}:*"), reserve=hands_head)
        # Half of the room when accounts are handed over too: they are listed after.
        with budget.share(1 / 2 if hands else 1, reserve=hands_head):
            budget.add_lines(gains, more("account", " you take over (see App Home)"))
    if hands:
        budget.add(*hands_head)
        budget.add_lines(hands, more("account", " you hand over"))
    text = f"Team {team_name}: you take over {len(gains)} and hand over {plural(len(hands), 'account')}."
    return budget.message(escape(text))
