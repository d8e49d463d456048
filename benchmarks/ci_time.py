"""How long `.ci/run` takes from a clean clone: the figure the CI budget is held to (8 minutes).

    .venv/bin/python -m benchmarks.ci_time                # clones HEAD of this checkout, runs .ci/run
    .venv/bin/python -m benchmarks.ci_time --log ci.log   # keeps the whole CI output

It clones the repository (committed work only, as a CI runner sees it) into a temporary directory,
runs its `.ci/run` there (fresh venv, installs, ruff, mypy, both test passes) and prints the wall
time of the whole run and of each stage, read from the section headers `.ci/run` prints, and the
box's load average before and after (the box is shared: a busy one stretches every figure).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"^==== (.*) ====$")
PASS = re.compile(r"^==== pytest on (SQLite|PostgreSQL).*exit (\d+) after (\d+)s.* ====$")
SUMMARY = re.compile(r"^(=+ )?(\d+ passed.*) in [\d.]+s")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, help="write the whole CI output here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csm-coach-ci-time.") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        head = subprocess.run(
            ["git", "-C", str(clone), "log", "-1", "--format=%h %s"], capture_output=True, text=True
        ).stdout.strip()
        load_before = loadavg()
        started = time.monotonic()
        stages: list[tuple[str, float]] = []
        lines: list[str] = []
        with subprocess.Popen(
            [str(clone / ".ci" / "run")],
            cwd=clone,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                found = SECTION.match(line.rstrip("\n"))
                if found:
                    stages.append((found.group(1), time.monotonic() - started))
        total = time.monotonic() - started
        load_after = loadavg()
    if args.log:
        args.log.write_text("".join(lines), encoding="utf-8")
    print(f"commit {head}")
    print(f".ci/run exit {process.returncode}, {total:.0f} s ({total / 60:.1f} min) from a clean clone")
    print(f"load average (1, 5, 15 min) before: {load_before}; after: {load_after}")
    print("stage starts (s since the start):")
    for name, at in stages:
        print(f"  {at:6.0f}  {name[:100]}")
    for line in lines:
        text = line.rstrip("\n")
        if PASS.match(text) or SUMMARY.search(text):
            print("  " + text.strip("= "))
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
