"""What the outbox sends: a message under a typed key, the once-only key of its `delivery` row.

Each kind of message has a key of its own, holding what makes it one message: the row stores the
key as (kind, recipient, local date), plus the team for a channel post, under the unique indexes of
the `delivery` table (bot/models.py). `stored` and `from_row` are the only places that know how.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from bot.models import DeliveryKind

# A plan's handoff DMs are stored under the kind "plan-<application id>": the id belongs in the
# once-only key, so that a CSM concerned by two plans applied the same day gets both DMs, and a
# column of its own would change that unique index and the rows already written.
PLAN_HANDOFF_PREFIX = "plan-"


@dataclass(frozen=True)
class ChannelPost:
    """A team's morning post: one per team and local day (two teams may share a channel)."""

    team_id: int
    channel: str
    day: date


@dataclass(frozen=True)
class MorningDm:
    """A CSM's morning DM: one per person and local day, whatever team they are in."""

    user: str
    day: date


@dataclass(frozen=True)
class PlanHandoff:
    """A CSM's DM about an applied plan: one per application and person.

    `day` is the day the plan was applied (UTC), fixed with it, never the day of sending: a retry on
    a later day finds the DM already claimed.
    """

    application_id: int
    user: str
    day: date


@dataclass(frozen=True)
class WeeklyDm:
    """A manager's DM about the team's week: one per manager and local week (`week`: its Monday)."""

    manager: str
    week: date

    def __post_init__(self) -> None:
        if self.week.weekday() != 0:
            raise ValueError(f"a week is keyed by its Monday, not {self.week:%A %d %b %Y}")


Key = ChannelPost | MorningDm | PlanHandoff | WeeklyDm


@dataclass(frozen=True)
class StoredKey:
    """A key as the `delivery` row holds it; `team_id` is part of a channel post's key only."""

    kind: str
    recipient: str
    local_date: date
    team_id: int | None = None


def stored(key: Key) -> StoredKey:
    match key:
        case ChannelPost(team_id=team_id, channel=channel, day=day):
            return StoredKey(DeliveryKind.CHANNEL_POST, channel, day, team_id)
        case MorningDm(user=user, day=day):
            return StoredKey(DeliveryKind.DM, user, day)
        case PlanHandoff(application_id=application_id, user=user, day=day):
            return StoredKey(f"{PLAN_HANDOFF_PREFIX}{application_id}", user, day)
        case WeeklyDm(manager=manager, week=week):
            return StoredKey(DeliveryKind.WEEKLY_DM, manager, week)


def from_row(kind: str, recipient: str, local_date: date, team_id: int | None) -> Key | None:
    """The key of a stored row; None for a kind this code does not know (or a post without its team)."""
    if kind == DeliveryKind.CHANNEL_POST:
        return ChannelPost(team_id, recipient, local_date) if team_id is not None else None
    if kind == DeliveryKind.DM:
        return MorningDm(recipient, local_date)
    if kind == DeliveryKind.WEEKLY_DM:
        return WeeklyDm(recipient, local_date) if local_date.weekday() == 0 else None
    number = kind.removeprefix(PLAN_HANDOFF_PREFIX)
    if number != kind and number.isascii() and number.isdigit():
        return PlanHandoff(int(number), recipient, local_date)
    return None


class Composed(Protocol):
    """A message ready to send: its fallback text and its blocks (`bot.slack.blocks.common.Message`)."""

    @property
    def text(self) -> str: ...

    def block_dicts(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Outgoing:
    key: Key
    team_id: int  # the team it goes out for, kept on its row
    title: str  # how the terminal and the report name it
    message: Composed

    @property
    def recipient(self) -> str:
        """The channel id of a post, the Slack user id of a DM."""
        return stored(self.key).recipient
