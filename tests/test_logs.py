"""Log lines keep data inert: no terminal escapes, no forged lines."""

from __future__ import annotations

import logging

from bot.logs import FORMAT, InertFormatter


def test_a_hostile_name_in_a_log_line_neither_escapes_nor_breaks_the_line() -> None:
    record = logging.LogRecord(
        "bot.test", logging.WARNING, __file__, 1, "could not tell %s", ("\x1b[2J<!here> Mallory\nFAKE",), None
    )
    line = InertFormatter(FORMAT).format(record)
    assert "\x1b" not in line and "\n" not in line
    assert line.endswith("could not tell <!here> Mallory FAKE")


def test_a_traceback_keeps_its_lines() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("bot.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "\nValueError: boom" in InertFormatter(FORMAT).format(record)
