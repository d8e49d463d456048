"""`csm-coach serve` and the CLI's verbs run inside the test process, against the test's database and the
Slack stand-in (over HTTP, through SLACK_API_URL), as bolt-python's own tests drive an app.

`InProcessApp` is `serve`'s ASGI app (`bot.web.create_asgi`, built as `asgi_factory` builds it, from a
`Settings` made of the given environment alone) behind uvicorn with `serve`'s own limits, on a thread
of this process: requests are real HTTP on 127.0.0.1, so a test sends the same bytes either way.
Its `logs()` and `wait_for_log` read what the app logged while it ran, in `serve`'s log format.
`InProcessCli.run` runs `csm-coach VERB …` through `bot.cli.main` in Typer's test runner: the same
environment, working directory, exit status and output (stdout and stderr together) as the process.

What only a process shows (signals, several processes, uvicorn's workers, the start-up token check)
stays with `processes.ServedApp` and `processes.Cli` (fixtures `serve_process`, `cli_process`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from typing import Any
from unittest import mock

import uvicorn
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.support import signing
from tests.support.appenv import app_env
from tests.support.processes import STOP_TIMEOUT, Cli
from tests.support.slack_standin import Call, SlackStandIn

# Loggers `serve` and the verbs keep quieter than INFO (bot/logs.py).
_QUIET = {"alembic": logging.WARNING}
_lock = threading.Lock()


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` exactly as a `csm-coach` process given `env` would see it, for the block's length."""
    with mock.patch.dict(os.environ, app_env(env), clear=True):
        yield


def settings_for(env: Mapping[str, str]) -> Any:
    """The `Settings` a process started with `env` in an empty directory would read (no `.env`)."""
    from bot.config import load_settings

    with environment(env):
        return load_settings(_env_file=None)


class LogCapture(logging.Handler):
    """Everything logged in this process while attached, in `serve`'s format (InertFormatter)."""

    def __init__(self) -> None:
        from bot.logs import FORMAT, InertFormatter

        super().__init__(logging.INFO)
        self.setFormatter(InertFormatter(FORMAT))
        self._lines: list[str] = []
        self._saved: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - as logging's own handlers: never raise into the caller
            self.handleError(record)
            return
        with _lock:
            self._lines.append(line)

    def text(self) -> str:
        with _lock:
            return "".join(line + "\n" for line in self._lines)

    def attach(self) -> None:
        root = logging.getLogger()
        self._saved = {"": root.level, **{name: logging.getLogger(name).level for name in _QUIET}}
        root.addHandler(self)
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)
        for name, level in _QUIET.items():
            logging.getLogger(name).setLevel(level)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)
        for name, level in self._saved.items():
            logging.getLogger(name or None).setLevel(level)


class InProcessApp(signing.AppClient):
    """`serve`'s app in this process, listening on 127.0.0.1; `signing.AppClient` gives the `post_*`."""

    def __init__(self, env: Mapping[str, str], slack: SlackStandIn) -> None:
        from bot import web_limits
        from bot.db import request_engine
        from bot.slack.app import LISTENER_THREADS, create_app
        from bot.web import REQUEST_THREADS, create_asgi

        self.slack = slack
        self.startup_calls: list[Call] = []  # no start-up check in-process: `serve_process` has it
        self.settings = settings_for(env)
        self.settings.require("slack_bot_token", "slack_signing_secret")
        self.capture = LogCapture()
        self.engine: Engine = request_engine(
            self.settings.database_url, threads=REQUEST_THREADS + LISTENER_THREADS
        )
        with environment(env):  # Bolt reads SLACK_* from the environment while it is built
            self.bolt = create_app(self.settings, engine=self.engine)
        self.asgi = create_asgi(self.settings, engine=self.engine, bolt=self.bolt)
        self._in_flight = 0
        self._count_listener_work()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        port = int(self._socket.getsockname()[1])
        super().__init__(
            f"http://127.0.0.1:{port}",
            signing_secret=self.settings.secret("slack_signing_secret"),
            response_url=slack.response_url,
        )
        config = uvicorn.Config(
            self.asgi,
            lifespan="off",
            proxy_headers=True,
            log_level="info",
            log_config=None,  # this process's logging, captured below, in `serve`'s format
            http=web_limits.HeadDeadline,
            timeout_keep_alive=web_limits.KEEP_ALIVE_SECONDS,
            limit_concurrency=web_limits.MAX_CONCURRENCY,
            h11_max_incomplete_event_size=web_limits.MAX_HEAD_BYTES,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._socket]}, name=f"serve-{port}", daemon=True
        )
        self._stopped = False

    def _count_listener_work(self) -> None:
        """Count the work Bolt queues for its listener threads (a lazy listener, after the ack)."""
        executor = self.bolt.listener_runner.listener_executor
        submit = executor.submit

        def counted(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                self._in_flight += 1
            try:
                future = submit(fn, *args, **kwargs)
            except BaseException:
                self._finished()
                raise
            future.add_done_callback(lambda _: self._finished())
            return future

        executor.submit = counted  # type: ignore[method-assign]
        self._executor = executor

    def _finished(self) -> None:
        with _lock:
            self._in_flight -= 1

    def busy(self) -> bool:
        """Has the app work in flight (listener work queued or running)?"""
        with _lock:
            return self._in_flight > 0

    def start(self, timeout: float) -> None:
        self.capture.attach()
        self.slack.track(self.busy)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"in-process serve did not start; its log:\n{self.logs()[-3000:]}")
            time.sleep(0.01)

    def logs(self) -> str:
        """Everything logged in this process since the app started (as `serve` writes its log)."""
        return self.capture.text()

    def wait_for_log(self, needle: str, count: int = 1, timeout: float = 15.0) -> str:
        """Block until `needle` was logged `count` times; the log, or fail showing it."""
        deadline = time.monotonic() + timeout
        while (logs := self.logs()).count(needle) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not logged {count} time(s); the log ends:\n{logs[-3000:]}")
            time.sleep(0.02)
        return logs

    def stop(self) -> None:
        """Stop listening, let the requests in flight and Bolt's listener work finish (bounded), then
        close the app's connections: nothing of this app runs into the next test."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self.server.should_exit = True
            if self._thread.is_alive():
                self._thread.join(STOP_TIMEOUT)
            self._socket.close()
            executor = self._executor
            executor.shutdown(wait=False, cancel_futures=True)
            deadline = time.monotonic() + STOP_TIMEOUT
            for thread in list(getattr(executor, "_threads", ())):
                thread.join(max(0.0, deadline - time.monotonic()))
            self.engine.dispose()
        finally:
            self.slack.untrack(self.busy)
            self.capture.detach()


class InProcessCli(Cli):
    """`run` is `csm-coach VERB …` through `bot.cli.main` in this process; `start` is still a process
    (a verb a test stops, or that runs until stopped)."""

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        from bot.cli import common, main
        from bot.config import get_settings
        from bot.logs import FORMAT, InertFormatter

        full_env = {**self.env, **(env or {})}
        runner = CliRunner()
        code: int = 0
        with (
            contextlib.chdir(self.workdir),
            environment(full_env),
            runner.isolation() as (_, _, output),
            mock.patch("sys.argv", ["csm-coach", *args]),
        ):
            # The consoles read the terminal's width and colours from the environment when made:
            # made again here, as a new process would, and put back as they were afterwards.
            saved = [(c, dict(c.__dict__)) for c in (common.console, common.errors)]
            common.console.__init__(emoji=False)  # type: ignore[misc]
            common.errors.__init__(stderr=True, emoji=False)  # type: ignore[misc]
            get_settings.cache_clear()
            handler = logging.StreamHandler(_Stderr())
            handler.setFormatter(InertFormatter(FORMAT))
            handler.setLevel(logging.INFO)
            capture = LogCapture()
            capture.attach()  # the levels `configure_logging` sets; its own lines are not used
            logging.getLogger().addHandler(handler)
            try:
                main()
            except SystemExit as exit_:
                code = _exit_code(exit_)
            except BaseException:  # what the interpreter does with an uncaught exception
                print(traceback.format_exc(), end="", file=_Stderr())
                code = 1
            finally:
                logging.getLogger().removeHandler(handler)
                capture.detach()
                get_settings.cache_clear()
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                for console, state in saved:
                    console.__dict__.clear()
                    console.__dict__.update(state)
            text = output.getvalue().decode("utf-8", "replace")
        return subprocess.CompletedProcess(["csm-coach", *args], code, text, None)


class _Stderr(io.TextIOBase):
    """Whatever `sys.stderr` is when written to (the runner's, during a run)."""

    def write(self, text: str) -> int:  # type: ignore[override]
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _exit_code(exit_: SystemExit) -> int:
    if exit_.code is None:
        return 0
    if isinstance(exit_.code, int):
        return exit_.code
    print(exit_.code, file=sys.stderr)
    return 1
