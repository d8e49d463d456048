"""Windows end on the feed's newest day, a late feed is not stale, and a feed-wide dip is measured
over the whole workspace: on a real database, for teams in different zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.domain.usage import DeclineRules, FeedDip, Trend
from bot.importers.usage import import_usage
from bot.jobs.compose import plan_team
from bot.models import Account, Alert, Team
from bot.outbox.outgoing import ChannelPost
from bot.services import alerts, localtime, teams
from bot.services.usage import Detection, Medians, detect, sparkline_window
from tests.support import company
from tests.support.company import ACCOUNTS, TODAY

RULES = DeclineRules()
SETTINGS = Settings(_env_file=None)
NEWEST = TODAY - timedelta(days=1)  # the feed is cut at UTC midnight: it holds Sun 22 Nov
TOKYO_MORNING = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 09:00 Tue 24 Nov in Tokyo; Mon 23 not loaded
LA_MORNING = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 09:00 Mon 23 Nov in Los Angeles


def zoned(session: Session) -> dict[str, Team]:
    """Harbor in Asia/Tokyo, Summit in America/Los_Angeles, on the company's one feed."""
    found = {
        "Harbor": teams.configure(
            session=session, name="Harbor", channel="C0HARBOR", post_time=None, timezone="Asia/Tokyo"
        ),
        "Summit": teams.configure(
            session=session, name="Summit", channel="C0SUMMIT", post_time=None, timezone="America/Los_Angeles"
        ),
    }
    session.commit()
    return found


def flagged(session: Session, team: Team, now: datetime) -> tuple[set[str], Detection]:
    today = localtime.for_team(team, session=session, now=now).today
    detection = detect(session=session, today=today, rules=RULES, team_id=team.id)
    names = {a.external_id for a in detection.declining.values()}
    return names, detection


def test_tokyo_and_los_angeles_judge_the_same_complete_days(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    zone = zoned(session)
    harbor, tokyo = flagged(session, zone["Harbor"], TOKYO_MORNING)
    summit, la = flagged(session, zone["Summit"], LA_MORNING)
    assert tokyo.today == date(2026, 11, 24) and la.today == date(2026, 11, 23)
    for detection in (tokyo, la):
        assert not detection.feed.stale
        assert detection.windows.recent_end == NEWEST
        assert detection.dip is None
    assert tokyo.feed.days_old == 2
    assert harbor == {"DECL", "SILENT", "EXACT30"} and summit == {"SUMMIT1"}
    # The same accounts as a London team judging on the same days the morning after the feed's day.
    assert (
        tokyo.assessments
        == detect(session=session, today=TODAY, rules=RULES, team_id=zone["Harbor"].id).assessments
    )


def test_tokyos_morning_round_shows_the_accounts_not_a_stale_feed(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    zone = zoned(session)
    plan = plan_team(session=session, team=zone["Harbor"], now=TOKYO_MORNING, settings=SETTINGS)
    assert not plan.feed.stale
    post = next(o for o in plan.outgoing if isinstance(o.key, ChannelPost))
    for name in ("Silverline Health", "Dunmore Freight", "Exeter Mills"):
        assert name in post.message.text or name in str(post.message.block_dicts())
    assert "old" not in post.message.text
    assert sparkline_window(date(2026, 11, 24), session=session) == (NEWEST - timedelta(days=27), NEWEST)


def test_windows_never_end_after_the_teams_yesterday(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path, today=TODAY + timedelta(days=1))  # the feed now holds Mon 23 too
    zone = zoned(session)
    _, la = flagged(session, zone["Summit"], LA_MORNING)  # still Mon 23 in Los Angeles
    assert la.feed.days_old == 0 and la.windows.recent_end == NEWEST


def test_a_feed_more_than_stale_after_days_old_flags_nothing(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    zone = zoned(session)
    late = TOKYO_MORNING + timedelta(days=1)  # Wed 25 in Tokyo, the feed still ends Sun 22: 3 days old
    names, detection = flagged(session, zone["Harbor"], late)
    assert detection.feed.stale and detection.feed.days_old == 3 and names == set()
    lenient = DeclineRules(stale_after_days=3)
    today = localtime.for_team(zone["Harbor"], session=session, now=late).today
    assert detect(session=session, today=today, rules=lenient, team_id=zone["Harbor"].id).declining


def holiday(tmp_path: Path, *, spared: tuple[str, ...] = ()) -> Path:
    """Everyone's last 7 days at half (re-imported: the same day replaces the value), but `spared`."""
    rows = ["external_id,date,value"]
    for age in range(1, 8):
        day = TODAY - timedelta(days=age)
        for external_id, (*_, curve) in ACCOUNTS.items():
            value = curve(day, age)
            if value is not None and external_id not in spared:
                rows.append(f"{external_id},{day.isoformat()},{value * 0.5:g}")
    path = tmp_path / "holiday.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_feed_wide_dip_is_measured_over_the_workspace_not_the_team(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    summit = teams.find_team_or_fail(session=session, name="Summit")
    assert detect(session=session, today=TODAY, rules=RULES, team_id=summit.id).dip is None
    session.commit()  # the workspace's median is kept for one transaction only
    import_usage(holiday(tmp_path), engine=engine, today=TODAY)
    # Summit's only account is down 80%: alone its median would be 0.2, and nothing would be flagged.
    by_team = detect(session=session, today=TODAY, rules=RULES, team_id=summit.id)
    assert by_team.dip == FeedDip(0.5)
    assert {a.external_id for a in by_team.declining.values()} == {"SUMMIT1"}
    everyone = detect(session=session, today=TODAY, rules=RULES)
    assert everyone.dip == FeedDip(0.5)
    eligible = [a for a in everyone.assessments.values() if a.baseline_mean >= RULES.noise_floor]
    # The plain rule would flag every eligible account.
    assert len(eligible) >= 12 and all(a.drop >= RULES.threshold for a in eligible)
    # 0.35 is exactly on the line (0.5 x 0.7): flagged, as exactly 30% is without a dip.
    assert {a.external_id for a in everyone.declining.values()} == {"DECL", "SILENT", "EXACT30", "SUMMIT1"}


def test_under_a_dip_open_alerts_stay_open_and_no_new_one_is_raised(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    # DECL was already down before the holiday and stays where it was: 0.4 of its baseline, above
    # the dip's line of 0.35. ALMOST, 29% down before, is at 0.355 with the holiday: not beyond it.
    import_usage(holiday(tmp_path, spared=("DECL",)), engine=engine, today=TODAY)
    decl = session.exec(select(Account).where(Account.external_id == "DECL")).one()
    assert decl.id is not None
    yesterday = TODAY - timedelta(days=1)
    session.add(
        Alert(
            account_id=decl.id,
            opened_on=TODAY - timedelta(days=3),
            last_seen_on=yesterday,
            drop=0.6,
            recent_mean=40,
            baseline_mean=100,
        )
    )
    session.commit()
    detection = detect(session=session, today=TODAY, rules=RULES)
    assert detection.dip is not None and 0.5 <= detection.dip.median_ratio < 0.55
    assert detection.assessments[decl.id].trend is Trend.SOFT
    alerts.refresh(session=session, detection=detection)
    session.commit()
    open_alerts = {
        a.account_id: a for a in session.exec(select(Alert).where(col(Alert.closed_on).is_(None))).all()
    }
    names = {session.get(Account, i).external_id for i in open_alerts}  # type: ignore[union-attr]
    assert names == {"DECL", "SILENT", "EXACT30", "SUMMIT1"}  # no alert for ALMOST
    assert open_alerts[decl.id].last_seen_on == yesterday  # kept open, not seen declining today
    shown = {
        d.account.external_id for d in alerts.declines(session=session, detection=detection, rules=RULES)
    }
    assert shown == {"SILENT", "EXACT30", "SUMMIT1"}


def test_the_teams_of_one_round_share_the_workspace_median(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    """`Medians` is what a round passes from team to team: a team judged with it uses the median the
    first team read (here forced to a deep dip) instead of reading the workspace again."""
    company.load(engine, tmp_path)
    zone = zoned(session)
    harbor = zone["Harbor"]
    today = localtime.for_team(harbor, session=session, now=TOKYO_MORNING).today
    medians = Medians()
    first = detect(session=session, today=today, rules=RULES, team_id=harbor.id, medians=medians)
    median = medians.get(session=session, windows=first.windows, rules=RULES)
    assert first.dip is None and median is not None and median >= 1 - RULES.threshold / 2
    medians.remember(first.windows, RULES, 0.2)  # as if the workspace were down 80%
    second = detect(session=session, today=today, rules=RULES, team_id=harbor.id, medians=medians)
    assert second.dip == FeedDip(0.2)
    assert first.declining and set(second.declining) < set(first.declining)
    session.rollback()  # without the cache the median is read afresh
    assert detect(session=session, today=today, rules=RULES, team_id=harbor.id).dip == first.dip
