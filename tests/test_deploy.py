"""What a clone holds is enough to deploy and to read: the deploy file, the licence, docs that cite
only files the clone has."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest
import typer.main

from bot.cli import app

REPO = Path(__file__).resolve().parent.parent
TOP = ("bot/", "docs/", "tests/", "benchmarks/", ".ci/", "../")
CITED_PATH = re.compile(r"`((?:\.\./)?[\w.\-]+(?:/[\w.\-*]+)+/?)(?:::\w+)?[^`]*`")
# Documents a clone does not have, and the product contract's section marks that point into one.
ABSENT = re.compile(r"\bSPEC\b|SPEC\.md|DESIGN\.md|\.\./shared")


def requirements() -> list[str]:
    lines = (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_the_deploy_file_installs_the_project_itself_with_its_declared_dependencies() -> None:
    # Heroku's Python buildpack detects the app by requirements.txt and runs `pip install -r` on it;
    # `.` installs this project, with the lower-bounded dependencies of pyproject.toml (.ci/run
    # proves it installs, in a fresh virtual environment).
    assert requirements() == ["."]
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["csm-coach"] == "bot.cli:main"


def test_every_process_of_the_procfile_is_a_verb_of_the_command_line() -> None:
    verbs = set(getattr(typer.main.get_command(app), "commands", {}))
    processes = dict(
        line.split(":", 1) for line in (REPO / "Procfile").read_text(encoding="utf-8").splitlines() if line
    )
    assert set(processes) >= {"web", "clock", "release"}
    for command in processes.values():
        program, verb, *_ = command.split()
        assert program == "csm-coach" and verb in verbs, command


def test_the_licence_is_the_mit_licence_pyproject_names() -> None:
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) the csm-coach authors" in licence
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "MIT"}


def text_files() -> list[Path]:
    found = [REPO / "README.md", REPO / ".ci" / "run", REPO / "manifest.yml", REPO / "Procfile"]
    for folder in ("docs", "bot", "tests", "benchmarks"):
        found += [p for p in (REPO / folder).rglob("*") if p.suffix in {".md", ".py", ".toml", ".yml"}]
    return [p for p in found if p.resolve() != Path(__file__).resolve()]


def test_no_file_cites_a_document_a_clone_does_not_have() -> None:
    citing = {
        str(path.relative_to(REPO)): found
        for path in text_files()
        if (found := [m.group(0) for m in ABSENT.finditer(path.read_text(encoding="utf-8"))])
    }
    assert citing == {}


@pytest.mark.parametrize(
    "doc", [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_every_path_a_document_cites_is_in_the_clone(doc: Path) -> None:
    cited = {m.group(1) for m in CITED_PATH.finditer(doc.read_text(encoding="utf-8"))}
    missing = [p for p in sorted(cited) if p.startswith(TOP) and not glob.glob(str(REPO / p.rstrip("/")))]
    assert missing == []
