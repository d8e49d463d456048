"""The playground in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright for
Python. Without either, these tests skip and say what they need (`apt-get install chromium`,
`pip install -e '.[test]'`); Playwright's own browser download is never used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need Playwright for Python (pip install -e '.[test]')"
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        return f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    return None


# Module-wide, not session-wide: Playwright's sync API holds an event loop on the thread while it runs,
# and an xdist worker runs other modules' tests (which start loops of their own) on that same thread.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(
        timeout=20_000
    )  # a shared 2-core machine: the round and the first answers take seconds

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()
