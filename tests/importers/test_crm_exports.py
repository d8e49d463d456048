"""Accounts from a CRM's export as it comes (`--from`), or any file whose columns a map renames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.errors import UserFacingError
from bot.importers.accounts import import_accounts
from bot.importers.crm import source
from bot.importers.errors import CsvError, CsvErrors
from tests.support.importing import TODAY, WriteCsv

SALESFORCE_EXPORT = (
    '    "Account Owner","Account Owner Email","Account Name","Account ID","Type","Segment",'
    '"Annual Revenue","Created Date"\n'
    """\
    "Ana Lima","ANA@example.com","Acme Corp","0015g00000ABCDEAA1","Customer","SMB","$12,000.00","2024-01-15"
    "Bo Berg","bo@example.com","Globex","0015g00000ABCDEAA2","Customer","Mid-Market","80,000","2023-11-02"
"""
)
HUBSPOT_EXPORT = """\
    Record ID,Company name,Company owner,Annual Revenue,Create Date,Segment,Lifecycle Stage
    9001,Initech,Ana,5000,2024-02-01 10:23,SMB,customer
    9002,Hooli,cy@example.com,250000,2024-03-04 08:00,Enterprise,customer
"""


# As the CRMs write them today: a Salesforce Lightning "Accounts" report exported as "Details Only"
# CSV (the report's default columns, with Account ID, Annual Revenue, Created Date and a custom Segment
# added; dates in the exporting user's locale, here en_US), and HubSpot's companies export with its
# default properties (the owner is the user's full name, dates carry a time).
SALESFORCE_REPORT = """\
"Account Owner","Account Name","Type","Rating","Last Activity","Last Modified Date","Billing State/Province",\
"Account ID","Annual Revenue","Created Date","Segment"
"Ana","Acme Corp","Customer - Direct","Hot","3/2/2026","3/4/2026","CA","0015g00000ABCDEAA1",\
"$12,000.00","1/15/2024","SMB"
"Bo","Globex","Customer - Channel","","","2/1/2026","NY","0015g00000ABCDEAA2","80000","11/2/2023","Mid-Market"
"""
HUBSPOT_COMPANIES = """\
Record ID,Company name,Company owner,Create Date,Phone Number,Last Activity Date,City,Country/Region,\
Industry,Company Domain Name,Lifecycle Stage,Annual Revenue,Number of Employees,Segment
9001,Initech,Ana,2024-02-01 10:23,+1 555 0100,2026-03-02 09:00,Austin,United States,\
COMPUTER_SOFTWARE,initech.com,customer,5000,120,SMB
9002,Hooli,Cy,2024-03-04 08:00,,,Palo Alto,United States,INTERNET,hooli.com,customer,250000,5000,Enterprise
"""


def stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, account.name, segment_key, arr, person.slack_user_id, start_date"
                " FROM account JOIN person ON person.id = owner_id ORDER BY external_id"
            )
        )
        return [(*row[:5], date.fromisoformat(str(row[5]))) for row in rows]


def test_a_salesforce_report_export_is_read_as_it_comes(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    path = write_csv("report.csv", SALESFORCE_EXPORT)

    result = import_accounts(path, engine=engine, today=TODAY, source=source("salesforce", None))

    assert result.created == 2
    assert stored(engine) == [
        ("0015g00000ABCDEAA1", "Acme Corp", "smb", 12000.0, "U001", date(2024, 1, 15)),
        ("0015g00000ABCDEAA2", "Globex", "mid_market", 80000.0, "U002", date(2023, 11, 2)),
    ]


def test_a_hubspot_companies_export_is_read_with_owners_by_email_or_name(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    path = write_csv("companies.csv", HUBSPOT_EXPORT)

    import_accounts(path, engine=engine, today=TODAY, source=source("hubspot", None))

    assert stored(engine) == [
        ("9001", "Initech", "smb", 5000.0, "U001", date(2024, 2, 1)),
        ("9002", "Hooli", "enterprise", 250000.0, "U003", date(2024, 3, 4)),
    ]


def test_a_salesforce_report_with_its_whole_header_needs_only_its_date_format(
    engine: Engine, write_csv: WriteCsv, team: None, tmp_path: Path
) -> None:
    path = write_csv("report.csv", SALESFORCE_REPORT)
    with pytest.raises(CsvErrors) as caught:  # the dates are the exporting user's locale's: say which
        import_accounts(path, engine=engine, today=TODAY, source=source("salesforce", None))
    assert [(e.line, e.column_name) for e in caught.value.errors] == [
        (2, "Created Date"),
        (3, "Created Date"),
    ]
    assert 'date_format = "%m/%d/%Y"' in caught.value.errors[0].message

    locale = tmp_path / "salesforce.toml"
    locale.write_text('date_format = "%m/%d/%Y"\n', encoding="utf-8")
    result = import_accounts(path, engine=engine, today=TODAY, source=source("salesforce", locale))

    assert result.created == 2
    assert stored(engine) == [
        ("0015g00000ABCDEAA1", "Acme Corp", "smb", 12000.0, "U001", date(2024, 1, 15)),
        ("0015g00000ABCDEAA2", "Globex", "mid_market", 80000.0, "U002", date(2023, 11, 2)),
    ]


def test_a_hubspot_companies_export_with_its_default_properties_is_read_as_it_comes(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    path = write_csv("companies.csv", HUBSPOT_COMPANIES)

    import_accounts(path, engine=engine, today=TODAY, source=source("hubspot", None))

    assert stored(engine) == [
        ("9001", "Initech", "smb", 5000.0, "U001", date(2024, 2, 1)),
        ("9002", "Hooli", "enterprise", 250000.0, "U003", date(2024, 3, 4)),
    ]


def test_errors_name_the_columns_as_the_export_calls_them(
    engine: Engine, write_csv: WriteCsv, team: None
) -> None:
    bad = HUBSPOT_EXPORT.replace("Initech,Ana,", "Initech,Jane@Acme.com,").replace(
        "Hooli,cy@example.com,250000", "Hooli,cy@example.com,lots"
    )
    path = write_csv("companies.csv", bad)

    with pytest.raises(CsvErrors) as caught:
        import_accounts(path, engine=engine, today=TODAY, source=source("hubspot", None))

    assert str(caught.value).splitlines() == [
        f'{path}:2:3: Company owner: "Jane@Acme.com" is not in the team file: add this HubSpot user to it '
        "(the email is enough, Slack finds the id) and run `csm-coach import team` first",
        f'{path}:3:4: Annual Revenue: not a number: "lots"',
    ]


def test_a_missing_segment_asks_for_a_map(engine: Engine, write_csv: WriteCsv, team: None) -> None:
    path = write_csv("report.csv", SALESFORCE_EXPORT.replace('"Segment",', '"Tier",'))

    with pytest.raises(CsvError, match=r'no column for segment \(looked for "Segment".*--map'):
        import_accounts(path, engine=engine, today=TODAY, source=source("salesforce", None))


def test_a_map_renames_any_column_including_a_custom_arr_field(
    engine: Engine, write_csv: WriteCsv, team: None, tmp_path: Path
) -> None:
    export = SALESFORCE_EXPORT.replace('"Segment",', '"Tier",').replace(
        '"Created Date"', '"ARR (USD)","Go-live"'
    )
    export = export.replace('"2024-01-15"', '"1200","01/15/2024"').replace(
        '"2023-11-02"', '"9000","11/02/2023"'
    )
    map_file = tmp_path / "map.toml"
    map_file.write_text(
        'date_format = "%m/%d/%Y"\n[columns]\nsegment = "Tier"\narr = "ARR (USD)"\nstart_date = "Go-live"\n',
        encoding="utf-8",
    )

    import_accounts(
        write_csv("report.csv", export), engine=engine, today=TODAY, source=source("salesforce", map_file)
    )

    assert [(row[0], row[2], row[3], row[5]) for row in stored(engine)] == [
        ("0015g00000ABCDEAA1", "smb", 1200.0, date(2024, 1, 15)),
        ("0015g00000ABCDEAA2", "mid_market", 9000.0, date(2023, 11, 2)),
    ]


def test_a_map_alone_reads_a_file_of_any_shape(
    engine: Engine, write_csv: WriteCsv, team: None, tmp_path: Path
) -> None:
    map_file = tmp_path / "map.toml"
    map_file.write_text(
        '[columns]\nexternal_id = "Id"\nname = "Customer"\nsegment = "Tier"\narr = "ARR"\n'
        'owner = "CSM"\nstart_date = "Since"\n',
        encoding="utf-8",
    )
    path = write_csv(
        "any.csv", "Id,Customer,Tier,ARR,CSM,Since\nX-1,Umbrella,Large,70000,Cy@Example.com,2024-01-02\n"
    )

    import_accounts(path, engine=engine, today=TODAY, source=source(None, map_file))

    assert stored(engine) == [("X-1", "Umbrella", "large", 70000.0, "U003", date(2024, 1, 2))]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[columns]\nrevenue = 'ARR'\n", "unknown column 'revenue'"),
        ("[columns\n", "not TOML"),
        ("[columns]\narr = 3\n", "arr must be the header of a column"),
    ],
)
def test_a_bad_map_is_one_clear_line(tmp_path: Path, content: str, words: str) -> None:
    map_file = tmp_path / "map.toml"
    map_file.write_text(content, encoding="utf-8")
    with pytest.raises(UserFacingError, match=words):
        source(None, map_file)
