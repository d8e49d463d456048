"""End-to-end fixtures: `csm-coach serve` and the CLI, and (from tests/conftest.py) `slack`.

def test_something(serve_app, slack, engine):
    ...seed rows through `engine`...
    app = serve_app(admins=["U0ADMIN"])
    answer = app.post_command("/myload", "help", user_id="U0CSM")
    assert answer.status == 200
    slack.wait_for("chat.postMessage")

`serve_app`, `served_app` and `cli.run` run the app in this process (tests/support/inprocess.py): the
same app, settings, database and stand-in, the same HTTP, without starting an interpreter each time.
A test about what only a process shows (signals, several processes, uvicorn's workers, the start-up
token check) asks for `serve_process` or `cli_process` (same interfaces), which marks it `process`;
`cli.start` is always a process.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.support import signing
from tests.support.appenv import app_env
from tests.support.inprocess import InProcessApp, InProcessCli
from tests.support.processes import (
    BOT_TOKEN,
    DIE_WITH_PARENT,
    STARTUP_TIMEOUT,
    Cli,
    ServeApp,
    ServedApp,
    csm_coach_executable,
    free_port,
    wait_healthy,
)
from tests.support.slack_standin import SlackStandIn


def serve_env(slack: SlackStandIn, database_url: str, admins: Iterable[str], env: Mapping[str, str] | None):
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": database_url,
        "CSM_COACH_ADMINS": ",".join(admins),
        **(env or {}),
    }


@pytest.fixture
def serve_app(slack: SlackStandIn, database_url: str) -> Iterator[ServeApp]:
    """Factory: `serve_app(admins=(...), env={...})` runs `serve`'s app in this process, listening.

    The app uses the test's migrated database (`database_url`, the one `engine` writes to) and the
    stand-in as its Slack API. Every app started is stopped at teardown (its listener work finished).
    """
    started: list[InProcessApp] = []

    def start(
        *, admins: Iterable[str] = (), env: Mapping[str, str] | None = None, timeout: float = STARTUP_TIMEOUT
    ) -> InProcessApp:
        app = InProcessApp(serve_env(slack, database_url, admins, env), slack)
        started.append(app)
        app.start(timeout)
        return app

    try:
        yield start  # type: ignore[misc]
    finally:
        errors: list[BaseException] = []
        for app in reversed(started):
            try:
                app.stop()
            except BaseException as err:  # keep stopping the others
                errors.append(err)
        if errors:
            raise errors[0]


@pytest.fixture
def serve_process(slack: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[ServeApp]:
    """Factory: `serve_process(admins=(...), env={...})` starts `csm-coach serve` and waits for /healthz.

    The server uses the test's migrated database (`database_url`, the one `engine` writes to) and the
    stand-in as its Slack API. Every process started is stopped at teardown, whatever happened.
    """
    executable = csm_coach_executable()
    if not executable.exists():
        pytest.fail(f"{executable} not found: install the project into this venv (pip install -e '.[test]')")
    workdir = tmp_path / "serve-cwd"  # no stray .env from the repo gets read
    workdir.mkdir(exist_ok=True)
    started: list[ServedApp] = []

    def start(
        *, admins: Iterable[str] = (), env: Mapping[str, str] | None = None, timeout: float = STARTUP_TIMEOUT
    ) -> ServedApp:
        failure = ""
        for _attempt in range(3):
            port = free_port()
            log_path = tmp_path / f"serve-{len(started)}-{port}.log"
            log_file = log_path.open("wb")
            settings_env = {"PORT": str(port), **serve_env(slack, database_url, admins, env)}
            try:
                process = subprocess.Popen(
                    [str(executable), "serve"],
                    env=app_env(settings_env),
                    cwd=workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=DIE_WITH_PARENT,
                )
            except BaseException:
                log_file.close()
                raise
            app = ServedApp(
                url=f"http://127.0.0.1:{port}",
                process=process,
                log_path=log_path,
                log_file=log_file,
                slack=slack,
                signing_secret=signing.SIGNING_SECRET,
            )
            started.append(app)
            problem = wait_healthy(app, timeout)
            if problem is None:
                # `serve` asks Slack about its token before it listens: kept apart, as the tests that
                # start it are about what comes after (tests/e2e/test_startup.py is about this).
                app.startup_calls = slack.calls("auth.test")
                slack.forget("auth.test")
                return app
            app.stop()
            logs = app.logs()
            failure = f"csm-coach serve on port {port}: {problem}\n--- its output ---\n{logs}"
            if "address already in use" not in logs.lower():
                break  # only a lost race for the port is worth another try
        pytest.fail(failure, pytrace=False)

    try:
        yield start
    finally:
        errors: list[BaseException] = []
        for app in reversed(started):
            try:
                app.stop()
            except BaseException as err:  # keep stopping the others
                errors.append(err)
        if errors:
            raise errors[0]


@pytest.fixture
def served_app(serve_app: ServeApp) -> ServedApp:
    """`csm-coach serve` with the default settings (no admins)."""
    return serve_app()


@pytest.fixture
def cli(slack: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[Cli]:
    """`cli.run(VERB, …)` runs a verb in this process; `cli.start(VERB, …)` starts it as a process."""
    workdir = tmp_path / "cli-cwd"
    workdir.mkdir(exist_ok=True)
    runner = InProcessCli(slack, database_url, workdir)
    try:
        yield runner
    finally:
        runner.stop_all()
        for process in runner.started:
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture
def cli_process(slack: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[Cli]:
    """`cli_process.run(VERB, …)` and `.start(…)`: `csm-coach VERB …` as a process, as a user runs it."""
    workdir = tmp_path / "cli-cwd"
    workdir.mkdir(exist_ok=True)
    runner = Cli(slack, database_url, workdir)
    try:
        yield runner
    finally:
        runner.stop_all()
        for process in runner.started:
            if process.stdout is not None:
                process.stdout.close()
