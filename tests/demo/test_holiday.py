"""The demo's holiday week flags only the accounts that fell beyond the feed-wide dip; its backlog CSM
has dozens of overdue reviews. On the test database (SQLite or PostgreSQL), built as the demo builds it."""

from __future__ import annotations

import csv
import re
import statistics
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from bot.demo.build import build_company, flag_counts
from bot.demo.company import CompanyFiles, write_company
from bot.demo.run import morning
from bot.jobs.compose import plan_round
from bot.models import Account, Alert, Person, Team
from bot.services import localtime, steps
from bot.services.usage import detect

TODAY = date(2026, 11, 23)
SETTINGS = Settings(_env_file=None)
RULES = SETTINGS.decline_rules()


def ratios(files: CompanyFiles) -> dict[str, float]:
    """The dip rule (docs/how-it-works.md) read straight from usage.csv: recent / baseline of each
    eligible account."""
    by_account: dict[str, dict[date, float]] = defaultdict(dict)
    with files.usage_csv.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_account[row["external_id"]][date.fromisoformat(row["date"])] = float(row["value"])
    newest = max(day for days in by_account.values() for day in days)
    found: dict[str, float] = {}
    for external_id, days in by_account.items():
        if min(days) > newest - timedelta(days=34):  # less history than 7 + 28 days
            continue
        recent = sum(days.get(newest - timedelta(days=k), 0) for k in range(7)) / 7
        baseline = sum(days.get(newest - timedelta(days=k), 0) for k in range(7, 35)) / 28
        if baseline >= 5:
            found[external_id] = recent / baseline
    return found


def own_reading(files: CompanyFiles) -> tuple[float, set[str], int]:
    """(median ratio, the accounts at or below m x 0.7, eligible accounts)."""
    found = ratios(files)
    m = statistics.median(found.values())
    return m, {e for e, r in found.items() if r <= m * 0.7}, len(found)


@pytest.fixture
def holiday(engine: Engine, tmp_path: Path) -> CompanyFiles:
    files, _ = build_company(engine, tmp_path, today=TODAY, holiday=True)
    return files


def test_the_holiday_week_flags_only_the_accounts_that_fell_beyond_the_dip(
    engine: Engine, session: Session, holiday: CompanyFiles
) -> None:
    m, beyond, eligible = own_reading(holiday)
    assert 0.45 <= m <= 0.55 and beyond == set(holiday.declining) and len(beyond) >= 10

    counts = flag_counts(session=session, today=TODAY, rules=RULES)
    assert counts.dip is not None and counts.dip.median_ratio == pytest.approx(m)
    assert counts.eligible == eligible and counts.plainly >= 0.95 * eligible  # the plain rule: everyone
    assert counts.flagged == len(beyond)

    # Team by team, as the round judges them: each team's day, the whole workspace's dip.
    flagged: set[str] = set()
    for team in session.exec(select(Team)).all():
        today = localtime.for_team(team, session=session, now=morning(TODAY)).today
        detection = detect(session=session, today=today, rules=RULES, team_id=team.id)
        assert detection.dip == counts.dip
        flagged |= {a.external_id for a in detection.declining.values()}
    assert flagged == beyond

    # The round opens alerts for those accounts and no other.
    plan_round(engine=engine, now=morning(TODAY), settings=SETTINGS, team_name=None, commit=True)
    with Session(engine) as fresh:
        alerted = fresh.exec(
            select(Account.external_id).join(Alert, col(Alert.account_id) == col(Account.id))
        ).all()
    assert set(alerted) == beyond


def test_without_the_holiday_the_same_company_has_no_dip(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    files, _ = build_company(engine, tmp_path, today=TODAY)
    plain = {e for e, r in ratios(files).items() if r <= 0.7}
    assert statistics.median(ratios(files).values()) >= 0.85 and plain <= set(files.declining)
    counts = flag_counts(session=session, today=TODAY, rules=RULES)
    assert counts.dip is None and counts.flagged == counts.plainly == len(plain)


def test_the_backlog_csm_has_dozens_of_overdue_reviews(
    engine: Engine, session: Session, holiday: CompanyFiles
) -> None:
    person = session.exec(select(Person).where(Person.slack_user_id == holiday.backlog_csm)).one()
    assert person.id is not None
    steps.generate(session=session, today=TODAY, cadence=SETTINGS.review_cadence_days)
    assert steps.overdue_count(session=session, today=TODAY, owner_id=person.id) >= 36
    segments = session.exec(select(Account.segment_key).where(Account.owner_id == person.id)).all()
    assert sorted(set(segments)) == ["mid_market", "smb"] and len(segments) == 100


def test_demo_holiday_prints_the_flagged_counts_before_and_after(tmp_path: Path) -> None:
    args = ["demo", "--db", str(tmp_path / "demo.db"), "--today", TODAY.isoformat(), "--holiday"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    text = result.output
    found = re.search(r"would flag ([\d,]+) of the ([\d,]+) eligible accounts; csm-coach flags (\d+)", text)
    assert found is not None, text[:2000]
    plainly, eligible, flagged = (int(g.replace(",", "")) for g in found.groups())
    expected = write_company(tmp_path / "files", today=TODAY, backlog_csm=True, holiday=True)
    assert plainly >= 0.95 * eligible and flagged == len(expected.declining)
    backlog = next(
        r
        for r in expected.team_csv.read_text(encoding="utf-8").splitlines()
        if r.startswith(str(expected.backlog_csm))
    )
    assert f"/myload — as {backlog.split(',')[2]}" in text
