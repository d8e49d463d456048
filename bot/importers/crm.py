"""CRM exports as they come: which of a file's own headers fill each column of the accounts format.

A `Columns` maps our column name to the headers that may hold it, first found wins; the file is read
with them (`CsvFile(rename=...)`), so an error names the column as the file calls it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.errors import UserFacingError
from bot.importers.fields import parse_date

Columns = Mapping[str, Sequence[str]]

# Salesforce: an Accounts report exported as "Details Only" CSV; headers are the fields' labels.
# Salesforce has no standard segment, ARR, start or renewal field: Annual Revenue is the customer's own
# revenue, so teams with an ARR field map it (`--map`), and a segment must be a column or be mapped.
SALESFORCE: Columns = {
    "external_id": ("Account ID", "Account ID (18)", "Account ID (15)"),
    "name": ("Account Name",),
    "segment": ("Segment", "Customer Segment", "Account Segment"),
    "arr": ("ARR", "Annual Recurring Revenue", "Annual Revenue"),
    "owner": ("Account Owner Email", "Account Owner: Email", "Owner Email", "Account Owner"),
    "start_date": ("Customer Since", "Created Date"),
    "renewal_date": ("Renewal Date", "Contract End Date"),
    "last_review_date": ("Last Review Date", "Last QBR Date"),
}
# HubSpot: the companies export (CRM > Companies > Export); headers are the properties' labels.
HUBSPOT: Columns = {
    "external_id": ("Record ID", "Company ID"),
    "name": ("Company name", "Name"),
    "segment": ("Segment", "Customer Segment", "Company segment"),
    "arr": ("ARR", "Annual recurring revenue", "Annual Revenue"),
    "owner": ("Company owner email", "Company owner"),
    "start_date": ("Became a Customer Date", "Create Date"),
    "renewal_date": ("Renewal Date", "Contract end date"),
    "last_review_date": ("Last Review Date", "Last QBR Date"),
}
SOURCES: dict[str, Columns] = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
LABELS = {"salesforce": "Salesforce", "hubspot": "HubSpot"}  # as the CRMs write their names


@dataclass(frozen=True)
class Source:
    """How to read one CRM's export: its column names, its date format, and whose users own accounts."""

    name: str  # "salesforce", "hubspot", or the map file's name
    columns: Columns
    date_format: str | None = None  # strptime format, for locales that do not write ISO dates
    # Columns a CRM export may lack: an account without a renewal date is fine.
    optional: tuple[str, ...] = field(default=("renewal_date", "last_review_date"))

    def parse_date(self, text: str) -> date:
        """ISO dates, with a time of day dropped ("2024-01-15 10:23" from HubSpot), or `date_format`."""
        stripped = text.strip()
        if self.date_format is not None and stripped:
            try:
                return datetime.strptime(stripped, self.date_format).date()
            except ValueError:
                raise ValueError(f'bad date "{stripped}" (expected {self.date_format})') from None
        if len(stripped) > 10 and stripped[10] in " T":
            stripped = stripped[:10]
        try:
            return parse_date(stripped)
        except ValueError as exc:
            hint = '; if it is not ISO, say how in the map file: date_format = "%m/%d/%Y"'
            raise ValueError(f"{exc}{hint}") from None


def source(name: str | None, map_file: Path | None) -> Source | None:
    """The source `--from` and `--map` describe, None when the file is in our own format."""
    if name is None and map_file is None:
        return None
    columns: dict[str, tuple[str, ...]] = {}
    if name is not None:
        preset = SOURCES.get(name.lower())
        if preset is None:
            raise UserFacingError(f"--from: unknown source {name!r} (expected one of: {', '.join(SOURCES)})")
        columns.update({ours: tuple(theirs) for ours, theirs in preset.items()})
    date_format = None
    if map_file is not None:
        mapped, date_format = read_map(map_file)
        columns.update({ours: (theirs,) for ours, theirs in mapped.items()})
    return Source(name or (map_file.name if map_file else ""), columns, date_format)


def read_map(path: Path) -> tuple[dict[str, str], str | None]:
    """A map file: `[columns]` our name = "their header", and an optional top-level `date_format`."""
    from bot.importers.accounts import COLUMNS, OPTIONAL

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserFacingError(f"--map: {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"--map: {path}: not TOML: {exc}") from None
    table = data.get("columns", {})
    known = (*COLUMNS, *OPTIONAL)
    if not isinstance(table, dict):
        raise UserFacingError(f'--map: {path}: [columns] must be a table of our name = "their header"')
    for ours, theirs in table.items():
        if ours not in known:
            raise UserFacingError(f"--map: {path}: unknown column {ours!r} (ours are: {', '.join(known)})")
        if not isinstance(theirs, str) or not theirs.strip():
            raise UserFacingError(f"--map: {path}: {ours} must be the header of a column, as text")
    date_format = data.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        raise UserFacingError(f'--map: {path}: date_format must be text, e.g. "%m/%d/%Y"')
    return dict(table), date_format
