"""The synthetic company: the README's CSV files, deterministic, showing every verdict and a few declines."""

from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.demo.books import plan_books
from bot.demo.company import CompanyFiles, write_company
from bot.domain.bands import DEFAULT_BANDS, Verdict, book_load

TODAY = date(2026, 11, 23)
BANDS = DEFAULT_BANDS
# Segment names are matched leniently (README, "CSV formats"); this is the test's own reading of that rule.
SEGMENT_WORDS = {
    "smb": "smb",
    "digital": "smb",
    "digitalsmb": "smb",
    "midmarket": "mid_market",
    "large": "large",
    "enterprise": "enterprise",
    "ent": "enterprise",
}
ARR_RANGE = {
    "smb": (2_000, 15_000),
    "mid_market": (15_000, 60_000),
    "large": (60_000, 200_000),
    "enterprise": (200_000, 1_200_000),
}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def segment_key(text: str) -> str:
    return SEGMENT_WORDS[re.sub(r"[^a-z0-9]", "", text.lower())]


def arr_value(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> CompanyFiles:
    return write_company(tmp_path_factory.mktemp("company"), today=TODAY)


@pytest.fixture(scope="module")
def usage(company: CompanyFiles) -> dict[str, dict[date, int]]:
    by_account: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows(company.usage_csv):
        day = date.fromisoformat(row["date"])
        assert day not in by_account[row["external_id"]], "one row per account and day"
        by_account[row["external_id"]][day] = int(row["value"])
    return by_account


def drop(by_day: dict[date, int], newest: date) -> tuple[float, float] | None:
    """The decline rule (docs/how-it-works.md): (drop, baseline mean), days without a row count as 0;
    None without 35 days."""
    if (newest - min(by_day)).days + 1 < 7 + 28:
        return None
    recent = [by_day.get(newest - timedelta(days=k), 0) for k in range(7)]
    baseline = [by_day.get(newest - timedelta(days=k), 0) for k in range(7, 35)]
    base_mean = sum(baseline) / 28
    return 1 - (sum(recent) / 7) / base_mean, base_mean


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = write_company(tmp_path / "a", today=TODAY, accounts=150, csms=4, days=40)
    again = write_company(tmp_path / "b", today=TODAY, accounts=150, csms=4, days=40)
    other = write_company(tmp_path / "c", today=TODAY, accounts=150, csms=4, days=40, seed=8)
    for name in ("team_csv", "accounts_csv", "usage_csv"):
        assert getattr(first, name).read_bytes() == getattr(again, name).read_bytes()
        assert getattr(first, name).read_bytes() != getattr(other, name).read_bytes()


def test_files_have_exactly_the_spec_headers(company: CompanyFiles) -> None:
    def header(path: Path) -> str:
        return path.read_text(encoding="utf-8").split("\n", 1)[0]

    assert header(company.team_csv) == "slack_user_id,email,name,team,role,timezone"
    assert header(company.accounts_csv) == (
        "external_id,name,segment,arr,owner,start_date,renewal_date,last_review_date"
    )
    assert header(company.usage_csv) == "external_id,date,value"


def test_each_team_has_a_manager_and_csms_and_there_is_an_admin(company: CompanyFiles) -> None:
    people = rows(company.team_csv)
    roles = Counter(p["role"] for p in people)
    assert roles == {"csm": 12, "manager": 3, "admin": 1}
    assert company.people == len(people)
    teams = {p["team"] for p in people}
    assert teams == {"Northstar", "Harbor", "Summit"}
    for team in teams:
        members = [p for p in people if p["team"] == team]
        assert sum(p["role"] == "manager" for p in members) == 1
        assert sum(p["role"] == "csm" for p in members) == 4
    assert len({p["slack_user_id"] for p in people}) == len({p["email"] for p in people}) == len(people)
    for p in people:
        assert re.fullmatch(r"U0[A-Z0-9]{8}", p["slack_user_id"])
        assert re.fullmatch(r"[a-z]+\.[a-z]+(\.[a-z]+)?@[a-z.]+", p["email"])
        ZoneInfo(p["timezone"])


def test_every_account_is_owned_by_a_csm_of_the_team_file(company: CompanyFiles) -> None:
    csms = [p for p in rows(company.team_csv) if p["role"] == "csm"]
    known = {p["slack_user_id"] for p in csms} | {p["email"] for p in csms}
    accounts = rows(company.accounts_csv)
    assert len(accounts) == company.accounts == 1000
    assert len({a["external_id"] for a in accounts}) == 1000
    assert {a["owner"] for a in accounts} <= known
    assert any("@" in a["owner"] for a in accounts) and any(a["owner"].startswith("U0") for a in accounts)


def test_segments_are_spelled_variously_and_arr_fits_each_segment(company: CompanyFiles) -> None:
    spellings: dict[str, set[str]] = defaultdict(set)
    for account in rows(company.accounts_csv):
        key = segment_key(account["segment"])
        spellings[key].add(account["segment"])
        low, high = ARR_RANGE[key]
        assert low <= arr_value(account["arr"]) <= high, account
    assert set(spellings) == set(ARR_RANGE)
    assert all(len(spelled) >= 2 for spelled in spellings.values())
    assert any(a["arr"].startswith("$") and "," in a["arr"] for a in rows(company.accounts_csv))


def test_dates_are_plausible(company: CompanyFiles) -> None:
    accounts = rows(company.accounts_csv)
    starts = [date.fromisoformat(a["start_date"]) for a in accounts]
    assert all(TODAY - timedelta(days=3 * 366) <= s < TODAY for s in starts)
    recent = sum(s >= TODAY - timedelta(days=90) for s in starts)
    assert 0.02 * len(accounts) <= recent <= 0.09 * len(accounts)
    for account, start in zip(accounts, starts, strict=True):
        assert TODAY < date.fromisoformat(account["renewal_date"]) <= TODAY + timedelta(days=366)
        if account["last_review_date"]:
            assert start <= date.fromisoformat(account["last_review_date"]) < TODAY
    reviewed = sum(bool(a["last_review_date"]) for a in accounts)
    assert 0 < reviewed < len(accounts)


def test_usage_covers_the_window_ending_yesterday(
    company: CompanyFiles, usage: dict[str, dict[date, int]]
) -> None:
    days = [d for by_day in usage.values() for d in by_day]
    assert company.usage_rows == len(days)
    assert 0.9 * 1000 * 90 <= len(days) <= 1000 * 90
    assert min(days) == company.first_usage_day == TODAY - timedelta(days=90)
    assert max(days) == company.last_usage_day == TODAY - timedelta(days=1)
    assert set(usage) == {a["external_id"] for a in rows(company.accounts_csv)}


def test_weekends_are_quieter(usage: dict[str, dict[date, int]]) -> None:
    totals: dict[bool, list[int]] = {True: [], False: []}
    for by_day in usage.values():
        for day, value in by_day.items():
            totals[day.weekday() >= 5].append(value)
    ratio = (sum(totals[True]) / len(totals[True])) / (sum(totals[False]) / len(totals[False]))
    assert 0.25 <= ratio <= 0.45


def test_declining_accounts_drop_by_the_spec_definition(
    company: CompanyFiles, usage: dict[str, dict[date, int]]
) -> None:
    assert 10 <= len(company.declining) <= 20  # ~1–2% of 1,000
    for external_id in company.declining:
        measured = drop(usage[external_id], company.last_usage_day)
        assert measured is not None
        assert measured[0] >= 0.4 and measured[1] >= 5, (external_id, measured)


def test_one_declining_account_stops_reporting_while_the_feed_goes_on(
    company: CompanyFiles, usage: dict[str, dict[date, int]]
) -> None:
    assert company.stopped_reporting in company.declining
    last_row = max(usage[company.stopped_reporting])
    assert 3 <= (company.last_usage_day - last_row).days <= 5
    others = [max(by_day) for ext, by_day in usage.items() if ext != company.stopped_reporting]
    assert all(day == company.last_usage_day for day in others)


def test_no_other_account_looks_declining(company: CompanyFiles, usage: dict[str, dict[date, int]]) -> None:
    for external_id, by_day in usage.items():
        measured = drop(by_day, company.last_usage_day)
        if external_id in company.declining or measured is None or measured[1] < 5:
            continue
        assert measured[0] < 0.3, (external_id, measured)


def test_some_accounts_have_low_volume(company: CompanyFiles, usage: dict[str, dict[date, int]]) -> None:
    assert 0.01 * company.accounts <= len(company.low_volume) <= 0.1 * company.accounts
    for external_id in company.low_volume:
        values = usage[external_id].values()
        assert sum(values) / len(values) < 5


def test_csm_books_show_every_verdict(company: CompanyFiles) -> None:
    people = {p["slack_user_id"]: p for p in rows(company.team_csv)}
    by_email = {p["email"]: p["slack_user_id"] for p in people.values()}
    books: dict[str, Counter[str]] = defaultdict(Counter)
    for account in rows(company.accounts_csv):
        owner = by_email.get(account["owner"], account["owner"])
        books[owner][segment_key(account["segment"])] += 1
    verdicts = {owner: book_load(book, BANDS).verdict for owner, book in books.items()}
    assert verdicts == company.verdicts
    assert set(verdicts.values()) == {Verdict.OVER, Verdict.WITHIN, Verdict.UNDER}
    assert Counter(verdicts.values())[Verdict.WITHIN] >= 3
    assert any(len(book) >= 2 for book in books.values()), "some CSMs carry mixed books"
    assert {p["team"] for owner, p in people.items() if verdicts.get(owner) is Verdict.OVER}


@pytest.mark.parametrize(("csms", "accounts"), [(500, 100_000), (12, 1000), (40, 1000), (12, 5000)])
def test_book_plans_add_up_and_show_every_verdict_at_scale(csms: int, accounts: int) -> None:
    books = plan_books(random.Random(7), csms, accounts)
    assert len(books) == csms
    assert sum(sum(book.values()) for book in books) == accounts
    assert {book_load(book, BANDS).verdict for book in books} == set(Verdict)


@pytest.mark.parametrize(("csms", "accounts"), [(12, 0), (12, 5), (1, 50), (1, 3000)])
def test_book_plans_add_up_at_the_edges(csms: int, accounts: int) -> None:
    books = plan_books(random.Random(7), csms, accounts)
    assert sum(sum(book.values()) for book in books) == accounts
    assert all(n >= 0 for book in books for n in book.values())


def test_nonsense_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_company(tmp_path, today=TODAY, csms=0)
    with pytest.raises(ValueError):
        write_company(tmp_path, today=TODAY, days=0)
