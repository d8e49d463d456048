"""Every help screen of the real `csm-coach` reads as a person writes a command line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from bot.cli import app
from tests.support.processes import Cli

# Typer's own placeholders: `<bool>`, `<str>`, `<path>` beside an option, `{file}` in a usage line.
PLACEHOLDER = re.compile(r"<[a-z_\[\]|]+>|\{[a-z_]+\}")


def verbs(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The command line's every group and verb, as the words that name it."""
    command = command or typer.main.get_command(app)
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from verbs(sub, (*path, name))


def test_every_verb_is_checked() -> None:
    assert {("digest",), ("import", "team"), ("team", "set"), ("plan",)} <= set(verbs())


@pytest.mark.parametrize("path", list(verbs()), ids=lambda p: " ".join(p) or "csm-coach")
def test_a_help_screen_names_values_as_a_person_would(cli: Cli, path: tuple[str, ...]) -> None:
    result = cli.run(*path, "--help", env={"COLUMNS": "200"})

    assert result.returncode == 0, result.stdout
    assert "Usage: csm-coach" in result.stdout
    assert PLACEHOLDER.findall(result.stdout) == []


def test_options_and_arguments_say_what_they_take(cli: Cli) -> None:
    digest = cli.run("digest", "--help", env={"COLUMNS": "200"}).stdout
    team_set = cli.run("team", "set", "--help", env={"COLUMNS": "200"}).stdout
    import_team = cli.run("import", "team", "--help", env={"COLUMNS": "200"}).stdout

    assert re.search(r"--at +MOMENT", digest) and re.search(r"--dry-run +Print", digest)
    assert re.search(r"--timezone +ZONE", team_set) and "Usage: csm-coach team set [OPTIONS] TEAM" in team_set
    assert "Usage: csm-coach import team [OPTIONS] FILE.csv" in import_team
