"""Action, block and callback ids: kebab-case, prefixed by feature, parsed back in one place."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class ActionId(StrEnum):
    ALERT_REACHED_OUT = "alert-reached-out"
    ALERT_SNOOZE = "alert-snooze"


class AlertRef(BaseModel):
    """What an alert button carries in its value."""

    alert_id: int


def alert_block_id(alert_id: int) -> str:
    return f"alert-{alert_id}"
