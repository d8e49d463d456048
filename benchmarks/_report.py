"""benchmarks/run.py's figures beside their targets: a table per database, a section of docs/benchmarks.md."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

BEGIN = "<!-- benchmarks/run.py:begin -->"
END = "<!-- benchmarks/run.py:end -->"

# The targets beside which each figure is printed.
IMPORT_ROWS_PER_S = 200_000
DETECTION_S = 2.0
ROUND_S = 60.0
MYLOAD_P99_MS = 100.0
SERVE_PEAK_MB = 300.0
ROUND_PEAK_MB = 1000.0


@dataclass(frozen=True)
class Figure:
    measure: str
    value: str
    target: str = ""
    met: bool | None = None  # None: no target

    @property
    def verdict(self) -> str:
        return "" if self.met is None else "met" if self.met else "missed"


def print_table(console: Console, database: str, figures: Sequence[Figure]) -> None:
    table = Table(title=database, title_justify="left", show_lines=False)
    table.add_column("measure", style="bold")
    table.add_column("result")
    table.add_column("target")
    table.add_column("", no_wrap=True)
    for f in figures:
        mark = {"met": "[green]met[/]", "missed": "[red bold]missed[/]"}.get(f.verdict, "")
        table.add_row(f.measure, f.value, f.target, mark)
    console.print(table)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_results(results: dict[str, Sequence[Figure]]) -> list[str]:
    """One table: a row per measure, its target, and each database's figure marked met or missed."""
    databases = list(results)
    measures: list[str] = []
    targets: dict[str, str] = {}
    for figures in results.values():
        previous = -1
        for f in figures:
            if f.measure in targets:
                previous = measures.index(f.measure)
            else:  # a measure only this database has goes after the one before it
                previous += 1
                measures.insert(previous, f.measure)
            targets[f.measure] = targets.get(f.measure) or f.target
    lines = [
        "| measure | target | " + " | ".join(databases) + " |",
        "| --- | --- |" + " --- |" * len(databases),
    ]
    for measure in measures:
        cells = []
        for database in databases:
            found = next((f for f in results[database] if f.measure == measure), None)
            if found is None:
                cells.append("—")
            else:
                mark = {"met": " — **met**", "missed": " — **missed**"}.get(found.verdict, "")
                cells.append(_cell(found.value) + mark)
        lines.append(f"| {_cell(measure)} | {_cell(targets[measure]) or '—'} | " + " | ".join(cells) + " |")
    return lines


HOW = """\
How each figure is taken:

- **Imports**: `csm-coach import team|accounts|usage FILE` as subprocesses with `DATABASE_URL` set,
  into a freshly emptied and migrated database. Rows/s is the importer's own figure (rows over the
  seconds it prints); "command" is the whole process, start-up, and for accounts the playbook
  steps the CLI generates after the import.
- **Detection**: `bot.services.usage.detect()` over all accounts, in the benchmark's own process,
  for the day after the last usage day (median of the runs). `csm-coach import` has already run
  `ANALYZE` on PostgreSQL after each file.
- **Morning round**: every team gets a channel and a 09:00 post time, then `csm-coach digest --at
  <that day, 12:00 UTC>` runs as a subprocess against the Slack stand-in (`tests/support/slack_standin.py`,
  on loopback, through `SLACK_API_URL`). Messages are the `chat.postMessage` calls the stand-in
  answered `ok`. The deliveries are then deleted and the round runs again with the stand-in holding
  `chat.postMessage` to Slack's pace, 1 message a second per channel after a burst of 3, answering
  HTTP 429 with `Retry-After` beyond it. "Pace allows" is the least time that pace leaves for the
  calls made; the target is that time plus the 60 s of the unpaced round, with nothing failed. A
  round sends one message per channel (a post per team channel, a DM per CSM, posted to the user's
  id), so the per-channel pace seldom answers 429.
- **Slash commands**: `csm-coach serve` as a subprocess, then Slack-signed `POST /slack/events`
  requests one at a time over loopback: `/myload` from the company's CSMs in turn, `/teamload` from
  its managers in turn, after 5 uncounted warm-up requests each. Each answer is checked (HTTP 200,
  a book or a team view, not a refusal).
- **Memory**: peak resident set size (`VmHWM` of `/proc/PID/status`) of `serve` after all requests,
  and of each `digest` process (`ru_maxrss` from `os.wait4` on that child), in MB of 10^6 bytes."""


def section(
    *,
    when: str,
    command: str,
    company: str,
    took: str,
    machine: Sequence[tuple[str, str]],
    results: dict[str, Sequence[Figure]],
    notes: Sequence[str],
) -> str:
    lines = [
        BEGIN,
        "## The whole app at scale (`benchmarks/run.py`)",
        "",
        "One command generates a company (`benchmarks/generate.py`), then, on SQLite and on PostgreSQL,",
        "imports it through the CLI, times detection, runs the morning round against the Slack stand-in,",
        "and answers `/myload` and `/teamload` through a real `csm-coach serve`. It prints a table per",
        "database and rewrites this section (between the `benchmarks/run.py` comment markers; the rest",
        "of this file is written by hand).",
        "",
        "```",
        ".venv/bin/python -m benchmarks.run                  # full: 100,000 accounts, 500 CSMs, 365 days",
        ".venv/bin/python -m benchmarks.run --size small     # 5,000 accounts, 50 CSMs, 5 teams, 120 days",
        ".venv/bin/python -m benchmarks.run --database sqlite --reuse-data --no-write",
        "```",
        "",
        *textwrap.wrap(f"Last run {when}: `{command}`. {company}. The whole run took {took}.", 100),
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {what} | {_cell(value)} |" for what, value in machine],
        "",
        *markdown_results(results),
        "",
        *notes,
        *([""] if notes else []),
        HOW,
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, text: str) -> None:
    """Replace the marked section of `doc`, or insert it after the Machine section (before the next `## `)."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        doc.write_text(head + text + ("\n" + tail if tail else ""), encoding="utf-8")
        return
    lines = current.splitlines(keepends=True)
    machine = next((i for i, line in enumerate(lines) if line.startswith("## Machine")), None)
    after = machine if machine is not None else 0
    at = next((i for i in range(after + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    before = "".join(lines[:at])
    if not before.endswith("\n\n"):
        before = before.rstrip("\n") + "\n\n"
    remainder = "".join(lines[at:])
    doc.write_text(before + text + ("\n" + remainder if remainder else ""), encoding="utf-8")
