"""The `csm-coach` Typer apps: the verbs register on them (bot/cli/*.py); `bot.cli.main` runs them."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="csm-coach",
    help="csm-coach: coaches Customer Success Managers in Slack.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(
    help="Import a CSV file (all-or-nothing): team, accounts or usage.", no_args_is_help=True
)
team_app = typer.Typer(help="Team settings: channel, post time, time zone.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(team_app, name="team")
