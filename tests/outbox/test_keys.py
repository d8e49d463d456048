"""Each kind of message has a typed key, stored as the `delivery` row's once-only key and read back."""

from __future__ import annotations

from datetime import date

import pytest

from bot.outbox.outgoing import (
    ChannelPost,
    Key,
    MorningDm,
    PlanHandoff,
    StoredKey,
    WeeklyDm,
    from_row,
    stored,
)
from bot.outbox.report import DeliveryReport

DAY = date(2026, 11, 25)  # a Wednesday
MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("key", "row"),
    [
        (ChannelPost(7, "C0HARBOR", DAY), StoredKey("channel_post", "C0HARBOR", DAY, 7)),
        (MorningDm("U0ANA", DAY), StoredKey("dm", "U0ANA", DAY)),
        (PlanHandoff(12, "U0ELI", DAY), StoredKey("plan-12", "U0ELI", DAY)),
        (WeeklyDm("U0MGR", MONDAY), StoredKey("weekly_dm", "U0MGR", MONDAY)),
    ],
)
def test_a_key_is_stored_as_its_row_and_read_back(key: Key, row: StoredKey) -> None:
    assert stored(key) == row
    assert from_row(row.kind, row.recipient, row.local_date, row.team_id) == key


def test_only_a_post_keeps_its_team_in_the_key() -> None:
    """A DM is one per person, whatever team they are in: its row's team is not part of its key."""
    assert from_row("dm", "U0ANA", DAY, 7) == MorningDm("U0ANA", DAY)
    assert from_row("channel_post", "C0HARBOR", DAY, None) is None


@pytest.mark.parametrize("kind", ["plan-", "plan-²", "plan-1x", "planning", "weekly", ""])
def test_a_kind_this_code_does_not_know_is_no_key(kind: str) -> None:
    assert from_row(kind, "U0ELI", DAY, None) is None


def test_a_week_is_keyed_by_its_monday() -> None:
    with pytest.raises(ValueError, match="Monday, not Wednesday 25 Nov 2026"):
        WeeklyDm("U0MGR", DAY)
    assert from_row("weekly_dm", "U0MGR", DAY, None) is None


def test_a_report_names_what_it_reports_on() -> None:
    handoffs = DeliveryReport("Plan handoff DMs")
    handoffs.note("sent")
    handoffs.note("failed", "DM to U0ELI: plan handoff", "ratelimited")
    assert handoffs.line() == (
        "Plan handoff DMs: 1 sent, 1 failed · problems: DM to U0ELI: plan handoff: ratelimited"
    )
    assert DeliveryReport("Morning round").line() == "Morning round: nothing to send"
