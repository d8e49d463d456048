"""Decline detection over a real database flags exactly what the plain definition says."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.domain.usage import DeclineRules, Trend
from bot.models import Account
from bot.services import alerts
from bot.services.usage import detect
from tests.support import company
from tests.support.company import ACCOUNTS, EXPECTED_FLAGGED, TODAY, days_back

RULES = DeclineRules()


def plain_definition(today: date) -> set[str]:
    """The decline rule (docs/how-it-works.md) computed straight from the curves, with no database
    and no shortcuts."""
    newest = max(
        days_back(offset)
        for offset in range(1, company.HISTORY_DAYS + 1)
        for *_, curve in ACCOUNTS.values()
        if curve(days_back(offset), offset) is not None
    )
    if newest < today - timedelta(days=1):
        return set()
    flagged = set()
    for external_id, (*_, curve) in ACCOUNTS.items():
        ages = range(company.HISTORY_DAYS, 0, -1)
        first = next((days_back(a) for a in ages if curve(days_back(a), a) is not None), None)
        if first is None or first > today - timedelta(days=35):
            continue
        recent = sum(curve(today - timedelta(days=i), i) or 0 for i in range(1, 8)) / 7
        baseline = sum(curve(today - timedelta(days=i), i) or 0 for i in range(8, 36)) / 28
        if baseline >= 5 and 1 - recent / baseline >= 0.3 - 1e-9:
            flagged.add(external_id)
    return flagged


def flagged(session: Session, today: date) -> set[str]:
    detection = detect(session=session, today=today, rules=RULES)
    declining = {i for i, a in detection.assessments.items() if a.trend is Trend.DECLINING}
    assert declining == set(detection.declining)  # the declining accounts come as full records
    return {account.external_id for account in detection.declining.values()}


def account_id(session: Session, external_id: str) -> int:
    account = session.exec(select(Account).where(Account.external_id == external_id)).one()
    assert account.id is not None
    return account.id


def test_flags_exactly_the_accounts_the_rule_says(engine: Engine, session: Session, tmp_path: Path) -> None:
    company.load(engine, tmp_path)
    assert plain_definition(TODAY) == EXPECTED_FLAGGED
    assert flagged(session, TODAY) == EXPECTED_FLAGGED


def test_an_account_that_stopped_reporting_has_the_whole_missing_stretch_as_zero(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    detection = detect(session=session, today=TODAY, rules=RULES)
    silent = detection.assessments[account_id(session, "SILENT")]
    # The last 7 days: 3 reported (Mon 16 to Wed 18: weekdays at 100), 4 missing.
    assert silent.recent_mean == 300 / 7


def test_a_stale_feed_flags_nothing_and_says_how_old(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path, last_day=days_back(3))
    detection = detect(session=session, today=TODAY, rules=RULES)
    assert detection.feed.stale and detection.feed.days_old == 3
    assert detection.assessments == {} and detection.declining == {}


def test_detection_scoped_to_a_team(engine: Engine, session: Session, tmp_path: Path) -> None:
    company.load(engine, tmp_path)
    from bot.services.teams import find_team

    summit = find_team(session=session, name="Summit")
    assert summit is not None
    detection = detect(session=session, today=TODAY, rules=RULES, team_id=summit.id)
    assert list(detection.assessments) == [account_id(session, "SUMMIT1")]


def test_alerts_open_once_say_for_how_long_and_close_on_recovery(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    for day in (TODAY, TODAY):  # a second run the same day changes nothing
        alerts.refresh(session=session, detection=detect(session=session, today=day, rules=RULES))
    session.commit()
    found = alerts.declines(
        session=session, detection=detect(session=session, today=TODAY, rules=RULES), rules=RULES
    )
    assert [d.account.external_id for d in found] == ["SILENT", "SUMMIT1", "DECL", "EXACT30"]
    assert all(d.days_declining(TODAY) == 0 for d in found)

    # Recovery: DECL reports normal usage for the next 7 days.
    usage = tmp_path / "recovery.csv"
    rows = ["external_id,date,value"]
    for offset in range(0, 7):
        day = TODAY + timedelta(days=offset)
        for external_id in ACCOUNTS:
            value = (
                company.steady(day, 0)
                if external_id == "DECL"
                else company.ACCOUNTS[external_id][4](day - timedelta(days=7), 7 - offset)
            )
            rows.append(f"{external_id},{day.isoformat()},{value or 0:g}")
    usage.write_text("\n".join(rows) + "\n", encoding="utf-8")
    from bot.importers.usage import import_usage

    later = TODAY + timedelta(days=7)
    import_usage(usage, engine=engine, today=later)
    detection = detect(session=session, today=later, rules=RULES)
    alerts.refresh(session=session, detection=detection)
    session.commit()
    still = {
        d.account.external_id: d for d in alerts.declines(session=session, detection=detection, rules=RULES)
    }
    assert "DECL" not in still
    assert still["SILENT"].days_declining(later) == 7


def test_a_snoozed_alert_stays_out_until_expiry_or_a_further_20_point_drop() -> None:
    from bot.models import Alert

    alert = Alert(
        account_id=1, opened_on=TODAY, last_seen_on=TODAY, drop=0.4, recent_mean=6, baseline_mean=10
    )
    alert.snoozed_until, alert.snoozed_at_drop = TODAY + timedelta(days=7), 0.4
    assert not alerts.shown_today(alert, TODAY, RULES)
    alert.drop = 0.59
    assert not alerts.shown_today(alert, TODAY, RULES)
    alert.drop = 0.6
    assert alerts.shown_today(alert, TODAY, RULES)
    alert.drop = 0.4
    later = TODAY + timedelta(days=7)
    alert.last_seen_on = later
    assert alerts.shown_today(alert, later, RULES)
