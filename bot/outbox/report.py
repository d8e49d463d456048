"""How a batch of deliveries went: counted by outcome, with each problem in words and whether to retry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

OUTCOME_ORDER = ("sent", "already sent", "in doubt", "failed", "refused", "not started")


@dataclass
class DeliveryReport:
    what: str  # what it reports on, the start of its line: "Morning round", "Plan handoff DMs"
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # the teams whose usage feed is stale
    # A definite failure this run (a refusal worth retrying, a database error, a team not composed,
    # a message not started because the process stops): the batch goes again later.
    retry: bool = False

    def note(self, outcome: str, title: str | None = None, why: str | None = None) -> None:
        self.outcomes[outcome] += 1
        if why:
            self.failures.append(f"{title}: {why}" if title else why)

    def merge(self, other: DeliveryReport) -> None:
        self.outcomes.update(other.outcomes)
        self.failures.extend(other.failures)
        self.stale.extend(other.stale)
        self.retry = self.retry or other.retry

    def line(self) -> str:
        parts = [f"{self.outcomes[k]} {k}" for k in OUTCOME_ORDER if self.outcomes[k]]
        text = f"{self.what}: " + (", ".join(parts) if parts else "nothing to send")
        if self.stale:
            text += f" · stale usage feed for {', '.join(self.stale)}"
        if self.failures:
            text += " · problems: " + "; ".join(self.failures)
        return text


def describe(exc: BaseException) -> str:
    """One line for the report: the database's own words, without SQLAlchemy's statement dump."""
    if isinstance(exc, DBAPIError):
        return f"database: {str(exc.orig).strip().splitlines()[0]}"
    return f"{type(exc).__name__}: {exc}"
