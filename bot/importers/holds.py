"""The CRM owns owners, but not at once: an applied plan's moves hold for PLAN_HOLD_DAYS.

After a plan is applied, the CRM still names the old owners until someone updates it from the
plan's CSV. Meanwhile an accounts import that gives a moved account its old owner keeps the plan's
owner and says so; a source that agrees with the plan, or names a third owner, wins at once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, select
from sqlmodel import SQLModel

from bot.plaintext import plural


@dataclass(frozen=True)
class Hold:
    plan_id: int
    old_owner: int  # person ids
    new_owner: int
    until: date  # the first day the source wins again


class PlanHolds:
    """The moves of the plans applied within `hold_days` before `today`, by account external_id."""

    def __init__(
        self, conn: Connection, *, today: date, hold_days: int, person_ids: Mapping[str, int]
    ) -> None:
        application = SQLModel.metadata.tables["plan_application"]
        self.holds: dict[str, Hold] = {}
        self.kept: Counter[Hold] = Counter()
        rows = conn.execute(
            select(application.c.id, application.c.applied_at, application.c.moves_json).order_by(
                application.c.applied_at, application.c.id
            )
        )
        for plan_id, applied_at, moves_json in rows:
            until = applied_at.date() + timedelta(days=hold_days)
            if until <= today:
                continue
            for move in json.loads(moves_json):
                old, new = person_ids.get(str(move["from"])), person_ids.get(str(move["to"]))
                if old is not None and new is not None:  # a later plan's move of the account wins
                    self.holds[str(move["external_id"])] = Hold(plan_id, old, new, until)

    def owner(self, external_id: str, stored: int | None, source: int) -> int:
        """The owner to store: the plan's while the source still names the one the plan moved from."""
        hold = self.holds.get(external_id)
        if hold is not None and stored == hold.new_owner and source == hold.old_owner:
            self.kept[hold] += 1
            return hold.new_owner
        return source

    def notes(self) -> list[str]:
        by_plan: dict[int, tuple[int, date]] = {}
        for hold, n in self.kept.items():
            count, until = by_plan.get(hold.plan_id, (0, hold.until))
            by_plan[hold.plan_id] = (count + n, max(until, hold.until))
        return [
            f"{plural(n, 'account')} moved by plan {plan_id} still {'has' if n == 1 else 'have'} "
            f"{'its' if n == 1 else 'their'} old owner in the source: kept with the plan's owner until "
            f"{until.isoformat()} (PLAN_HOLD_DAYS). Update the CRM from `csm-coach plan --csv` "
            "(from_email,to_email)."
            for plan_id, (n, until) in sorted(by_plan.items())
        ]
