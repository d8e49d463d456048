"""Errors whose message is meant for the person who caused them."""


class UserFacingError(Exception):
    """Shown to the user as is (ephemeral in Slack, one line on the terminal); never a traceback."""
