"""A deterministic synthetic company written as CSV files in README's CSV formats.

Used by `csm-coach demo` and the benchmarks: people in teams, accounts in every segment, CSM books
chosen so that every load verdict shows, and daily usage in which a few accounts clearly decline.
On request, a CSM with a review backlog and a holiday week (everyone's usage down by about half).
Only `random.Random(seed)` decides anything, so a seed always gives the same bytes.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat
from pathlib import Path

from bot.demo.books import BANDS, plan_books
from bot.demo.draws import arr, company_name, last_review, log_uniform, next_anniversary
from bot.demo.words import FIRST_NAMES, LAST_NAMES, TEAMS
from bot.domain.bands import Verdict, book_load
from bot.models import Role

TEAM_HEADER = ("slack_user_id", "email", "name", "team", "role", "timezone")
ACCOUNTS_HEADER = (
    "external_id",
    "name",
    "segment",
    "arr",
    "owner",
    "start_date",
    "renewal_date",
    "last_review_date",
)
USAGE_HEADER = ("external_id", "date", "value")

# How people type segments in a CRM export; the importer matches them leniently.
SPELLINGS = {
    "smb": ("smb", "SMB", "Digital", "Digital / SMB"),
    "mid_market": ("mid_market", "Mid-Market", "mid market", "Mid-market"),
    "large": ("large", "Large", "LARGE"),
    "enterprise": ("enterprise", "Enterprise", "ENT"),
}
_LEVEL = {"smb": (6, 40), "mid_market": (20, 150), "large": (60, 500), "enterprise": (200, 2_500)}
_ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_NOISE = 1 << 14  # day-to-day multipliers drawn once, then sliced per account: fast and deterministic
BACKLOG_BOOK = {"mid_market": 60, "smb": 40}  # within band, and no review on record: dozens overdue
HOLIDAY = (0.45, 0.55)  # a holiday week: each account's last 7 days at this share of normal
HISTORY_DAYS = 110  # usage kept with `history`: the oldest fall's baseline, and its windows before
HISTORY_EPISODES = 48  # falls 33 to 58 days ago in the first team
RECENT_EPISODES = 6  # falls in the last fortnight
EPISODE_BACK = 1.1  # an account that recovers comes back a little above its usual usage


@dataclass(frozen=True)
class CompanyFiles:
    team_csv: Path
    accounts_csv: Path
    usage_csv: Path
    first_usage_day: date
    last_usage_day: date  # yesterday: the newest complete day
    people: int
    accounts: int
    usage_rows: int
    declining: tuple[str, ...]  # external_ids made to drop ≥ 40% in the last 7 days
    stopped_reporting: str | None  # one of `declining`: no rows for its last few days
    low_volume: tuple[str, ...]  # external_ids averaging under 5 a day
    verdicts: dict[str, Verdict]  # CSM slack_user_id -> load verdict of their book
    backlog_csm: str | None = None  # slack_user_id of the CSM whose reviews were never recorded
    holiday: bool = False  # the last 7 days are a feed-wide dip; `declining` fall beyond it
    # The eight weeks before today in the first team: accounts whose usage fell (and for some, came
    # back), with what their CSM does about it; `demo` lives those mornings through the round.
    history: tuple[Episode, ...] = ()


@dataclass(frozen=True)
class Episode:
    """One account's fall in the weeks before today, and what its CSM does when it is flagged."""

    external_id: str
    drop: date  # the first day at `share` of usual
    share: float
    back: date | None  # the first day back at (a little above) usual usage, or never
    reach: bool  # the CSM reaches out the working day after the alert
    snooze: bool  # or snoozes it


@dataclass(slots=True)
class _Account:
    external_id: str
    start: date
    level: float  # weekday usage at the end of the window
    weekend: float  # weekend share of a weekday
    slope: float  # relative change across the window, ending at 1
    low_volume: bool


def write_company(
    directory: Path,
    *,
    today: date,
    seed: int = 7,
    teams: int = 3,
    csms: int = 12,
    accounts: int = 1000,
    days: int = 90,
    backlog_csm: bool = False,
    holiday: bool = False,
    history: bool = False,
) -> CompanyFiles:
    """Write team.csv, accounts.csv and usage.csv (usage: `days` days ending yesterday) into `directory`.

    `backlog_csm` adds one CSM to the first team with `BACKLOG_BOOK` and no review on record;
    `holiday` puts everyone's last 7 days at about half; `history` gives the first team `HISTORY_EPISODES`
    falls over the last eight weeks (usage then starts `HISTORY_DAYS` back, so the oldest has its
    baseline). Without them the bytes are those of before.
    """
    if history:
        days = max(days, HISTORY_DAYS)
    if teams < 1 or csms < 1 or accounts < 0 or not 1 <= days <= _NOISE:
        raise ValueError(f"need teams >= 1, csms >= 1, accounts >= 0 and 1 <= days <= {_NOISE}")
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    team_csv, accounts_csv, usage_csv = (directory / f"{n}.csv" for n in ("team", "accounts", "usage"))

    people, csm_ids, csm_emails, person = _people(rng, teams, csms)
    backlog_id = None
    if backlog_csm:  # drawn after everyone else, so the rest of the company stays the same
        people.append(person(0, Role.CSM))
        backlog_id = people[-1][0]
    _write(team_csv, TEAM_HEADER, people)
    books = plan_books(rng, csms, accounts)
    verdicts = {csm_ids[i]: book_load(book, BANDS).verdict for i, book in enumerate(books)}
    if backlog_id is not None:
        verdicts[backlog_id] = book_load(BACKLOG_BOOK, BANDS).verdict

    owners = [(i, seg) for i, book in enumerate(books) for seg, n in book.items() for _ in range(n)]
    rng.shuffle(owners)
    made: list[_Account] = []
    with accounts_csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ACCOUNTS_HEADER)
        used: set[str] = set()
        for k, (i, seg) in enumerate(owners, start=1):
            ext = f"ACC-{k:06d}"
            recent = rng.random() < 0.05
            start = today - timedelta(days=rng.randint(1, 90) if recent else rng.randint(91, 3 * 365))
            owner = csm_emails[i] if rng.random() < 0.15 else csm_ids[i]
            row = (ext, company_name(rng, used), rng.choice(SPELLINGS[seg]), arr(rng, seg), owner)
            writer.writerow(
                (*row, start, next_anniversary(start, today), last_review(rng, seg, start, today))
            )
            low = seg in ("smb", "mid_market") and rng.random() < 0.07
            level = rng.uniform(1.5, 5.5) if low else log_uniform(rng, *_LEVEL[seg])
            made.append(_Account(ext, start, level, rng.uniform(0.3, 0.4), rng.uniform(-0.25, 0.35), low))
        planned = list(made)
        if backlog_id is not None:
            segments = [seg for seg, n in BACKLOG_BOOK.items() for _ in range(n)]
            for k, seg in enumerate(segments, start=len(owners) + 1):
                ext = f"ACC-{k:06d}"
                start = today - timedelta(days=rng.randint(200, 3 * 365))
                row = (ext, company_name(rng, used), rng.choice(SPELLINGS[seg]), arr(rng, seg), backlog_id)
                writer.writerow((*row, start, next_anniversary(start, today), ""))
                level = log_uniform(rng, *_LEVEL[seg])
                made.append(_Account(ext, start, level, rng.uniform(0.3, 0.4), rng.uniform(-0.1, 0.2), False))

    day0 = today - timedelta(days=days)
    eligible = [a for a in planned if not a.low_volume and a.start <= today - timedelta(days=71)]
    n_declining = min(len(eligible), max(2, round(0.015 * accounts))) if days >= 35 else 0
    declining = {a.external_id: rng.uniform(0.2, 0.45) for a in rng.sample(eligible, n_declining)}
    stopped = next(iter(declining), None)
    episodes = _episodes(rng, eligible, declining, owners, teams, today) if history else ()
    dip = holiday and days >= 35
    rows = _write_usage(rng, usage_csv, made, day0, days, declining, stopped, holiday=dip, episodes=episodes)
    return CompanyFiles(
        team_csv=team_csv,
        accounts_csv=accounts_csv,
        usage_csv=usage_csv,
        first_usage_day=day0,
        last_usage_day=today - timedelta(days=1),
        people=len(people),
        accounts=len(made),
        usage_rows=rows,
        declining=tuple(declining),
        stopped_reporting=stopped,
        low_volume=tuple(a.external_id for a in made if a.low_volume),
        verdicts=verdicts,
        backlog_csm=backlog_id,
        holiday=holiday and days >= 35,
        history=episodes,
    )


def _episodes(
    rng: random.Random,
    eligible: list[_Account],
    declining: dict[str, float],
    owners: list[tuple[int, str]],
    teams: int,
    today: date,
) -> tuple[Episode, ...]:
    """Falls in the first team: most flagged 28 to 56 days ago (the outreach lift's window), where a
    call goes with recovery more often than silence does; a few in the last fortnight, some unclaimed."""
    first_team = {f"ACC-{k:06d}" for k, (i, _) in enumerate(owners, start=1) if i % teams == 0}
    old_enough = today - timedelta(days=HISTORY_DAYS)
    pool = [
        a
        for a in eligible
        if a.external_id in first_team and a.external_id not in declining and a.start <= old_enough
    ]
    chosen = rng.sample(pool, min(len(pool), HISTORY_EPISODES + RECENT_EPISODES))
    found = []
    for n, a in enumerate(chosen):
        reach = rng.random() < 0.5
        if n < HISTORY_EPISODES:
            drop = today - timedelta(days=rng.randint(33, 58))
            recovers = rng.random() < (0.7 if reach else 0.3)
            back = drop + timedelta(days=rng.randint(8, 16)) if recovers else None
        else:
            drop, back = today - timedelta(days=rng.randint(8, 14)), None
        share = rng.uniform(0.2, 0.5)
        found.append(Episode(a.external_id, drop, share, back, reach, not reach and rng.random() < 0.3))
    return tuple(found)


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _people(
    rng: random.Random, teams: int, csms: int
) -> tuple[list[tuple[str, ...]], list[str], list[str], Callable[[int, Role], tuple[str, ...]]]:
    """Team-file rows (an admin, then per team its manager and CSMs), the CSMs' ids and emails, and
    the function that makes one more person."""
    ids: set[str] = set()
    names: set[str] = set()

    def person(team: int, role: Role) -> tuple[str, ...]:
        team_name, tz, alt = TEAMS[team % len(TEAMS)]
        if team >= len(TEAMS):
            team_name = f"{team_name} {team // len(TEAMS) + 1}"
        while (slack_id := "U0" + "".join(rng.choices(_ID_CHARS, k=8))) in ids:
            pass
        ids.add(slack_id)
        for attempt in range(40):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}" if attempt < 20 else f"{first} {rng.choice(_ID_CHARS[:24])}. {last}"
            if name not in names:
                break
        names.add(name)
        local = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        email = ".".join(part.strip(".") for part in local.split()) + "@lumora.example"
        return (slack_id, email, name, team_name, role, alt if rng.random() < 0.15 else tz)

    rows = [person(0, Role.ADMIN)]
    by_index: dict[int, tuple[str, ...]] = {}
    for t in range(teams):
        rows.append(person(t, Role.MANAGER))
        for i in range(t, csms, teams):  # CSM i sits in team i % teams
            by_index[i] = person(t, Role.CSM)
            rows.append(by_index[i])
    return rows, [by_index[i][0] for i in range(csms)], [by_index[i][1] for i in range(csms)], person


def _write_usage(
    rng: random.Random,
    path: Path,
    accounts: list[_Account],
    day0: date,
    days: int,
    declining: dict[str, float],
    stopped: str | None,
    *,
    holiday: bool = False,
    episodes: tuple[Episode, ...] = (),
) -> int:
    """Stream one row per account and day; declining accounts fall over their last 7 days.

    On a holiday everyone's last 7 days are also at about half, so the declining ones fall beyond it.
    """
    calendar = [day0 + timedelta(days=d) for d in range(days)]
    dates = [d.isoformat() for d in calendar]
    weekend = [d.weekday() >= 5 for d in calendar]
    noise = [max(0.3, rng.gauss(1.0, 0.12)) for _ in range(_NOISE)]
    noise += noise
    span = max(1, days - 1)
    ramp = (0.3, 0.15, 0.0, 0.0, 0.0, 0.0, 0.0)
    falls = {e.external_id: e for e in episodes}
    rows = 0
    with path.open("w", newline="", encoding="utf-8", buffering=1 << 20) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(USAGE_HEADER)
        for a in accounts:
            first = max(0, (a.start - day0).days)
            n = days - first
            off = rng.randrange(_NOISE)
            high, low, c0, slope = a.level, a.level * a.weekend, 1 - a.slope, a.slope / span
            values = [
                int((low if we else high) * (c0 + slope * i) * z + 0.5)
                for i, we, z in zip(range(first, days), weekend[first:], noise[off : off + n], strict=True)
            ]
            if first > 0:  # a new account ramps up over its first month
                for k in range(min(n, 30)):
                    values[k] = int(values[k] * (0.3 + 0.7 * k / 30) + 0.5)
            if holiday:
                share = rng.uniform(*HOLIDAY)
                for k in range(max(0, n - 7), n):
                    values[k] = int(values[k] * share + 0.5)
            if (target := declining.get(a.external_id)) is not None:
                for k, r in enumerate(ramp):
                    values[n - 7 + k] = int(values[n - 7 + k] * (target + (1 - target) * r) + 0.5)
                if a.external_id == stopped:
                    del values[n - rng.randint(3, 5) :]
            if (episode := falls.get(a.external_id)) is not None:
                for k in range(n):
                    day = calendar[first + k]
                    if episode.back is not None and day >= episode.back:
                        values[k] = int(values[k] * EPISODE_BACK + 0.5)
                    elif day >= episode.drop:
                        values[k] = int(values[k] * episode.share + 0.5)
            writer.writerows(zip(repeat(a.external_id), dates[first:], values, strict=False))
            rows += len(values)
    return rows
