"""Starting `run`, `serve` and `clock`: tokens first, then the database; whatever is wrong is one
line naming it, with exit status 2, and nothing done before it (no migration, no message).

The refusals run the verbs in process (`cli`: the same `main`, through Typer's runner); one runs
the installed `csm-coach` as a process, and `serve` starts as one, for what only a process shows
(its exit status from the console script, nothing else on its output)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import company
from tests.support.processes import Cli, ServeApp, free_port
from tests.support.slack_standin import APP_TOKEN, BOT_TOKEN, SlackStandIn

pytestmark = pytest.mark.database_agnostic  # start-up checks come before any query: the same on any database


@pytest.fixture
def serve_app(serve_process: ServeApp) -> ServeApp:
    """Here `serve` runs as a process: its start-up checks come before it listens."""
    return serve_process


VERBS = ("serve", "clock", "run")


def start_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """What every long-running verb needs, on a database file that does not exist yet: a start that
    stops before migrating leaves it absent."""
    return {
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}",
        **settings,
    }


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


@pytest.mark.parametrize(
    ("verb", "variable", "token"),
    [
        ("serve", "SLACK_BOT_TOKEN", "abc"),
        ("clock", "SLACK_BOT_TOKEN", "xoxp-1234-user-token"),
        ("run", "SLACK_BOT_TOKEN", APP_TOKEN),
        ("run", "SLACK_APP_TOKEN", BOT_TOKEN),
    ],
)
def test_a_token_of_the_wrong_shape_stops_the_start_before_slack_or_the_database_hears_of_it(
    cli: Cli, slack: SlackStandIn, tmp_path: Path, verb: str, variable: str, token: str
) -> None:
    result = cli.run(verb, env=start_env(tmp_path, **{variable: token}))

    assert result.returncode == 2
    prefix = "xoxb-" if variable == "SLACK_BOT_TOKEN" else "xapp-"
    assert one_line(result.stdout).startswith(f"csm-coach: {variable} is not ")
    assert f"it starts with {prefix}" in result.stdout and token not in result.stdout
    assert slack.calls() == []
    assert not (tmp_path / "never.db").exists()


def test_as_a_process_too_a_refused_start_is_one_line_and_exit_status_2(
    cli_process: Cli, slack: SlackStandIn, tmp_path: Path
) -> None:
    result = cli_process.run("clock", env=start_env(tmp_path, SLACK_BOT_TOKEN="abc"))

    assert result.returncode == 2
    assert one_line(result.stdout).startswith("csm-coach: SLACK_BOT_TOKEN is not ")
    assert slack.calls() == []
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize("verb", VERBS)
def test_a_bot_token_slack_does_not_know_stops_the_start_after_one_auth_test(
    cli: Cli, slack: SlackStandIn, tmp_path: Path, verb: str
) -> None:
    result = cli.run(verb, env=start_env(tmp_path, SLACK_BOT_TOKEN="xoxb-0000-not-installed"))

    assert result.returncode == 2
    assert one_line(result.stdout).startswith(
        "csm-coach: SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy it again"
    )
    assert [(c.method, c.token) for c in slack.calls()] == [("auth.test", "xoxb-0000-not-installed")]
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize("refusal", ["token_revoked", "account_inactive"])
def test_a_bot_token_slack_has_revoked_stops_the_clock_and_nothing_is_sent(
    cli: Cli, slack: SlackStandIn, tmp_path: Path, refusal: str
) -> None:
    slack.revoke(BOT_TOKEN, refusal)

    result = cli.run("clock", env=start_env(tmp_path))

    assert result.returncode == 2
    assert f"SLACK_BOT_TOKEN was refused by Slack ({refusal})" in one_line(result.stdout)
    assert slack.methods() == ["auth.test"]


def test_run_asks_slack_about_the_app_token_too(cli: Cli, slack: SlackStandIn, tmp_path: Path) -> None:
    result = cli.run("run", env=start_env(tmp_path, SLACK_APP_TOKEN="xapp-1-not-this-app"))

    assert result.returncode == 2
    assert one_line(result.stdout).startswith(
        "csm-coach: SLACK_APP_TOKEN was refused by Slack (invalid_auth)"
    )
    assert slack.methods() == ["auth.test", "apps.connections.open"]
    assert not (tmp_path / "never.db").exists()


def test_slack_out_of_reach_is_said_in_one_line_after_a_few_tries(cli: Cli, tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"

    result = cli.run("clock", env=start_env(tmp_path, SLACK_API_URL=nowhere))

    assert result.returncode == 1
    line = one_line(result.stdout)
    assert line.startswith(f"csm-coach: cannot check SLACK_BOT_TOKEN: Slack at {nowhere} cannot be reached")
    assert "after 4 tries" in line and "SLACK_API_URL" in line
    assert not (tmp_path / "never.db").exists()


def test_serve_checks_its_token_once_and_starts_without_a_warning(serve_app: ServeApp) -> None:
    app = serve_app()

    assert [(c.method, c.token) for c in app.startup_calls] == [("auth.test", BOT_TOKEN)]
    assert "will be unused" not in app.logs() and "WARNING" not in app.logs()


@pytest.mark.parametrize(
    ("verb", "url", "said"),
    [
        (
            "migrate",
            "mysql://csm:hunter2@db.example.com/coach",
            "DATABASE_URL is not valid: a SQLite or PostgreSQL database URL",
        ),
        ("clock", "sqlite:///{tmp}/no/such/dir/coach.db", "DATABASE_URL: cannot use the SQLite file {tmp}"),
        ("serve", "postgresql://csm:hunter2@127.0.0.1:{port}/coach", "DATABASE_URL: cannot use postgresql"),
        ("import", "postgresql+psycopg2://csm@127.0.0.1/coach", "needs the Python module psycopg2"),
    ],
    ids=["unsupported-dialect", "sqlite-directory-missing", "server-refuses", "driver-missing"],
)
def test_a_database_that_cannot_be_had_is_one_line_naming_database_url(
    cli: Cli, tmp_path: Path, verb: str, url: str, said: str
) -> None:
    if "psycopg2" in url and importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed here")
    port = str(free_port())
    args = ("import", "team", str(tmp_path / "team.csv")) if verb == "import" else (verb,)
    (tmp_path / "team.csv").write_text("slack_user_id,email,name,team,role,timezone\n", encoding="utf-8")

    result = cli.run(
        *args,
        env=start_env(tmp_path, DATABASE_URL=url.format(tmp=tmp_path, port=port)),
    )

    assert result.returncode == 2
    line = one_line(result.stdout)
    assert line.startswith("csm-coach: ") and said.format(tmp=tmp_path) in line
    assert "hunter2" not in line


@pytest.mark.parametrize("where", ["no/such/dir/moves.csv", "."], ids=["missing-directory", "a-directory"])
def test_plan_csv_where_no_file_can_be_written_is_one_line_before_any_plan(
    cli: Cli, engine: Engine, tmp_path: Path, where: str
) -> None:
    company.load(engine, tmp_path)
    target = tmp_path / where

    result = cli.run("plan", "--csv", str(target))

    assert result.returncode == 2
    problem = "is a directory" if target.is_dir() else f"no such directory {target.parent}"
    assert one_line(result.stdout) == f"csm-coach: --csv {target}: {problem}"
