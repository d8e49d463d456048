"""The morning round: per team, one channel post and one DM per CSM with something to act on.

Every message is a `Delivery` row keyed by (kind, recipient, local date), inserted before the
message is sent. Whoever inserts the row sends; anyone else (a second run, a second clock) skips.
A row left in `sending` by a process killed mid-call is not sent again: a missing message is
better than a double one, and the summary reports it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import session_scope
from bot.domain.usage import FeedAge
from bot.models import Delivery, Person, Team
from bot.services import alerts, people, steps, teams
from bot.services.usage import daily_values, detect, sparkline_window
from bot.slack.blocks.common import Message
from bot.slack.blocks.digest import DeclineView, channel_post, morning_dm

CHANNEL_POST = "channel_post"
DM = "dm"


@dataclass(frozen=True)
class Outgoing:
    kind: str
    recipient: str  # channel id for a post, Slack user id for a DM
    team_id: int
    local_date: date
    title: str  # how the terminal names it in a dry run
    message: Message


@dataclass(frozen=True)
class TeamPlan:
    team: str
    feed: FeedAge
    outgoing: list[Outgoing]


@dataclass
class RoundSummary:
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [
            f"{self.outcomes[k]} {k}"
            for k in ("sent", "already sent", "in doubt", "failed")
            if self.outcomes[k]
        ]
        text = "Morning round: " + (", ".join(parts) if parts else "nothing to send")
        if self.stale:
            text += f" · stale usage feed for {', '.join(self.stale)}"
        if self.failures:
            text += " · failures: " + "; ".join(self.failures)
        return text


def plan_team(*, session: Session, team: Team, now: datetime, settings: Settings) -> TeamPlan:
    """Refresh the team's alerts for its local day and compose what it should receive."""
    assert team.id is not None
    today = now.astimezone(ZoneInfo(teams.timezone_of(team, session=session))).date()
    rules = settings.decline_rules()
    detection = detect(session=session, today=today, rules=rules, team_id=team.id)
    alerts.refresh(session=session, detection=detection)
    found = alerts.declines(session=session, detection=detection, rules=rules)
    first, last = sparkline_window(today)
    series = daily_values(
        session=session, account_ids=[d.account.id for d in found if d.account.id], first=first, last=last
    )
    views = [DeclineView(d, series.get(d.account.id or 0, [])) for d in found]
    owner_ids = {d.account.owner_id for d in found}
    owners = {
        p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(owner_ids))).all() if p.id
    }

    steps.generate(session=session, today=today, cadence=settings.review_cadence_days)
    members = {p.id: p for p in people.team_members(session=session, team_id=team.id) if p.id is not None}
    due = steps.due_steps(session=session, today=today, owner_ids=members)

    out: list[Outgoing] = []
    if team.channel_id and (views or detection.feed.stale):
        message = channel_post(team.name, today, views, owners, detection.feed)
        out.append(
            Outgoing(
                CHANNEL_POST,
                team.channel_id,
                team.id,
                today,
                f"#{team.channel_id} · team {team.name}",
                message,
            )
        )
    for person_id, person in members.items():
        mine = [
            v
            for v in views
            if v.decline.account.owner_id == person_id and not _recently_reached(v, today, settings)
        ]
        my_steps = [d for d in due if d.account.owner_id == person_id]
        if mine or my_steps:
            title = f"DM to {person.name} ({person.slack_user_id})"
            out.append(
                Outgoing(
                    DM, person.slack_user_id, team.id, today, title, morning_dm(person, today, mine, my_steps)
                )
            )
    return TeamPlan(team.name, detection.feed, out)


def _recently_reached(view: DeclineView, today: date, settings: Settings) -> bool:
    """Outreach already made keeps the account out of the CSM's DM for a snooze period."""
    at = view.decline.alert.reached_out_at
    return at is not None and (today - at.date()).days < settings.snooze_days


def claim(*, engine: Engine, out: Outgoing, now: datetime) -> str | None:
    """Take the right to send `out`: None when taken, else why not ("already sent", "in doubt")."""
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                session.add(
                    Delivery(
                        kind=out.kind,
                        recipient=out.recipient,
                        local_date=out.local_date,
                        team_id=out.team_id,
                        status="sending",
                        claimed_at=now,
                    )
                )
            return None
        except IntegrityError:
            pass
        retried = session.exec(  # type: ignore[call-overload]
            update(Delivery)
            .where(
                col(Delivery.kind) == out.kind,
                col(Delivery.recipient) == out.recipient,
                col(Delivery.local_date) == out.local_date,
                col(Delivery.status) == "failed",
            )
            .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1, error=None)
        )
        if retried.rowcount == 1:
            return None
        existing = session.exec(
            select(Delivery.status).where(
                Delivery.kind == out.kind,
                Delivery.recipient == out.recipient,
                Delivery.local_date == out.local_date,
            )
        ).one()
        return "already sent" if existing == "sent" else "in doubt"


def send(*, client: WebClient, out: Outgoing) -> tuple[str, str]:
    """Post the message; returns (channel, ts): for a DM, the IM channel Slack answers with.

    A DM is posted to the user's id, which Slack delivers to the user's conversation with the app:
    one call, where opening the conversation first would add one limited to about 50 a minute.
    """
    response = client.chat_postMessage(
        channel=out.recipient, text=out.message.text, blocks=out.message.block_dicts()
    )
    return response["channel"], response["ts"]


def finish(
    *, engine: Engine, out: Outgoing, now: datetime, channel: str | None, ts: str | None, error: str | None
) -> None:
    with session_scope(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(Delivery)
            .where(
                col(Delivery.kind) == out.kind,
                col(Delivery.recipient) == out.recipient,
                col(Delivery.local_date) == out.local_date,
            )
            .values(
                blocks_json=None if error else json.dumps(out.message.block_dicts()),
                status="failed" if error else "sent",
                sent_at=None if error else now,
                channel=channel,
                ts=ts,
                error=error[:200] if error else None,
            )
        )


def deliver(
    *, engine: Engine, client: WebClient, out: Outgoing, now: datetime, summary: RoundSummary
) -> None:
    refused = claim(engine=engine, out=out, now=now)
    if refused:
        summary.outcomes[refused] += 1
        return
    try:
        channel, ts = send(client=client, out=out)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
    except Exception as exc:  # noqa: BLE001 - one recipient's failure never stops the round
        error = f"{type(exc).__name__}: {exc}"
    else:
        finish(engine=engine, out=out, now=now, channel=channel, ts=ts, error=None)
        summary.outcomes["sent"] += 1
        return
    finish(engine=engine, out=out, now=now, channel=None, ts=None, error=error)
    summary.outcomes["failed"] += 1
    summary.failures.append(f"{out.title}: {error}")


def select_teams(*, session: Session, team_name: str | None) -> Sequence[Team]:
    if team_name is None:
        return teams.all_teams(session=session)
    team = teams.find_team_or_fail(session=session, name=team_name)
    return [team]


def plan_round(
    *, engine: Engine, now: datetime, settings: Settings, team_name: str | None, commit: bool
) -> list[TeamPlan]:
    """Compose every team's messages; `commit=False` (a dry run) leaves the alerts untouched."""
    with Session(engine, expire_on_commit=False) as session:
        plans = [
            plan_team(session=session, team=team, now=now, settings=settings)
            for team in select_teams(session=session, team_name=team_name)
        ]
        if commit:
            session.commit()
        else:
            session.rollback()
    return plans


def morning_round(
    *, engine: Engine, client: WebClient, now: datetime, settings: Settings, team_name: str | None = None
) -> RoundSummary:
    plans = plan_round(engine=engine, now=now, settings=settings, team_name=team_name, commit=True)
    summary = RoundSummary(stale=[p.team for p in plans if p.feed.stale])
    for plan in plans:
        for out in plan.outgoing:
            deliver(engine=engine, client=client, out=out, now=now, summary=summary)
    return summary
