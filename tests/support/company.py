"""A small company whose usage carries the traps of the decline rule, written as the README's CSV files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.importers.accounts import import_accounts
from bot.importers.team import import_team
from bot.importers.usage import import_usage
from bot.services import teams

TODAY = date(2026, 11, 23)  # a Monday
HISTORY_DAYS = 60

TEAM_CSV = """slack_user_id,email,name,team,role,timezone
U0ANA,ana@example.com,Ana Alvarez,Harbor,csm,Europe/London
U0BEN,ben@example.com,Ben Brooks,Harbor,csm,Europe/London
U0MIA,mia@example.com,Mia Manager,Harbor,manager,Europe/London
U0SAM,sam@example.com,Sam Summit,Summit,csm,America/New_York
"""


def rhythm(day: date, level: float) -> float:
    """Weekdays at `level`, weekends at 30% of it."""
    return level if day.weekday() < 5 else level * 0.3


def days_back(n: int, today: date = TODAY) -> date:
    return today - timedelta(days=n)


# A curve gets the day and its age (days before today); None means no row that day.
Curve = Callable[[date, int], float | None]


def steady(day: date, age: int) -> float | None:
    return rhythm(day, 100)


def declining(day: date, age: int) -> float | None:
    return rhythm(day, 40 if age <= 7 else 100)


def silent(day: date, age: int) -> float | None:
    return None if age <= 4 else rhythm(day, 100)


def exactly_30(day: date, age: int) -> float | None:
    return 70.0 if age <= 7 else 100.0


def almost_30(day: date, age: int) -> float | None:
    return 71.0 if age <= 7 else 100.0


def low_volume(day: date, age: int) -> float | None:
    return 0.0 if age <= 7 else 4.0


def recovered(day: date, age: int) -> float | None:
    return rhythm(day, 20 if 7 < age <= 14 else 100)


def brand_new(day: date, age: int) -> float | None:
    if age > 20:
        return None
    return 0.0 if age <= 7 else 100.0


# external_id: (name, segment, arr, owner, curve)
ACCOUNTS: dict[str, tuple[str, str, float, str, Curve]] = {
    "DECL": ("Dunmore Freight", "Mid-Market", 50_000, "U0ANA", declining),
    "SILENT": ("Silverline Health", "Enterprise", 200_000, "U0ANA", silent),
    "EXACT30": ("Exeter Mills", "SMB", 10_000, "U0BEN", exactly_30),
    "ALMOST": ("Almond Labs", "SMB", 10_000, "U0BEN", almost_30),
    "STEADY": ("Steadfast Co", "Large", 90_000, "U0BEN", steady),
    "LOW": ("Lowland Farms", "SMB", 3_000, "U0BEN", low_volume),
    "RECOV": ("Recoverly", "Large", 80_000, "U0ANA", recovered),
    "NEW": ("Newbridge", "Mid-Market", 40_000, "U0ANA", brand_new),
    "SUMMIT1": ("Summit Peak Co", "Large", 70_000, "U0SAM", declining),
    # Most of a real workspace is steady; without them the declines above would be a feed-wide dip.
    **{
        f"STEADY{n}": (f"Stillwater {trade}", "SMB", 5_000, "U0BEN", steady)
        for n, trade in enumerate(("Bakery", "Dental", "Freight", "Labs", "Media", "Realty"), start=1)
    },
}
EXPECTED_FLAGGED = {"DECL", "SILENT", "EXACT30", "SUMMIT1"}


def write_files(
    directory: Path, *, today: date = TODAY, last_day: date | None = None
) -> tuple[Path, Path, Path]:
    """Team, accounts and usage CSVs for `today`; usage runs until `last_day` (yesterday by default)."""
    last_day = last_day or days_back(1, today)
    team = directory / "team.csv"
    team.write_text(TEAM_CSV, encoding="utf-8")
    accounts = directory / "accounts.csv"
    lines = ["external_id,name,segment,arr,owner,start_date,renewal_date"]
    for external_id, (name, segment, arr, owner, _) in ACCOUNTS.items():
        lines.append(f"{external_id},{name},{segment},{arr},{owner},2024-01-15,2027-01-15")
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    usage = directory / "usage.csv"
    rows = ["external_id,date,value"]
    for offset in range(HISTORY_DAYS, 0, -1):
        day = days_back(offset, today)
        if day > last_day:
            break
        for external_id, (*_, curve) in ACCOUNTS.items():
            value = curve(day, offset)
            if value is not None:
                rows.append(f"{external_id},{day.isoformat()},{value:g}")
    usage.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return team, accounts, usage


def load(engine: Engine, directory: Path, *, today: date = TODAY, last_day: date | None = None) -> None:
    team, accounts, usage = write_files(directory, today=today, last_day=last_day)
    import_team(team, engine=engine)
    import_accounts(accounts, engine=engine, today=today)
    import_usage(usage, engine=engine, today=today)


# Who a whole morning round reaches once `set_channels()` ran: both team channels, and the DMs (to the
# user id) of the CSMs with something to say.
RECIPIENTS = frozenset({"C0HARBOR", "C0SUMMIT", "U0ANA", "U0BEN", "U0SAM"})


def clock_recipients(day: date, post_days: frozenset[int] = frozenset(range(7))) -> frozenset[str]:
    """Who a clock reaches on `day`: the round's recipients and, on the team's first working day of
    the week, Harbor's manager with the manager's week."""
    return RECIPIENTS | ({"U0MIA"} if day.weekday() == min(post_days) else frozenset())


def set_channels(
    session: Session, *names: str, post_time: str | None = None, timezone: str | None = None
) -> None:
    """Give each named team the channel C0<NAME> (and a post time or zone, when given)."""
    for name in names or ("Harbor", "Summit"):
        teams.configure(
            session=session, name=name, channel=f"C0{name.upper()}", post_time=post_time, timezone=timezone
        )
    session.commit()
