"""The CRM owns owners, but not at once: an applied plan's moves hold for PLAN_HOLD_DAYS.

After a plan is applied, the CRM still names the old owners until someone updates it from the
plan's CSV. Meanwhile an accounts import that gives a moved account its old owner keeps the plan's
owner and says so; a source that agrees with the plan, or names a third owner, wins at once, and
that is remembered (`plan_hold_release`): from then on the source has caught up, so a later return
to the old owner is a real change and wins too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
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
        released = SQLModel.metadata.tables["plan_hold_release"]
        self.today = today
        self.holds: dict[str, Hold] = {}
        self.kept: Counter[Hold] = Counter()
        self.released: dict[str, Hold] = {}  # by this import, to be stored with it
        query = select(released.c.plan_application_id, released.c.external_id)
        done = {(plan, account) for plan, account in conn.execute(query)}
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
                external_id = str(move["external_id"])
                if (plan_id, external_id) in done:  # the source caught up once: it wins since
                    self.holds.pop(external_id, None)
                elif old is not None and new is not None:  # a later plan's move of the account wins
                    self.holds[external_id] = Hold(plan_id, old, new, until)

    def owner(self, external_id: str, stored: int | None, source: int) -> int:
        """The owner to store: the plan's while the source still names the one the plan moved from."""
        hold = self.holds.get(external_id)
        if hold is None:
            return source
        if source != hold.old_owner:  # the source agrees with the plan, or names a third owner
            self.released[external_id] = hold
        elif stored == hold.new_owner:
            self.kept[hold] += 1
            return hold.new_owner
        return source

    def store(self, conn: Connection) -> None:
        """Remember the accounts whose source caught up in this import (in its transaction)."""
        if not self.released:
            return
        table = SQLModel.metadata.tables["plan_hold_release"]
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        rows = [
            {"plan_application_id": hold.plan_id, "external_id": external_id, "released_on": self.today}
            for external_id, hold in self.released.items()
        ]
        conn.execute(insert(table).on_conflict_do_nothing(), rows)  # a concurrent import may have too

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
