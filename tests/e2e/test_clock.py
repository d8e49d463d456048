"""Two `csm-coach clock` processes started by mistake still deliver each message once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from tests.e2e.conftest import Cli
from tests.e2e.slack_standin import SlackStandIn
from tests.jobs import company

ZONE = ZoneInfo("Europe/London")


def test_two_clocks_fire_the_round_at_post_time_and_deliver_once(
    engine: Engine, session: Session, cli: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    # The next whole minute at least 20 s away, so both clocks are up before it comes.
    post = (datetime.now(ZONE) + timedelta(seconds=80)).replace(second=0, microsecond=0)
    company.load(engine, tmp_path, today=post.date())
    company.set_channels(session, post_time=f"{post:%H:%M}", timezone="Europe/London")

    clocks = [cli.start("clock"), cli.start("clock")]
    deadline = post.timestamp() + 60
    while time.time() < deadline and len(slack.calls("chat.postMessage")) < 5:
        assert all(c.poll() is None for c in clocks), "a clock process died"
        time.sleep(0.5)
    time.sleep(3)  # anything doubled would have arrived by now

    sent = Counter(c.param("channel") for c in slack.calls("chat.postMessage"))
    if len(sent) < 5:
        cli.stop_all()
        logs = "\n".join(c.stdout.read() if c.stdout and not c.stdout.closed else "" for c in clocks)
        raise AssertionError(f"only {dict(sent)} arrived; the clocks said:\n{logs[-4000:]}")
    dms = {"U0ANA", "U0BEN", "U0SAM"}  # a DM is posted to the user id
    assert set(sent) == {"C0HARBOR", "C0SUMMIT", *dms}
    assert set(sent.values()) == {1}
