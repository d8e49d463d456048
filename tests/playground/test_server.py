"""The playground without a browser: where it listens, when it refuses, what `serve` never reaches, and
Slack's side of it (the Web API the app calls, signed requests to the app's own `/slack/events`)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.config import load_settings
from bot.errors import CannotStart
from bot.playground.page import POLL_SECONDS, SLASH_COMMANDS
from bot.playground.server import API_PATH, HOST, bind, playground_settings, running
from tests.support.inprocess import InProcessCli
from tests.support.processes import csm_coach_executable
from tests.support.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def playground(database_url: str) -> Iterator[str]:
    with running(database_url=database_url) as url:
        yield url


def post_json(url: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def state(url: str, user: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}playground/state?as={user}", timeout=30) as response:
        answer: dict[str, object] = json.loads(response.read())
        return answer


def test_serve_run_and_clock_never_import_the_playground() -> None:
    probe = (
        "import sys, bot.cli, bot.web, bot.cli.processes, bot.slack.app\n"
        "from typer.testing import CliRunner\n"
        "CliRunner().invoke(bot.cli.app, ['serve', '--help'])\n"
        "found = sorted(m for m in sys.modules if m.startswith('bot.playground'))\n"
        "print(found)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_it_refuses_to_start_beside_a_real_bot_token(slack: SlackStandIn, tmp_path: Path) -> None:
    # `csm-coach playground` through the CLI's main, in process, with a bot token set as a real one is.
    cli = InProcessCli(slack, f"sqlite:///{tmp_path / 'never.db'}", tmp_path)
    done = cli.run("playground", "--port", "0", env={"SLACK_BOT_TOKEN": "xoxb-1234-5678-real"})
    assert done.returncode == 2
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN is set" in lines[0], done.stdout
    assert not list(tmp_path.glob("*.db")), "nothing was written"
    assert slack.calls() == []


def test_a_bot_token_in_dotenv_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    with pytest.raises(CannotStart, match="SLACK_BOT_TOKEN is set"):
        playground_settings(8080, base=load_settings())


def test_it_listens_on_127_0_0_1_only_and_has_no_host_option() -> None:
    sock = bind(0)
    try:
        assert sock.getsockname()[0] == HOST == "127.0.0.1"
    finally:
        sock.close()
    done = CliRunner().invoke(cli_app, ["playground", "--help"], env={"COLUMNS": "120"})
    assert "--port" in done.stdout and "--host" not in done.stdout


def test_without_database_url_it_keeps_its_own_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    settings = playground_settings(8123, base=load_settings())
    assert settings.database_url == "sqlite:///csm-coach-playground.db"
    assert settings.slack_api_url == f"http://127.0.0.1:8123{API_PATH}"
    assert settings.secret("slack_bot_token").startswith("xoxb-playground-")


def test_the_commands_are_the_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert sorted(c["command"] for c in manifest["features"]["slash_commands"]) == sorted(SLASH_COMMANDS)


def test_the_web_api_answers_the_apps_token_only(playground: str) -> None:
    stranger = WebClient(token="xoxb-someone-else", base_url=playground + API_PATH.lstrip("/"))
    with pytest.raises(SlackApiError) as refused:
        stranger.auth_test()
    assert refused.value.response["error"] == "invalid_auth"


def test_a_command_reaches_the_app_signed_and_its_answer_is_ephemeral(playground: str) -> None:
    first = state(playground, "")
    people = first["people"]
    assert isinstance(people, list) and people
    user = str(people[0]["id"])
    dm = "D" + user[1:]
    status, answer = post_json(
        playground + "playground/command", {"as": user, "channel": dm, "text": "/myload"}
    )
    assert status == 200 and answer["ok"], answer
    posts = state(playground, user)["posts"]
    assert isinstance(posts, dict)
    mine = posts[dm]
    assert mine and mine[-1]["ephemeral"] and "Your book" in mine[-1]["text"]
    # Nobody else sees it.
    other = str(people[1]["id"])
    assert state(playground, other)["posts"].get(dm) is None  # type: ignore[union-attr]


def test_an_unknown_command_is_slacks_answer_not_the_apps(playground: str) -> None:
    user = str(state(playground, "")["viewer"])
    dm = "D" + user[1:]
    status, _ = post_json(playground + "playground/command", {"as": user, "channel": dm, "text": "/nope"})
    assert status == 200
    post = state(playground, user)["posts"][dm][-1]  # type: ignore[index]
    assert post["author"] == "Slackbot" and "not a valid command" in post["text"]


def test_the_page_takes_json_only(playground: str) -> None:
    request = urllib.request.Request(
        playground + "playground/round", data=b"as=U1", headers={"content-type": "text/plain"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 415


def test_an_unsigned_request_to_slack_events_is_still_refused(playground: str) -> None:
    request = urllib.request.Request(
        playground + "slack/events",
        data=b"command=/myload&user_id=U1",
        headers={"content-type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401


def test_the_verb_loads_the_demo_on_an_empty_database_and_serves_the_page(tmp_path: Path) -> None:
    """`csm-coach playground` as a person runs it: a process of its own, on a fresh SQLite file."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}
    process = subprocess.Popen(
        [str(csm_coach_executable()), "playground", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert process.stdout is not None
        said = []
        for line in process.stdout:
            said.append(line)
            if "The playground is on" in line:
                break
        assert "loading the demo company" in "".join(said), said
        url = said[-1].split("The playground is on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=30) as page:
            assert b'<label for="viewing-as">Viewing as</label>' in page.read()
        people = state(url, "")["people"]
        assert isinstance(people, list) and len(people) > 10  # the demo company's roster
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_stopping_answers_a_waiting_poll_at_once(database_url: str) -> None:
    """The page long-polls its state; stopping the playground (Ctrl-C) answers that poll rather than
    waiting POLL_SECONDS for it to run out."""
    answered: list[float] = []
    with running(database_url=database_url) as url:
        version = state(url, "")["version"]

        def poll() -> None:
            with urllib.request.urlopen(f"{url}playground/state?since={version}", timeout=60) as waited:
                waited.read()  # waits: nothing changes
            answered.append(time.monotonic())

        waiting = threading.Thread(target=poll)
        waiting.start()
        time.sleep(0.5)  # the poll is in, and waiting
        assert not answered
        stopping = time.monotonic()
    waiting.join(timeout=POLL_SECONDS)
    assert answered and answered[0] - stopping < POLL_SECONDS / 2
