"""Before any round: the imports alone make `/myload` tell the truth about declines and overdue steps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.support import company
from tests.support.blockcheck import message_text
from tests.support.processes import Cli, ServeApp
from tests.support.slack_standin import SlackStandIn


def test_myload_counts_the_declines_an_import_shows_before_the_first_round(
    cli: Cli, serve_app: ServeApp, slack: SlackStandIn, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    team, accounts, usage = company.write_files(tmp_path, today=today)
    for kind, path in (("team", team), ("accounts", accounts), ("usage", usage)):
        done = cli.run("import", kind, str(path))
        assert done.returncode == 0, done.stdout
    assert "Declining usage now: 4 accounts." in done.stdout, done.stdout  # EXPECTED_FLAGGED

    app = serve_app()
    answer = app.post_command("/myload", "", user_id="U0ANA")
    assert answer.status == 200, answer.text
    said = message_text(answer.json())
    assert "2 declining accounts" in said, said  # Dunmore Freight and Silverline Health
    assert slack.calls("chat.postMessage") == []  # no round ran: the import was enough
