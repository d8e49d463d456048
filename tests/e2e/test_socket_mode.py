"""`csm-coach run`: Socket Mode against a local WebSocket stand-in for Slack's socket endpoint."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from websockets.sync.server import Server, ServerConnection, serve

from tests.support import company
from tests.support.blockcheck import assert_valid_message, message_text
from tests.support.processes import Cli
from tests.support.slack_standin import SlackStandIn

pytestmark = pytest.mark.database_agnostic  # the Socket Mode transport: the same on any database


@pytest.fixture
def cli(cli_process: Cli) -> Cli:
    """Here the verbs run as processes: `run` holds Slack's socket until it is stopped."""
    return cli_process


class SocketStandIn:
    """Greets the app like Slack does, hands it one envelope, and collects what it sends back."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.server: Server = serve(self.handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TEST"}})
        )
        connection.send(json.dumps(self.envelope))
        for message in connection:
            self.received.put(json.loads(message))


@pytest.fixture
def socket_with_myload() -> Iterator[SocketStandIn]:
    envelope = {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "x",
            "team_id": "T0TEST",
            "team_domain": "test",
            "channel_id": "C0SOMEWHERE",
            "channel_name": "general",
            "user_id": "U0ANA",
            "user_name": "ana",
            "command": "/myload",
            "text": "",
            "api_app_id": "A0TEST",
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0TEST/1/abc",
            "trigger_id": "1.2.3",
        },
    }
    stand_in = SocketStandIn(envelope)
    yield stand_in
    stand_in.server.shutdown()


def test_run_answers_a_slash_command_over_socket_mode(
    engine: Engine, cli: Cli, slack: SlackStandIn, socket_with_myload: SocketStandIn, tmp_path: Path
) -> None:
    company.load(engine, tmp_path)
    slack.reply("apps.connections.open", {"url": socket_with_myload.url})
    cli.start("run", env={"SLACK_APP_TOKEN": "xapp-test"})
    answer = socket_with_myload.received.get(timeout=30)
    assert answer["envelope_id"] == "env-1"
    payload = answer["payload"]
    assert payload["response_type"] == "ephemeral"
    assert_valid_message(payload)
    assert "Your book: 4 accounts" in message_text(payload)
    assert slack.calls("apps.connections.open")[0].token == "xapp-test"


def test_run_without_an_app_token_says_so(cli: Cli) -> None:
    result = cli.run("run")
    assert result.returncode == 2 and "SLACK_APP_TOKEN is not set" in result.stdout
