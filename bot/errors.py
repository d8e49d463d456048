"""Errors whose message is meant for the person who caused them (text made safe to print: bot.plaintext)."""


class UserFacingError(Exception):
    """Shown to the user as is (ephemeral in Slack, one line on the terminal); never a traceback."""
