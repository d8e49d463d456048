"""Settings from the environment or `.env` (SPEC §3). Nothing is read at import time."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.playbooks import DEFAULT_REVIEW_CADENCE
from bot.domain.usage import DeclineRules

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class MissingSetting(RuntimeError):
    """A setting the chosen verb needs is not set; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    database_url: str = "sqlite:///csm-coach.db"
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = Field(default=3000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)
    csm_coach_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    # Declining usage (SPEC §1): windows in whole days, threshold and floor.
    decline_recent_days: int = Field(default=7, ge=1, le=90)
    decline_baseline_days: int = Field(default=28, ge=1, le=365)
    decline_threshold: float = Field(default=0.30, gt=0, le=1)
    decline_noise_floor: float = Field(default=5.0, ge=0, le=1e12)
    snooze_days: int = Field(default=7, ge=1, le=90)
    # A feed whose newest day is more than this many days before the team's today is stale.
    stale_after_days: int = Field(default=2, ge=1, le=30)
    # Executive Outcomes Review cadence per segment key, in days; 0 or absent: no review (automated).
    review_cadence_days: dict[str, Annotated[int, Field(ge=0, le=3650)]] = Field(
        default_factory=lambda: dict(DEFAULT_REVIEW_CADENCE)
    )
    # The morning DM's budget: declining accounts and playbook steps named with their buttons.
    dm_max_accounts: int = Field(default=5, ge=1, le=20)
    dm_max_steps: int = Field(default=5, ge=1, le=20)
    # How many overdue steps a CSM is expected to clear a week, for the backlog's date.
    review_catchup_per_week: int = Field(default=3, ge=1, le=100)
    # Rebalancing never moves an account renewing within this many days.
    plan_protect_renewal_days: int = Field(default=60, ge=0, le=730)
    # The daily SQL sync, HH:MM in UTC, before the rounds.
    sync_time: str = Field(default="06:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Largest body accepted on the ingestion API.
    ingest_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # SQL sources for `csm-coach sync`; default `csm-coach.toml` in the working directory.
    csm_coach_config: str | None = None

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, value: str) -> str:
        """Heroku-style `postgres://` and bare `postgresql://` both mean psycopg 3."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins base_url + method name, so the slash matters.
        return value if value.endswith("/") else value + "/"

    @field_validator("csm_coach_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.replace(";", ",").split(",") if part.strip())
        return value

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
    return Settings()
