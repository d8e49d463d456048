"""`csm-coach demo`: a synthetic company in SQLite, and what the bot would say to it (no Slack needed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.apps import app
from bot.cli.common import console, parse_day


@app.command()
def demo(
    db: Annotated[
        Path, typer.Option(metavar="FILE.db", help="SQLite file to (re)create for the demo.")
    ] = Path("csm-coach-demo.db"),
    today: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Pretend today is this date.")
    ] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the synthetic company.")] = 7,
    holiday: Annotated[
        bool, typer.Option(help="Make the last 7 days a holiday week: everyone's usage down by about half.")
    ] = False,
) -> None:
    """Build a realistic synthetic company in SQLite and show what the bot would say (no Slack needed)."""
    from bot.demo.run import run_demo

    day = parse_day(today) if today else datetime.now(ZoneInfo("UTC")).date()
    run_demo(console, db_path=db, today=day, seed=seed, holiday=holiday)
