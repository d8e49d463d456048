"""The environment of a `csm-coach` subprocess: the outer one, minus anything that configures the app."""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot.config import Settings

# Variables of the outer environment that must not leak into the app under test: every setting.
_APP_ENV_PREFIXES = ("SLACK_", "CSM_COACH_", "DECLINE_")
_APP_ENV_NAMES = frozenset(name.upper() for name in Settings.model_fields)


def app_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The outer environment without the app's settings, unbuffered, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_APP_ENV_PREFIXES) and name not in _APP_ENV_NAMES
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env
