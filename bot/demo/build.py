"""The demo's company in a database: written by `company`, imported as a user would, then counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.demo.company import CompanyFiles, write_company
from bot.domain.usage import DeclineRules, FeedDip, Trend, ratio
from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from bot.services.usage import detect


def build_company(
    engine: Engine,
    directory: Path,
    *,
    today: date,
    seed: int = 7,
    holiday: bool = False,
    history: bool = False,
) -> tuple[CompanyFiles, list[str]]:
    """Write the demo's company (with its review backlog) into `directory` and import it; the summaries."""
    files = write_company(
        directory, today=today, seed=seed, backlog_csm=True, holiday=holiday, history=history
    )
    summaries = [
        f"import {files.team_csv.name}: {import_team(files.team_csv, engine=engine).summary()}",
        f"import {files.accounts_csv.name}: "
        f"{import_accounts(files.accounts_csv, engine=engine, today=today).summary()}",
        f"import {files.usage_csv.name}: "
        f"{import_usage(files.usage_csv, engine=engine, today=today).summary()}",
    ]
    return files, summaries


@dataclass(frozen=True)
class FlagCounts:
    eligible: int  # accounts with enough history and a baseline at or above the floor
    plainly: int  # of those, down by the threshold or more: what the plain rule flags
    flagged: int  # what detection flags (fewer under a feed-wide dip)
    dip: FeedDip | None


def flag_counts(*, session: Session, today: date, rules: DeclineRules) -> FlagCounts:
    """Detection over the whole workspace, and what the plain rule alone would have flagged."""
    detection = detect(session=session, today=today, rules=rules)
    ratios = [r for a in detection.assessments.values() if (r := ratio(a, rules)) is not None]
    plainly = sum(1 - r >= rules.threshold - 1e-9 for r in ratios)
    flagged = sum(a.trend is Trend.DECLINING for a in detection.assessments.values())
    return FlagCounts(len(ratios), plainly, flagged, detection.dip)
