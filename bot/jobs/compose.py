"""Composing the morning round: what each team's channel and each CSM should get today.

Nothing here talks to Slack; the outbox (`bot.outbox`) sends what this composes.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import session_scope
from bot.domain.usage import FeedAge
from bot.models import Person, Team
from bot.outbox.outgoing import ChannelPost, MorningDm, Outgoing
from bot.services import alerts, localtime, steps, sync_runs, teams
from bot.services.alerts import DeclineView
from bot.services.usage import Medians, detect
from bot.slack.blocks.common import RulesInForce
from bot.slack.blocks.digest import channel_post, morning_dm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundPlan:
    """One team's morning round as composed, what goes to whom (a rebalancing is `services.plan.TeamPlan`)."""

    team: str
    feed: FeedAge
    outgoing: list[Outgoing]
    unsent: tuple[str, ...] = ()  # what the team should have had and why not, with the fix


def no_channel(team: str) -> str:
    return (
        f"team {team}: the team post was not sent: no channel is set (csm-coach team set "
        f"{shlex.quote(team)} --channel C…, or /teamload channel in the channel)"
    )


def plan_team(
    *, session: Session, team: Team, now: datetime, settings: Settings, medians: Medians | None = None
) -> RoundPlan:
    """Refresh the team's alerts for its local day and compose what it should receive."""
    assert team.id is not None
    local = localtime.for_team(team, session=session, now=now)
    today = local.today
    rules = settings.decline_rules()
    wording = RulesInForce.of(settings)
    detection = detect(session=session, today=today, rules=rules, team_id=team.id, medians=medians)
    alerts.refresh(session=session, detection=detection)
    found = alerts.declines(session=session, detection=detection, rules=rules)
    views = alerts.with_sparklines(session=session, declines=found, today=today)
    owner_ids = {d.account.owner_id for d in found}
    owners = {
        p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(owner_ids))).all() if p.id
    }

    try:
        with session.begin_nested():
            steps.generate(session=session, today=today, cadence=settings.review_cadence_days)
    except SQLAlchemyError:
        # New accounts get their steps on a later round; the steps already there still go out.
        log.exception("team %s: playbook steps not generated", team.name)
    members = {p.id: p for p in teams.team_members(session=session, team_id=team.id) if p.id is not None}
    due = steps.due_steps(session=session, today=today, owner_ids=members)
    failures = sync_runs.recent_failures(session=session, today=now.astimezone(localtime.UTC_ZONE).date())

    out: list[Outgoing] = []
    worth_a_post = bool(views or detection.feed.stale or failures)  # a failed sync is never silent
    unsent = () if team.channel_id or not worth_a_post else (no_channel(team.name),)
    if team.channel_id and worth_a_post:
        message = channel_post(
            team.name, today, views, owners, detection.feed, wording, detection.dip, failures
        )
        out.append(
            Outgoing(
                ChannelPost(team.id, team.channel_id, today),
                team.id,
                f"#{team.channel_id} · team {team.name}",
                message,
            )
        )
    for person_id, person in members.items():
        mine = [
            v
            for v in views
            if v.decline.account.owner_id == person_id and not _recently_reached(v, local, settings)
        ]
        my_steps = [d for d in due if d.account.owner_id == person_id]
        if mine or my_steps:
            title = f"DM to {person.name} ({person.slack_user_id})"
            message = morning_dm(
                person,
                today,
                mine,
                my_steps,
                wording,
                feed=detection.feed,
                dip=detection.dip,
                failures=failures,
            )
            out.append(Outgoing(MorningDm(person.slack_user_id, today), team.id, title, message))
    return RoundPlan(team.name, detection.feed, out, unsent)


def _recently_reached(view: DeclineView, local: localtime.LocalTime, settings: Settings) -> bool:
    """Outreach already made keeps the account out of the CSM's DM for a snooze period."""
    at = view.decline.alert.reached_out_at
    return at is not None and (local.today - at.astimezone(local.zone).date()).days < settings.snooze_days


def select_teams(*, session: Session, team_name: str | None) -> Sequence[Team]:
    if team_name is None:
        return teams.all_teams(session=session)
    team = teams.find_team_or_fail(session=session, name=team_name)
    return [team]


def plan_round(
    *, engine: Engine, now: datetime, settings: Settings, team_name: str | None, commit: bool
) -> list[RoundPlan]:
    """Compose every team's messages; `commit=False` (a dry run) leaves the alerts untouched."""
    medians = Medians()
    with session_scope(engine, commit=commit) as session:
        return [
            plan_team(session=session, team=team, now=now, settings=settings, medians=medians)
            for team in select_teams(session=session, team_name=team_name)
        ]
