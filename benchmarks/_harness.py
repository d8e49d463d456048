"""Processes and databases for benchmarks/run.py: the real `csm-coach` verbs, timed, with peak memory."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

from sqlalchemy import Engine, create_engine, make_url, text

from bot.config import Settings
from bot.db import get_engine, migrate
from tests.support.appenv import app_env


def csm_coach() -> str:
    """The `csm-coach` script of this interpreter's venv."""
    return str(Path(sys.executable).parent / "csm-coach")


@dataclass(frozen=True)
class Finished:
    """One `csm-coach` command run to its end."""

    args: tuple[str, ...]
    returncode: int
    seconds: float  # wall clock, from start to exit
    peak_mb: float  # its own peak RSS in MB (ru_maxrss from wait4, so this child only)
    output: str

    def check(self) -> Finished:
        if self.returncode != 0:
            tail = "\n".join(self.output.splitlines()[-30:])
            raise RuntimeError(f"`csm-coach {' '.join(self.args)}` exited with {self.returncode}:\n{tail}")
        return self


def run_cli(*args: str, env: Mapping[str, str], cwd: Path, log: Path, timeout: float = 7200.0) -> Finished:
    """Run `csm-coach ARGS…` to its end; its output goes to `log` (read back afterwards)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [csm_coach(), *args],
            env=app_env(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        watchdog = threading.Timer(timeout, _kill_group, args=(process.pid,))
        watchdog.start()
        try:
            # wait4, not Popen.wait: it gives this one child's rusage (RUSAGE_CHILDREN would be the
            # maximum over every child so far).
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(encoding="utf-8", errors="replace")
    return Finished(tuple(args), process.returncode, seconds, usage.ru_maxrss * 1024 / 1e6, output)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_mb(pid: int, field: str) -> float:
    """A memory line of /proc/PID/status (VmHWM: peak RSS, VmRSS: now), in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6  # the kernel's "kB" are KiB
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


class Server:
    """A running `csm-coach serve` on a free loopback port, in its own process group."""

    def __init__(self, *, env: Mapping[str, str], cwd: Path, log: Path, timeout: float = 60.0) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        cwd.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [csm_coach(), "serve", "--host", "127.0.0.1"],
            env=app_env({**env, "PORT": str(self.port), "WEB_CONCURRENCY": "1"}),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"csm-coach serve exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (URLError, OSError) as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise RuntimeError(
            f"csm-coach serve: no 200 from /healthz in {timeout:.0f} s ({last}); see {self.log}"
        )

    def peak_mb(self) -> float:
        return status_mb(self.process.pid, "VmHWM")

    def rss_mb(self) -> float:
        return status_mb(self.process.pid, "VmRSS")

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                _signal_group(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    _signal_group(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=15)
        finally:
            self._out.close()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


# databases ------------------------------------------------------------------------------------------


def fresh_sqlite(path: Path) -> Engine:
    """An empty SQLite file at `path`, migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    get_engine(url).dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = get_engine(url)
    migrate(engine)
    return engine


def fresh_postgres(url: str) -> Engine:
    """The PostgreSQL database of `url`, created if missing, emptied (its public schema) and migrated."""
    sa_url = make_url(Settings(database_url=url).database_url)
    name = sa_url.database
    if not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"--pg-url: need a plain database name, got {name!r}")
    server = create_engine(sa_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is None
            ):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    engine = get_engine(sa_url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    return engine


def postgres_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SHOW server_version")).scalar_one())


# the machine ----------------------------------------------------------------------------------------


def machine(pg_version: str | None) -> list[tuple[str, str]]:
    """(what, value) rows describing this box, read from /proc and the libraries in use."""
    import psycopg
    import sqlalchemy

    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mhz = re.search(r"^cpu MHz\s*:\s*([\d.]+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    os_name = re.search(r'^PRETTY_NAME="?([^"\n]+)"?$', _read("/etc/os-release"), re.M)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpu = f"{cpus} (`nproc`), {model.group(1).strip() if model else 'unknown model'}"
    if mhz:
        cpu += f", {float(mhz.group(1)) / 1000:.1f} GHz"
    return [
        ("CPU", cpu),
        ("RAM", f"{int(mem.group(1)) / 1024**2:.1f} GiB" if mem else "unknown"),
        (
            "OS",
            f"{os_name.group(1) if os_name else platform.system()}, {platform.system()} {platform.release()}",
        ),
        (
            "Python",
            f"{platform.python_version()} "
            f"(SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__})",
        ),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", pg_version or "not measured"),
    ]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
