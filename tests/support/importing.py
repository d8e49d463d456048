"""What the importer tests share: the day the imports run, a small team file, the `write_csv` type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

WriteCsv = Callable[[str, "str | bytes"], Path]
TODAY = date(2024, 6, 3)  # the day the imports run: it sets the bounds of the files' dates

TEAM_CSV = """\
    slack_user_id,email,name,team,role,timezone
    U001,ana@example.com,Ana,EMEA,csm,Europe/Paris
    U002,bo@example.com,Bo,EMEA,manager,Europe/London
    U003,cy@example.com,Cy,AMER,csm,America/New_York
"""
