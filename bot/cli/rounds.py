"""The verbs that work on teams' books: `digest` (the morning round) and `plan` (rebalancing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine

from bot.cli.apps import app
from bot.cli.common import as_text, console, parse_moment, ready_engine, say, writable_file
from bot.config import Settings, get_settings
from bot.errors import UserFacingError
from bot.slack.client import make_round_client

if TYPE_CHECKING:
    from bot.outbox.outgoing import Outgoing
    from bot.outbox.report import DeliveryReport

AT_TOLERANCE = timedelta(minutes=1)  # `digest --at` this close to now is "now", clocks drifting apart


@app.command()
def digest(
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the messages here; send nothing.")
    ] = False,
    weekly: Annotated[
        bool,
        typer.Option(
            "--weekly", help="The manager's week instead: each manager's DM about the week just ended."
        ),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            metavar="MOMENT", help="Pretend it is this moment (ISO 8601, e.g. 2026-11-23T09:00+00:00)."
        ),
    ] = None,
) -> None:
    """Run the morning round now: each team's channel post and each CSM's DM (or --weekly)."""
    from bot.jobs.compose import plan_round
    from bot.jobs.digest import morning_round

    settings = get_settings()
    real_now = datetime.now(UTC)
    now = parse_moment(at) if at else real_now
    if not dry_run and now > real_now + AT_TOLERANCE:
        # Sending now under a future date would claim that day's round, and the real one would send nothing.
        raise UserFacingError(
            f"--at {at} is in the future: a future moment works only with --dry-run (nothing was sent)"
        )
    engine = ready_engine(settings)
    if weekly:
        weekly_digest(engine=engine, settings=settings, now=now, team=team, dry_run=dry_run)
        return
    if dry_run:
        for plan in plan_round(engine=engine, now=now, settings=settings, team_name=team, commit=False):
            for unsent in plan.unsent:
                say(unsent[0].upper() + unsent[1:])
            if not plan.outgoing:
                console.print(f"[dim]Team {as_text(plan.team)}: nothing to send.[/]")
            _print(plan.outgoing)
        return
    client = make_round_client(settings, token=settings.secret("slack_bot_token"))
    _report(morning_round(engine=engine, client=client, now=now, settings=settings, team_name=team))


def weekly_digest(
    *, engine: Engine, settings: Settings, now: datetime, team: str | None, dry_run: bool
) -> None:
    """`digest --weekly`: every team's weekly DMs now, whatever the day; each manager's once a local week."""
    from bot.jobs.weekly import plan_weeks, weekly_round

    if dry_run:
        for week in plan_weeks(engine=engine, now=now, settings=settings, team_name=team):
            if not week.outgoing:
                console.print(f"[dim]Team {as_text(week.team)}: no manager to send the week to.[/]")
            _print(week.outgoing)
        return
    client = make_round_client(settings, token=settings.secret("slack_bot_token"))
    _report(
        weekly_round(engine=engine, client=client, now=now, settings=settings, team_name=team, force=True)
    )


def _print(outgoing: Sequence[Outgoing]) -> None:
    """`--dry-run`: each message as Slack would show it, in the terminal; nothing is sent."""
    from bot.cli.render import render_message

    for out in outgoing:
        render_message(console, title=out.title, blocks=out.message.block_dicts(), text=out.message.text)


def _report(summary: DeliveryReport) -> None:
    """What a round sent, in one line (it quotes Slack's error strings); exit 3 if anything failed."""
    say(summary.line())
    if summary.outcomes["failed"] or summary.outcomes["refused"]:
        raise typer.Exit(code=3)


@app.command()
def plan(
    team: Annotated[str | None, typer.Option(help="Only this team (default: every team).")] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            metavar="FILE.csv",
            help="Also write the moves: external_id,name,segment,arr,from,to,reason,from_email,to_email.",
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Make the moves and DM each CSM concerned (needs SLACK_BOT_TOKEN)."),
    ] = False,
) -> None:
    """The rebalancing plan: the fewest moves that bring every CSM within band, and the headcount."""
    from bot.cli.plan import run_plan

    settings = get_settings()
    if csv_file is not None:
        writable_file(csv_file, option="--csv")  # before the plan is made, not after it is printed
    engine = ready_engine(settings)
    run_plan(
        console,
        engine=engine,
        settings=settings,
        now=datetime.now(UTC),
        team_name=team,
        csv_path=csv_file,
        apply=apply,
    )
