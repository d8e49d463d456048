"""The shape of a Slack user id, the one pattern every layer checks (settings, imports, services, blocks).

Low in the house on purpose: nothing but `re`, so settings may use it without loading anything heavy.
"""

from __future__ import annotations

import re

SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


def is_slack_user_id(text: str) -> bool:
    return SLACK_USER_ID.fullmatch(text) is not None
