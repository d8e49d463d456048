"""`csm-coach plan`: the rebalancing plan in the terminal, as CSV, and applied.

The rules: docs/how-it-works.md, "Rebalancing a team".
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from sqlalchemy import Engine

from bot.cli.common import as_text
from bot.config import Settings
from bot.db import session_scope
from bot.domain.plan import PACE_DAYS
from bot.errors import UserFacingError
from bot.models import Team
from bot.plaintext import percent, plural
from bot.services import localtime, teams
from bot.services import plan as plans
from bot.slack.blocks.common import money

# from_email/to_email: what a CRM names owners by, so the file can update it (README, "The CRM owns owners").
CSV_COLUMNS = ("external_id", "name", "segment", "arr", "from", "to", "reason", "from_email", "to_email")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """The cell as text a spreadsheet shows and never evaluates: a formula's first character is quoted."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def headcount(tp: plans.TeamPlan) -> str:
    plan = tp.plan
    if not plan.fits:
        needs = ", ".join(plural(n, f"more {tp.label(s)} CSM") for s, n in sorted(plan.hires.items()))
        return (
            f"The books cannot all fit within band: {percent(plan.overload_left, places=0)} of a full book "
            f"is left over the top. The team needs {needs}."
            + "".join(f" Nobody with room owns {tp.label(s)} accounts." for s in tp.without_taker())
        )
    room = f"The team fits, with {percent(plan.room_left(), places=0)} of a full book of room left"
    if tp.runs_out_on is None:
        return f"{room}; no new accounts in the last {PACE_DAYS} days."
    pace = sum(tp.new_accounts.values())
    return (
        f"{room}; at {plural(pace, 'new account')} per {PACE_DAYS} days it runs out around "
        f"{tp.runs_out_on:%-d %b %Y}."
    )


def print_plan(console: Console, tp: plans.TeamPlan) -> None:
    plan = tp.plan
    console.print(Rule(f"Rebalancing plan — team {as_text(tp.team.name)} ({tp.today.isoformat()})"))
    loads = Table("CSM", "Slack id", "Before", "After", title="Load at the top of the band")
    for key in sorted(plan.before, key=lambda k: (-plan.before[k], k)):
        loads.add_row(
            as_text(tp.people[key].name),
            as_text(key),
            f"{percent(plan.before[key], places=0)}",
            f"{percent(plan.after[key], places=0)}",
        )
    console.print(loads)
    if plan.moves:
        moves = Table(
            "Account", "Segment", "ARR", "From", "To", "Reason", title=plural(len(plan.moves), "move")
        )
        for m in plan.moves:
            facts = tp.accounts[m.account.id]
            moves.add_row(
                as_text(facts.name),
                as_text(tp.label(facts.segment)),
                money(facts.arr),
                as_text(tp.people[m.giver].name),
                as_text(tp.people[m.receiver].name),
                as_text(m.reason),
            )
        console.print(moves)
        console.print(f"{money(plan.arr_moved)} ARR moved.")
    else:
        console.print("No moves.")
    kept = Counter(a.protected for _, a in plan.protected if a.protected)
    if kept:
        reasons = ", ".join(why.counted(n, tp.renewal_days) for why, n in kept.most_common())
        console.print(f"Protected, staying with their CSM: {reasons}.")
    console.print(as_text(headcount(tp)), soft_wrap=True)


def write_csv(path: Path, found: Sequence[plans.TeamPlan]) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for tp in found:
            for m in tp.plan.moves:
                facts = tp.accounts[m.account.id]
                cells = (
                    facts.external_id,
                    facts.name,
                    facts.segment,
                    f"{facts.arr:.2f}",
                    m.giver,
                    m.receiver,
                    m.reason,
                    tp.people[m.giver].email,
                    tp.people[m.receiver].email,
                )
                writer.writerow([spreadsheet_cell(cell) for cell in cells])
                rows += 1
    return rows


def run_plan(
    console: Console,
    *,
    engine: Engine,
    settings: Settings,
    now: datetime,
    team_name: str | None,
    csv_path: Path | None,
    apply: bool,
) -> None:
    if apply:
        settings.require("slack_bot_token")  # applying tells each CSM concerned: no token, no moves
    with session_scope(engine) as session:
        chosen: Sequence[Team] = (
            [teams.find_team_or_fail(session=session, name=team_name)]
            if team_name
            else teams.all_teams(session=session)
        )
        if not chosen:
            raise UserFacingError("no teams yet: import the team file first")
        found = [
            plans.compute(
                session=session,
                team=team,
                today=localtime.for_team(team, session=session, now=now).today,
                settings=settings,
            )
            for team in chosen
        ]
    for tp in found:
        print_plan(console, tp)
    if csv_path is not None:
        console.print(f"{plural(write_csv(csv_path, found), 'move')} written to {as_text(str(csv_path))}.")
    if apply:
        apply_all(console, engine=engine, settings=settings, now=now, found=found)


def apply_all(
    console: Console, *, engine: Engine, settings: Settings, now: datetime, found: Sequence[plans.TeamPlan]
) -> None:
    from bot.slack.client import make_round_client
    from bot.slack.plan_dms import send_handoffs

    client = make_round_client(settings, token=settings.secret("slack_bot_token"))
    for tp in found:
        if not tp.plan.moves:
            continue
        with session_scope(engine) as session:
            team = teams.get_team(session=session, team_id=tp.team.id)
            assert team is not None
            result = plans.apply(
                session=session,
                team=team,
                shown=tp.fingerprint,
                by="cli",
                now=now,
                today=tp.today,
                settings=settings,
            )
        name = as_text(tp.team.name)
        if result.outcome is not plans.Outcome.APPLIED or result.record is None or result.record.id is None:
            console.print(f"Team {name}: the books changed while planning; nothing moved. Run it again.")
            continue
        summary = send_handoffs(engine=engine, client=client, application_id=result.record.id, now=now)
        sent = summary.outcomes["sent"]
        failures = "; ".join(as_text(f) for f in summary.failures)
        console.print(
            f"Team {name}: {plural(len(tp.plan.moves), 'move')} applied; {plural(sent, 'handoff DM')} sent"
            + (f", not sent: {failures}" if failures else "."),
            soft_wrap=True,
        )


def show_demo_plan(
    console: Console, *, engine: Engine, settings: Settings, now: datetime, names: dict[str, str]
) -> None:
    """The demo's last word: `/teamload plan` for the team of the most loaded CSM, as its manager sees it."""
    from bot.cli.render import render_message
    from bot.services import books
    from bot.slack.blocks.plan import plan_message

    with session_scope(engine) as session:
        team_books = [
            (book.load.load_at_top, team)
            for team in teams.all_teams(session=session)
            if team.id is not None
            for book in books.team_books(session=session, team_id=team.id)
        ]
        if not team_books:
            return
        _, team = max(team_books, key=lambda pair: (pair[0], -(pair[1].id or 0)))
        today = localtime.for_team(team, session=session, now=now).today
        message = plan_message(plans.compute(session=session, team=team, today=today, settings=settings))
    title = f"/teamload plan — team {team.name}, as its manager"
    render_message(console, title=title, blocks=message.block_dicts(), text=message.text, names=names)
    console.print()
