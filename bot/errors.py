"""Errors whose message is meant for the person who caused them (text made safe to print: bot.plaintext)."""


class UserFacingError(Exception):
    """Shown to the user as is (ephemeral in Slack, one line on the terminal); never a traceback."""


class CannotStart(Exception):
    """What a verb needs before it does anything is wrong: a setting, a token, the database, a file to
    write. One line naming it, exit status 2, nothing done."""
