"""The `csm-coach` Typer apps: the verbs register on them (bot/cli/*.py); `bot.cli.main` runs them.

Help screens read as a person writes a command line: `--team TEAM`, `--dry-run`, `FILE.csv`, not
Typer's `<str>`, `<bool>` and `{file}`; every verb registered here gets that, whoever adds it.
"""

from __future__ import annotations

from typing import Any

import typer
from typer._click import Context
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _NamedArgument(TyperArgument):
    """An argument shown by its name (`FILE.csv`) alone: the name says what it takes."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


def _readable(params: list[Any]) -> None:
    for param in params:
        if isinstance(param, TyperOption) and param.metavar is None:
            # A flag takes no value; an option's value is named after the option (--team TEAM).
            flag = param.is_flag or param.count
            param.metavar = "" if flag else max(param.opts, key=len).lstrip("-").upper().replace("-", "_")
        elif isinstance(param, TyperArgument) and not isinstance(param, _NamedArgument):
            param.metavar = param.metavar or (param.name or "value").upper()
            param.__class__ = _NamedArgument  # same state, shown by its name only


class Verb(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _readable(self.params)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "value").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def get_help_option(self, ctx: Context) -> Any:
        return _flag(super().get_help_option(ctx))


class Verbs(TyperGroup):
    def get_help_option(self, ctx: Context) -> Any:
        return _flag(super().get_help_option(ctx))


def _flag(option: Any) -> Any:
    if option is not None:
        option.metavar = ""
    return option


class CommandLine(typer.Typer):
    """A Typer app whose verbs and groups are `Verb` and `Verbs`, unless one asks for another class."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=Verbs, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Verb)
        return super().command(*args, **kwargs)


app = CommandLine(
    name="csm-coach",
    help="csm-coach: coaches Customer Success Managers in Slack.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = CommandLine(
    help="Import a CSV file (all-or-nothing): team, accounts or usage.", no_args_is_help=True
)
team_app = CommandLine(help="Team settings: channel, post time, time zone.", no_args_is_help=True)
token_app = CommandLine(
    help="Bearer tokens for the ingestion API (POST /api/v1/*): create, revoke, list.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
app.add_typer(team_app, name="team")
app.add_typer(token_app, name="token")
