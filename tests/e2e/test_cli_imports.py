"""`csm-coach import` as a user runs it: every bad row in one run, unknown accounts skipped on request."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sqlalchemy import Engine, text

from tests.support import company
from tests.support.importing import TEAM_CSV
from tests.support.processes import Cli


def test_a_bad_accounts_file_names_every_bad_row_in_one_run(cli: Cli, engine: Engine, tmp_path: Path) -> None:
    team, accounts, _ = company.write_files(tmp_path)
    assert cli.run("import", "team", str(team)).returncode == 0
    lines = accounts.read_text(encoding="utf-8").splitlines()
    for n in (3, 5, 8):
        fields = lines[n].split(",")
        lines[n] = ",".join([*fields[:2], "Gold", *fields[3:]])
    bad = tmp_path / "accounts-bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = cli.run("import", "accounts", str(bad))

    assert result.returncode == 1
    assert all(f"accounts-bad.csv:{n + 1}:3" in result.stdout for n in (3, 5, 8)), result.stdout
    assert "Traceback" not in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM account")).scalar_one() == 0


def test_import_usage_skips_unknown_accounts_only_when_asked(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    team, accounts, usage = company.write_files(tmp_path)
    for kind, path in (("team", team), ("accounts", accounts)):
        assert cli.run("import", kind, str(path)).returncode == 0
    with usage.open("a", encoding="utf-8") as out:
        out.write("TRIAL-1,2024-01-02,4\nTRIAL-2,2024-01-02,1\n")

    refused = cli.run("import", "usage", str(usage))
    accepted = cli.run("import", "usage", str(usage), "--skip-unknown-accounts")

    assert refused.returncode == 1 and 'unknown account "TRIAL-1"' in refused.stdout
    assert 'unknown account "TRIAL-2"' in refused.stdout
    assert accepted.returncode == 0, accepted.stdout
    assert "2 rows of unknown accounts skipped" in accepted.stdout
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM usage")).scalar_one() > 0


def test_import_accounts_from_a_crm_export_with_a_map(cli: Cli, engine: Engine, tmp_path: Path) -> None:
    team = tmp_path / "team.csv"
    team.write_text(textwrap.dedent(TEAM_CSV), encoding="utf-8")
    assert cli.run("import", "team", str(team)).returncode == 0
    export = tmp_path / "companies.csv"
    export.write_text(
        "Record ID,Company name,Company owner,Tier,ARR (USD),Create Date\n"
        "9001,Initech,ANA@example.com,SMB,5000,2024-02-01 10:23\n"
        "9002,Hooli,Cy,Enterprise,250000,2024-03-04 08:00\n",
        encoding="utf-8",
    )
    map_file = tmp_path / "map.toml"
    map_file.write_text('[columns]\nsegment = "Tier"\narr = "ARR (USD)"\n', encoding="utf-8")

    without_map = cli.run("import", "accounts", str(export), "--from", "hubspot")
    result = cli.run("import", "accounts", str(export), "--from", "hubspot", "--map", str(map_file))

    assert without_map.returncode == 1 and "no column for segment" in without_map.stdout
    assert result.returncode == 0, result.stdout
    assert "2 created" in result.stdout
    with engine.connect() as conn:
        owners = conn.execute(
            text(
                "SELECT external_id, arr, slack_user_id FROM account"
                " JOIN person ON person.id = owner_id ORDER BY external_id"
            )
        ).all()
    assert [tuple(row) for row in owners] == [("9001", 5000.0, "U001"), ("9002", 250000.0, "U003")]
