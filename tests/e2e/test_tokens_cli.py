"""`csm-coach token create|revoke|list` as a user runs them: the token shown once, kept as a hash."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import Engine, text

from tests.support.processes import Cli


def test_a_token_is_printed_once_stored_as_its_hash_and_its_name_used_once(cli: Cli, engine: Engine) -> None:
    made = cli.run("token", "create", "warehouse-nightly")
    assert made.returncode == 0, made.stdout
    token = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"csmc_[A-Za-z0-9_-]{43}", token), made.stdout
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT name, token_hash, revoked_at, last_used_at FROM api_token")).all()
    assert [tuple(row) for row in stored] == [
        ("warehouse-nightly", hashlib.sha256(token.encode()).hexdigest(), None, None)
    ]

    again = cli.run("token", "create", "warehouse-nightly")
    assert again.returncode == 1
    assert 'a token named "warehouse-nightly" exists already' in again.stdout
    assert cli.run("token", "create", "backfill").returncode == 0

    listed = cli.run("token", "list")
    assert listed.returncode == 0, listed.stdout
    lines = listed.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["warehouse-nightly", "backfill"]
    assert all("last used never, active" in line for line in lines), listed.stdout
    assert token not in listed.stdout

    assert cli.run("token", "revoke", "warehouse-nightly").returncode == 0
    assert "warehouse-nightly: created " in (listed := cli.run("token", "list").stdout)
    assert "revoked 20" in listed.splitlines()[0] and "active" in listed.splitlines()[1], listed
    unknown = cli.run("token", "revoke", "nobody")
    assert (unknown.returncode, 'no token named "nobody"' in unknown.stdout) == (1, True), unknown.stdout
