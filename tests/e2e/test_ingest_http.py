"""The ingestion API through a real `csm-coach serve`: tokens made by the real CLI, CSV and NDJSON bodies."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from tests.support import company, rawhttp
from tests.support.blockcheck import message_text
from tests.support.processes import Cli, ServeApp, ServedApp
from tests.support.signing import HttpResponse, post

CSV = "text/csv; charset=utf-8"
NDJSON = "application/x-ndjson"


def new_token(cli: Cli, name: str = "warehouse") -> str:
    made = cli.run("token", "create", name)
    assert made.returncode == 0, made.stdout
    return made.stdout.strip().splitlines()[-1]


def push(app: ServedApp, kind: str, body: bytes, token: str | None, content_type: str = CSV) -> HttpResponse:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return post(f"{app.url}/api/v1/{kind}", body, headers, timeout=60)


def as_ndjson(path: Path) -> bytes:
    with path.open(encoding="utf-8", newline="") as file:
        return b"".join(json.dumps(row).encode() + b"\n" for row in csv.DictReader(file))


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def load_company(app: ServedApp, token: str, tmp_path: Path, *, ndjson: bool) -> dict[str, dict[str, object]]:
    files = company.write_files(tmp_path, today=datetime.now(UTC).date())
    said = {}
    for kind, path in zip(("team", "accounts", "usage"), files, strict=True):
        body, content_type = (as_ndjson(path), NDJSON) if ndjson else (path.read_bytes(), CSV)
        answer = push(app, kind, body, token, content_type)
        assert answer.status == 200, answer.text
        said[kind] = answer.json()
    return said


def assert_company_loaded(app: ServedApp, said: dict[str, dict[str, object]]) -> None:
    assert said["team"]["rows"] == said["team"]["created"] == len(company.TEAM_CSV.strip().splitlines()) - 1
    assert said["accounts"]["created"] == len(company.ACCOUNTS)
    assert said["usage"]["rows"] == said["usage"]["created"] > 0
    assert said["usage"]["declining"] == len(company.EXPECTED_FLAGGED)  # the after-import step ran
    assert str(said["usage"]["summary"]).startswith("usage from the request: ")
    answer = app.post_command("/myload", "", user_id="U0ANA")
    assert answer.status == 200, answer.text
    assert "2 declining accounts" in message_text(answer.json())  # Dunmore Freight and Silverline Health


def test_csv_bodies_load_a_company_that_myload_then_counts(
    cli: Cli, serve_app: ServeApp, tmp_path: Path
) -> None:
    token = new_token(cli)
    app = serve_app()
    assert_company_loaded(app, load_company(app, token, tmp_path, ndjson=False))

    listed = cli.run("token", "list")
    assert listed.returncode == 0, listed.stdout
    assert token not in listed.stdout and token[5:] not in listed.stdout
    assert "warehouse: created " in listed.stdout and "last used never" not in listed.stdout, listed.stdout


def test_ndjson_bodies_load_the_same_company(cli: Cli, serve_app: ServeApp, tmp_path: Path) -> None:
    token = new_token(cli)
    app = serve_app()
    assert_company_loaded(app, load_company(app, token, tmp_path, ndjson=True))


def test_no_live_token_gets_401_before_the_body_is_read(
    cli: Cli, serve_app: ServeApp, engine: Engine
) -> None:
    token = new_token(cli, "old")
    app = serve_app()
    body = b"slack_user_id,email,name,team,role,timezone\nU0A,a@example.com,A,T,csm,UTC\n"
    refused = {
        "missing": push(app, "team", body, None),
        "malformed": push(app, "team", body, "not a token at all"),
        "wrong": push(app, "team", body, "csmc_" + "x" * 43),
        "basic": post(f"{app.url}/api/v1/team", body, {"Authorization": "Basic dTpw", "Content-Type": CSV}),
    }
    revoked = cli.run("token", "revoke", "old")
    assert revoked.returncode == 0, revoked.stdout
    refused["revoked"] = push(app, "team", body, token)
    for why, answer in refused.items():
        assert answer.status == 401, (why, answer.text)
        assert answer.headers["www-authenticate"].startswith("Bearer"), why
    assert count(engine, "person") == 0

    # A body announced but never sent: the answer comes at once, the token being wrong.
    head = rawhttp.head(
        "/api/v1/usage", [(b"Authorization", b"Bearer csmc_" + b"y" * 43), (b"Content-Length", b"999")]
    )
    status, _, seconds = rawhttp.exchange(app.url, head)
    assert (status, seconds < 5) == (401, True)
    assert "last used never, revoked" in cli.run("token", "list").stdout


def test_bad_input_names_its_row_and_column_and_writes_nothing(
    cli: Cli, serve_app: ServeApp, engine: Engine
) -> None:
    token = new_token(cli)
    app = serve_app()
    team = b"slack_user_id,email,name,team,role,timezone\nU0A,a@example.com,A,T,csm,UTC\n"
    assert push(app, "team", team, token).status == 200
    header = b"external_id,name,segment,arr,owner,start_date,renewal_date\n"
    assert push(app, "accounts", header + b"A1,Acme,smb,100,U0A,2024-01-01,\n", token).status == 200
    accounts = (
        b'{"external_id": "A2", "name": "Fine", "segment": "smb", "arr": 100, "owner": "U0A", '
        b'"start_date": "2024-01-01", "renewal_date": null}\n'
        b'{"external_id": "A3", "name": "Bad", "segment": "Gold", "arr": 100, "owner": "U0A", '
        b'"start_date": "2024-01-01"}\n'
    )
    answer = push(app, "accounts", accounts, token, NDJSON)
    assert answer.status == 422, answer.text
    said = answer.json()
    assert (said["row"], said["column"]) == (2, "segment")
    assert said["error"].startswith("row 2, column segment: ") and "Gold" in said["error"]

    usage = b"external_id,date,value\nA1,2026-12-01,1\nA1,2026-12-02,lots\nA1,2026-12-03,-4\n"
    answer = push(app, "usage", usage, token)
    assert answer.status == 422, answer.text
    assert (answer.json()["row"], answer.json()["column"]) == (2, "value")
    # Every bad row of one body is named, not only the first.
    assert [(e["row"], e["column"]) for e in answer.json()["errors"]] == [(2, "value"), (3, "value")]
    assert answer.json()["bad_rows"] == 2 and "(and 1 more bad row)" in answer.json()["error"]

    broken = push(app, "usage", b'{"external_id": "A1"}\n{"external_id": \n', token, NDJSON)
    assert (broken.status, broken.json()["row"]) == (400, 2)
    not_utf8 = push(app, "usage", b"external_id,date,value\nA\xff,2026-12-01,1\n", token)
    assert (not_utf8.status, not_utf8.json()["row"]) == (400, 1)
    assert push(app, "usage", usage, token, "application/json").status == 415
    assert (count(engine, "account"), count(engine, "usage")) == (1, 0)


def test_bodies_over_ingest_max_bytes_get_413_declared_or_chunked(
    cli: Cli, serve_app: ServeApp, engine: Engine
) -> None:
    token = new_token(cli)
    app = serve_app(env={"INGEST_MAX_BYTES": "1024"})
    team = b"slack_user_id,email,name,team,role,timezone\n" + b"".join(
        b"U0%03d,p%03d@example.com,Person %d,T,csm,UTC\n" % (i, i, i) for i in range(40)
    )
    assert len(team) > 1024
    assert push(app, "team", team, token).status == 413

    auth = (b"Authorization", f"Bearer {token}".encode())
    head = rawhttp.head(
        "/api/v1/team", [auth, (b"Content-Type", b"text/csv"), (b"Transfer-Encoding", b"chunked")]
    )
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(team[i : i + 100]), team[i : i + 100]) for i in range(0, len(team), 100)
    )
    status, _, _ = rawhttp.exchange(app.url, head + chunked + b"0\r\n\r\n")
    assert status == 413
    assert count(engine, "person") == 0
    under = b"".join(team.splitlines(keepends=True)[:21])
    assert push(app, "team", under, token).status == 200  # under the limit, it loads
    assert count(engine, "person") == 20
