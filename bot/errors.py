"""Errors whose message is meant for the person who caused them, and text made safe to print."""

import re

# C0 and C1 controls (line breaks, tabs, terminal escapes), DEL, Unicode line separators and the
# bidirectional overrides that make text read differently from what it holds.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character written as its escape (`\\x1b`), safe for a terminal."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class UserFacingError(Exception):
    """Shown to the user as is (ephemeral in Slack, one line on the terminal); never a traceback."""


class CannotStart(Exception):
    """What a verb needs before it does anything is wrong: a setting, a token, the database, a file to
    write. One line naming it, exit status 2, nothing done."""
