"""`csm-coach serve` and the other verbs as real processes, against a test's database and the stand-in.

`ServedApp` is one running `serve` (its signed `post_*` helpers come from `signing.AppClient`); `Cli`
runs `csm-coach VERB …` as a user would. The fixtures that start them live in tests/e2e/conftest.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Protocol
from urllib.error import URLError

from tests.support import signing
from tests.support.appenv import app_env
from tests.support.slack_standin import BOT_TOKEN, Call, SlackStandIn

STARTUP_TIMEOUT = 60.0  # an interpreter, scipy and migrations, on a busy box beside parallel workers
STOP_TIMEOUT = 10.0


def csm_coach_executable() -> Path:
    """The `csm-coach` script of the interpreter running the tests (the same venv)."""
    return Path(sys.executable).parent / ("csm-coach.exe" if os.name == "nt" else "csm-coach")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pdeathsig_setter() -> Callable[[], None] | None:
    """Linux: a preexec_fn making the kernel SIGTERM the server if the test run itself is killed."""
    if sys.platform != "linux":
        return None
    try:
        # Resolved here, in the parent: the child runs between fork and exec with the stand-in's
        # thread around, so it must only call, never dlopen.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def die_with_parent() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return die_with_parent


DIE_WITH_PARENT = _pdeathsig_setter()


class ServedApp(signing.AppClient):
    """One running `csm-coach serve`; `signing.AppClient` gives the signed `post_*` helpers."""

    def __init__(
        self,
        *,
        url: str,
        process: subprocess.Popen[bytes],
        log_path: Path,
        log_file: IO[bytes],
        slack: SlackStandIn,
        signing_secret: str,
    ) -> None:
        super().__init__(url, signing_secret=signing_secret, response_url=slack.response_url)
        self.process = process
        self.log_path = log_path
        self._log_file = log_file
        self.slack = slack
        self.startup_calls: list[Call] = []  # what the process asked Slack before it listened

    def logs(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, needle: str, count: int = 1, timeout: float = 15.0) -> str:
        """Block until `needle` is in the process's output `count` times; the output, or fail showing it."""
        deadline = time.monotonic() + timeout
        while (logs := self.logs()).count(needle) < count:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"{needle!r} not logged {count} time(s); the log ends:\n{logs[-3000:]}")
            time.sleep(0.05)
        return logs

    def stop(self) -> None:
        """Terminate the process group (workers included); SIGKILL what ignores SIGTERM."""
        process = self.process
        try:
            if process.poll() is None:
                # start_new_session made the server its own process group leader: pgid == pid.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=STOP_TIMEOUT)
        finally:
            self._log_file.close()


class ServeApp(Protocol):
    """The `serve_app` factory."""

    def __call__(
        self, *, admins: Iterable[str] = (), env: Mapping[str, str] | None = None, timeout: float = ...
    ) -> ServedApp: ...


def wait_healthy(app: ServedApp, timeout: float) -> str | None:
    """None once GET /healthz answers 200; else why not."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            return f"exited with code {app.process.returncode}"
        try:
            answer = signing.get(app.url + "/healthz", timeout=1.0)
        except (URLError, OSError) as err:
            last_error = repr(err)
        else:
            if answer.status == 200:
                return None
            last_error = f"HTTP {answer.status}: {answer.text[:500]}"
        time.sleep(0.1)
    return f"no 200 from /healthz within {timeout:.0f}s ({last_error})"


# A clock that runs on real time must post whatever today's weekday is: tests about other things
# than working days start it with this.
EVERY_DAY = {"POST_DAYS": "mon,tue,wed,thu,fri,sat,sun"}


class Cli:
    """Runs `csm-coach VERB …` as a user would, against the test's database and the stand-in."""

    def __init__(self, slack: SlackStandIn, database_url: str, workdir: Path) -> None:
        self.env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.base_url,
            "DATABASE_URL": database_url,
        }
        self.workdir = workdir
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [str(csm_coach_executable()), *args],
            env=app_env({**self.env, **(env or {})}),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=DIE_WITH_PARENT,
        )
        self.started.append(process)
        return process

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        process = self.start(*args, env=env)
        output, _ = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, output, None)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)
