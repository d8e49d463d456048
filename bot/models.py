"""The records: teams, people, segment bands, accounts and their daily usage."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, DateTime, Enum, Float, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def _as_text(enum: type[StrEnum], length: int) -> Enum:
    """A StrEnum column kept as the plain VARCHAR the migrations made: no database enum type, no CHECK,
    the value (not the member's name) stored, and the member read back."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(StrEnum):
    CSM = "csm"
    MANAGER = "manager"
    ADMIN = "admin"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    post_time: str = Field(default="09:00", max_length=5)
    # None until set with `team set --timezone`: the members' most common zone is used meanwhile.
    timezone: str | None = Field(default=None, max_length=64)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(index=True, unique=True, max_length=32)
    email: str = Field(index=True, unique=True, max_length=320)
    name: str = Field(max_length=200)
    team_id: int = Field(foreign_key="team.id", index=True)
    role: Role = Field(default=Role.CSM, sa_type=_as_text(Role, 16))
    timezone: str = Field(default="UTC", max_length=64)
    # People left out of a later team file are kept (they may still own accounts) but inactive.
    active: bool = Field(default=True)


class SegmentBand(SQLModel, table=True):
    """Recommended accounts per CSM for one segment; data, so a workspace can edit it."""

    __tablename__ = "segment_band"

    key: str = Field(primary_key=True, max_length=32)
    label: str = Field(max_length=64)
    band_low: int = Field(gt=0)
    band_high: int = Field(gt=0)
    position: int = Field(default=0)


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(index=True, unique=True, max_length=200)
    name: str = Field(max_length=300)
    segment_key: str = Field(foreign_key="segment_band.key", max_length=32)
    arr: float = Field(default=0)
    owner_id: int = Field(foreign_key="person.id", index=True)
    start_date: date
    renewal_date: date | None = None
    last_review_date: date | None = None
    # Kept by the usage import so detection need not scan the whole usage table.
    first_usage_day: date | None = None
    last_usage_day: date | None = Field(default=None, index=True)
    # The day csm-coach first saw the account: an account already running then gets its master
    # plan two weeks from that day rather than from its (past) start.
    first_seen_on: date | None = None


class Usage(SQLModel, table=True):
    """One number per account and day. Clustered on (account, day) so a window read is one range scan."""

    __tablename__ = "usage"
    __table_args__ = {"sqlite_with_rowid": False}

    # An account's id, without a foreign key: the usage import checks every row's account against
    # the accounts it read in its own transaction, and a per-row check cost PostgreSQL two thirds
    # of a bulk import (migration 0004). Accounts are never deleted.
    account_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    value: float = Field(sa_column=Column(Float, nullable=False))


class Alert(SQLModel, table=True):
    """An account's usage decline, from the morning it was first raised until it recovers."""

    __table_args__ = (
        # At most one open alert per account, whatever runs at once.
        Index(
            "uq_alert_open_account",
            "account_id",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    opened_on: date
    last_seen_on: date
    drop: float
    recent_mean: float
    baseline_mean: float
    closed_on: date | None = None
    snoozed_until: date | None = None
    snoozed_at_drop: float | None = None
    snoozed_by: str | None = Field(default=None, max_length=32)
    snoozed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reached_out_by: str | None = Field(default=None, max_length=32)
    reached_out_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The outcome record (the manager's week): `baseline_mean` follows the windows each morning, this
    # keeps the baseline of the morning it was raised (None on alerts raised before it was kept) ...
    raised_baseline_mean: float | None = None
    # ... and the first morning its recent mean was back to the recovery share of that baseline.
    recovered_on: date | None = None


class AlertActionKind(StrEnum):
    REACHED_OUT = "reached_out"
    SNOOZED = "snoozed"


class AlertAction(SQLModel, table=True):
    """One Reached out or Snooze recorded on an alert: who, how and when; every one kept."""

    __tablename__ = "alert_action"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    kind: AlertActionKind = Field(sa_type=_as_text(AlertActionKind, 16))
    acted_by: str = Field(max_length=32)  # Slack user id
    acted_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class DeliveryStatus(StrEnum):
    """Where one message of the round stands; only FAILED is ever sent again."""

    SENDING = "sending"  # claimed; a row left here by a killed process is in doubt
    SENT = "sent"
    FAILED = "failed"  # a definite refusal (channel_not_found, ratelimited, refused connection)
    IN_DOUBT = "in_doubt"  # a timeout, a reset connection or a 5xx: Slack may have posted it
    REFUSED = "refused"  # Slack refused the content itself: the same message would be refused again


class DeliveryKind(StrEnum):
    """What a delivery row is; `bot.outbox.outgoing` maps its typed keys to and from these.

    A plan's handoff DMs are stored under a kind of their own per application ("plan-<id>").
    """

    CHANNEL_POST = "channel_post"
    DM = "dm"  # the morning DM
    WEEKLY_DM = "weekly_dm"  # a manager's week, keyed by the week's Monday


# A channel post is one per team (two teams may share a channel); any other message is one per
# recipient, whatever team they are in, so a person moved between teams still gets one DM a morning.
_POST = text(f"kind = '{DeliveryKind.CHANNEL_POST}'")
_NOT_POST = text(f"kind <> '{DeliveryKind.CHANNEL_POST}'")


class Delivery(SQLModel, table=True):
    """One message of the outbox, claimed before it is sent so it goes out once (bot.outbox)."""

    __table_args__ = (
        Index(
            "uq_delivery_post_once",
            "team_id",
            "recipient",
            "local_date",
            unique=True,
            sqlite_where=_POST,
            postgresql_where=_POST,
        ),
        Index(
            "uq_delivery_once",
            "kind",
            "recipient",
            "local_date",
            unique=True,
            sqlite_where=_NOT_POST,
            postgresql_where=_NOT_POST,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # a DeliveryKind, or "plan-<application id>" (bot.outbox)
    recipient: str = Field(max_length=32)  # channel id or Slack user id
    local_date: date
    team_id: int | None = Field(default=None, foreign_key="team.id")
    status: DeliveryStatus = Field(sa_type=_as_text(DeliveryStatus, 16))
    attempts: int = Field(default=1)
    claimed_at: datetime = Field(sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=200)
    # The message as it now stands (JSON blocks), so a button or a modal can edit one line of it.
    blocks_json: str | None = None


class RoundState(StrEnum):
    RUNNING = "running"
    DONE = "done"  # every message settled (sent, in doubt, refused, or out of attempts)
    RETRY = "retry"  # something failed definitely: run again at `retry_at`
    PASSED = "passed"  # the clock let it go: not a working day, or too late to catch up


class TeamRound(SQLModel, table=True):
    """A team's round on one local day: whether it went out, so a clock that starts late catches up."""

    __tablename__ = "team_round"
    __table_args__ = (UniqueConstraint("team_id", "local_date", name="uq_team_round_once"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    local_date: date
    state: RoundState = Field(sa_type=_as_text(RoundState, 16))
    attempts: int = Field(default=1)
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    retry_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    summary: str | None = Field(default=None, max_length=500)


class StepStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"


class PlaybookStep(SQLModel, table=True):
    """One step of a playbook for one account; generated idempotently, completed from Slack."""

    __tablename__ = "playbook_step"
    __table_args__ = (
        UniqueConstraint("account_id", "playbook", "step", "sequence", name="uq_playbook_step_once"),
        Index("ix_playbook_step_open_due", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    playbook: str = Field(max_length=40)
    step: str = Field(max_length=40)
    sequence: int = Field(default=1)  # the n-th review; 1 for one-off steps
    due_on: date
    # Its own date fell before csm-coach first saw the account: due from that day, "no review on record".
    from_first_sight: bool = Field(default=False)
    status: StepStatus = Field(default=StepStatus.OPEN, sa_type=_as_text(StepStatus, 16))
    snoozed_until: date | None = None
    completed_by: str | None = Field(default=None, max_length=32)
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    completed_on: date | None = None  # the team's local day it was done, for on-time counts
    agreed_outcomes: str | None = None  # master plan: 1–3 outcomes, one per line
    results_reviewed: str | None = None  # review
    next_outcomes: str | None = None  # review
    expansion_found: bool | None = None  # review
    skip_reason: str | None = Field(default=None, max_length=500)


class SlackEvent(SQLModel, table=True):
    """An Events API event already received: Slack's retries of it are acknowledged, not processed again.

    In the database rather than in memory, so a retry that lands on another web process is caught too.
    """

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class PlanApplication(SQLModel, table=True):
    """A rebalancing plan applied: who, when, and its moves; its fingerprint makes a resubmit a no-op."""

    __tablename__ = "plan_application"
    __table_args__ = (UniqueConstraint("fingerprint", name="uq_plan_application_fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    fingerprint: str = Field(max_length=64)  # of the books the plan was computed from
    applied_by: str = Field(max_length=32)  # Slack user id, or "cli"
    applied_at: datetime = Field(sa_type=DateTime(timezone=True))
    moves_json: str  # [{"account_id", "external_id", "segment", "arr", "from", "to"}, …]


class PlanHoldRelease(SQLModel, table=True):
    """An account whose source has agreed with a plan's move (or named a third owner): from then on the
    source wins, so a later return to the old owner is a real change, not the CRM lagging behind."""

    __tablename__ = "plan_hold_release"
    __table_args__ = (
        UniqueConstraint("plan_application_id", "external_id", name="uq_plan_hold_release_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_application_id: int = Field(foreign_key="plan_application.id")
    external_id: str = Field(max_length=200)
    released_on: date


class ApiToken(SQLModel, table=True):
    """A bearer token of the ingestion API, kept only as the SHA-256 of its text."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    token_hash: str = Field(index=True, unique=True, max_length=64)  # hex
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class SyncState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class SyncRun(SQLModel, table=True):
    """One sync of one source: the clock's daily one, claimed once per UTC day whatever the number of
    clocks, or a `csm-coach sync` by hand (any number a day); the latest one's failure is what the
    morning posts say."""

    __tablename__ = "sync_run"
    __table_args__ = (
        Index(
            "uq_sync_run_once",
            "source",
            "run_date",
            unique=True,
            sqlite_where=text("started_by = 'clock'"),
            postgresql_where=text("started_by = 'clock'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)  # "team", "accounts" or "usage"
    started_by: str = Field(default="clock", max_length=16)  # "clock", or "command" for `csm-coach sync`
    run_date: date  # UTC
    state: SyncState = Field(sa_type=_as_text(SyncState, 16))
    started_at: datetime = Field(sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    error: str | None = Field(default=None, max_length=500)
    summary: str | None = Field(default=None, max_length=500)
