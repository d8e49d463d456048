"""Settings from the environment or `.env` (README, "Settings"). Nothing is read at import time."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Annotated, Any

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain import weekdays
from bot.domain.bands import DEFAULT_BANDS
from bot.domain.playbooks import DEFAULT_REVIEW_CADENCE
from bot.domain.segments import match_segment
from bot.domain.usage import DeclineRules
from bot.errors import CannotStart
from bot.identifiers import SLACK_USER_ID
from bot.plaintext import without_controls

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MAX_CADENCE_DAYS = 3650
# csm-coach's own database: what its migrations and its SQL are written for.
DATABASE_BACKENDS = frozenset({"sqlite", "postgresql"})


class MissingSetting(CannotStart):
    """A setting the chosen verb needs is not set; the message names the variable."""


class InvalidSettings(RuntimeError):
    """Settings whose values are out of bounds: one line each, naming the variable and what it allows."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    database_url: str = Field(
        default="sqlite:///csm-coach.db",
        description="a SQLite or PostgreSQL database URL, e.g. sqlite:///csm-coach.db or "
        "postgresql://user@host:5432/db",
    )
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, description="an http:// or https:// URL")
    port: int = Field(default=3000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)
    csm_coach_admins: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), description="Slack user ids (like U024BE7LH) separated by commas"
    )
    # Declining usage (docs/how-it-works.md, "Who needs me today?"): windows in whole days, threshold, floor.
    decline_recent_days: int = Field(default=7, ge=1, le=90)
    decline_baseline_days: int = Field(default=28, ge=1, le=365)
    decline_threshold: float = Field(default=0.30, gt=0, le=1, allow_inf_nan=False)
    decline_noise_floor: float = Field(default=5.0, ge=0, le=1e12, allow_inf_nan=False)
    snooze_days: int = Field(default=7, ge=1, le=90)
    # A feed whose newest day is more than this many days before the team's today is stale.
    stale_after_days: int = Field(default=2, ge=1, le=30)
    # Executive Outcomes Review cadence per segment key, in days; 0 or absent: no review (automated).
    review_cadence_days: Annotated[dict[str, Annotated[int, Field(ge=0, le=MAX_CADENCE_DAYS)]], NoDecode] = (
        Field(
            default_factory=lambda: dict(DEFAULT_REVIEW_CADENCE),
            description=f"a JSON object of segments ({', '.join(b.key for b in DEFAULT_BANDS)}) and whole "
            f'days from 0 to {MAX_CADENCE_DAYS}, e.g. {{"enterprise": 90, "large": 120, "smb": 0}}',
        )
    )
    # The morning DM's budget: declining accounts and playbook steps named with their buttons.
    dm_max_accounts: int = Field(default=5, ge=1, le=20)
    dm_max_steps: int = Field(default=5, ge=1, le=20)
    # How many overdue steps a CSM is expected to clear a week, for the backlog's date.
    review_catchup_per_week: int = Field(default=3, ge=1, le=100)
    # Rebalancing never moves an account renewing within this many days.
    plan_protect_renewal_days: int = Field(default=60, ge=0, le=730)
    # After a plan is applied, an accounts import that still gives a moved account its old owner keeps
    # the plan's owner for this many days (the CRM catches up); 0: the source always wins.
    plan_hold_days: int = Field(default=30, ge=0, le=365)
    # The team's working days, in its own zone: the clock's rounds go out on these only.
    post_days: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(range(5)),
        description="a list of weekday names separated by commas, e.g. mon,tue,wed,thu,fri",
    )
    # How late after a team's post time a missed round is still sent; later, it waits for the next one.
    catch_up_hours: int = Field(default=6, ge=0, le=23)
    # The daily SQL sync, HH:MM in UTC, before the rounds.
    sync_time: str = Field(
        default="06:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="a time HH:MM from 00:00 to 23:59 (UTC)",
    )
    # Largest body accepted on the ingestion API.
    ingest_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # SQL sources for `csm-coach sync`; default `csm-coach.toml` in the working directory.
    csm_coach_config: str | None = None

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, value: str) -> str:
        """Heroku-style `postgres://` and bare `postgresql://` both mean psycopg 3."""
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL") from None
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if url.get_backend_name() not in DATABASE_BACKENDS:
            raise ValueError("not a SQLite or PostgreSQL URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        # slack_sdk joins base_url + method name, so the slash matters.
        return value if value.endswith("/") else value + "/"

    @field_validator("csm_coach_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            value = frozenset(part.strip() for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, frozenset | set | list | tuple):
            for admin in value:
                if not (isinstance(admin, str) and SLACK_USER_ID.fullmatch(admin)):
                    raise ValueError(f"{admin!r} is not a Slack user id")
        return value

    @field_validator("post_days", mode="before")
    @classmethod
    def _weekday_names(cls, value: object) -> object:
        if isinstance(value, str):
            return weekdays.parse_days(value)
        return value

    @field_validator("review_cadence_days", mode="before")
    @classmethod
    def _cadence_json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("not JSON") from None
        if not isinstance(value, dict):
            return value
        # Segment names as the accounts file takes them ("Mid Market" is mid_market); an unknown one
        # is refused, or its accounts would silently get no review at all.
        keyed: dict[str, object] = {}
        for name, days in value.items():
            key = match_segment(str(name), DEFAULT_BANDS)
            if key is None:
                raise ValueError(f"unknown segment {name!r}")
            if key in keyed:
                raise ValueError(f"segment {key} given twice")
            keyed[key] = days
        return keyed

    def decline_rules(self) -> DeclineRules:
        return DeclineRules(
            recent_days=self.decline_recent_days,
            baseline_days=self.decline_baseline_days,
            threshold=self.decline_threshold,
            noise_floor=self.decline_noise_floor,
            stale_after_days=self.stale_after_days,
        )

    def require(self, *names: str) -> None:
        """Raise MissingSetting naming the first unset variable among `names`."""
        for name in names:
            value = getattr(self, name)
            if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
                raise MissingSetting(f"{name.upper()} is not set: put it in the environment or in .env")

    def secret(self, name: str) -> str:
        self.require(name)
        return getattr(self, name).get_secret_value()


@lru_cache
def get_settings() -> Settings:
    """The settings of this process; InvalidSettings (one line per bad variable) when any is out of bounds."""
    return load_settings()


def load_settings(**values: Any) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise InvalidSettings(describe_invalid(exc)) from None
    except SettingsError as exc:  # a source that could not be read at all
        raise InvalidSettings([f"settings: {_as_written(str(exc))}"]) from None


# Never echoed back: tokens, and a database URL's password.
_SECRET = frozenset({"slack_bot_token", "slack_signing_secret", "slack_app_token", "database_url"})
_SHOWN = 60  # characters of a bad value echoed back


def allows(name: str) -> str:
    """What the setting accepts, in words, from its own bounds (one truth: the Field)."""
    field = Settings.model_fields[name]
    if field.description:
        return field.description
    kind = (
        "a whole number" if field.annotation is int else "a number" if field.annotation is float else "a text"
    )
    limits = {
        key: getattr(item, key)
        for item in field.metadata
        for key in ("ge", "gt", "le", "lt")
        if getattr(item, key, None) is not None
    }
    if "ge" in limits and "le" in limits:
        return f"{kind} from {_number(limits['ge'])} to {_number(limits['le'])}"
    words = {"ge": "at least", "gt": "greater than", "le": "at most", "lt": "less than"}
    bounds = " and ".join(f"{words[key]} {_number(value)}" for key, value in limits.items())
    return f"{kind} {bounds}".strip()


def _number(value: float) -> str:
    if float(value).is_integer():
        value = int(value)
    return f"{value:,}" if abs(value) >= 1_000_000 else str(value)  # 1,073,741,824 but 65535


def describe_invalid(exc: ValidationError) -> list[str]:
    """One line per bad variable: `DECLINE_THRESHOLD=abc is not valid: a number greater than 0 and …`.

    Secrets and database URLs are named, never echoed.
    """
    inputs: dict[str, object] = {}
    for error in exc.errors():
        if error["loc"]:
            inputs.setdefault(str(error["loc"][0]), error["input"] if len(error["loc"]) == 1 else None)
    lines = []
    for name, given in inputs.items():
        if name not in Settings.model_fields:
            continue
        variable = name.upper()
        raw, source = _raw_value(variable)
        if isinstance(given, str) and given != raw:  # passed in by the caller, not read from the environment
            raw, source = given, ""
        shown = variable
        if raw is not None and name not in _SECRET:
            raw = _as_written(raw)
            shown += "=" + (raw if len(raw) <= _SHOWN else raw[: _SHOWN - 1] + "…")
        lines.append(f"{shown}{source} is not valid: {allows(name)}")
    return lines or [f"settings are not valid: {_as_written(str(exc).splitlines()[0])}"]


def _as_written(value: str) -> str:
    """A bad value quoted back as written, its control characters spelt as escapes (`\\x1b[2J`)."""
    return without_controls(value, keep_newlines=False, visible=True)


def _raw_value(variable: str) -> tuple[str | None, str]:
    """The value as written, and where (" (in .env)" when it came from the file), if it can be found."""
    for key, value in os.environ.items():
        if key.upper() == variable:
            return value, ""
    env_file = Settings.model_config.get("env_file")
    if isinstance(env_file, str) and os.path.isfile(env_file):
        for key, found in dotenv_values(env_file, encoding="utf-8").items():
            if key.upper() == variable and found is not None:
                return found, f" (in {env_file})"
    return None, ""
