from pathlib import Path

import pytest

from bot.config import InvalidSettings, MissingSetting, Settings, allows, load_settings


def test_heroku_postgres_url_is_accepted_and_points_at_psycopg() -> None:
    settings = Settings(_env_file=None, database_url="postgres://u:p@db.example.com:5432/app")
    assert settings.database_url == "postgresql+psycopg://u:p@db.example.com:5432/app"


def test_default_database_is_a_sqlite_file_in_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url == "sqlite:///csm-coach.db"


def test_admins_are_read_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSM_COACH_ADMINS", "U01, U02,,U03")
    assert Settings(_env_file=None).csm_coach_admins == {"U01", "U02", "U03"}


def test_a_missing_token_names_the_variable() -> None:
    with pytest.raises(MissingSetting, match="^SLACK_BOT_TOKEN is not set"):
        Settings(_env_file=None).require("slack_bot_token")


def test_settings_come_from_a_dotenv_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET=shh\nPORT=4100\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.port == 4100 and settings.secret("slack_signing_secret") == "shh"
    assert "shh" not in repr(settings)


def test_slack_api_url_always_ends_with_a_slash() -> None:
    assert (
        Settings(_env_file=None, slack_api_url="http://127.0.0.1:9/api").slack_api_url
        == "http://127.0.0.1:9/api/"
    )


def test_decline_rules_come_from_settings() -> None:
    rules = Settings(_env_file=None, decline_threshold=0.4, decline_recent_days=14).decline_rules()
    assert (rules.threshold, rules.recent_days, rules.baseline_days) == (0.4, 14, 28)


def test_review_cadence_days_is_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_CADENCE_DAYS", '{"enterprise": 60, "smb": 0}')
    assert Settings(_env_file=None).review_cadence_days == {"enterprise": 60, "smb": 0}


def test_review_cadence_keys_are_segments_named_as_the_accounts_file_names_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REVIEW_CADENCE_DAYS", '{"Mid Market": 100, "ENT": 45, "Digital / SMB": 0}')
    assert Settings(_env_file=None).review_cadence_days == {"mid_market": 100, "enterprise": 45, "smb": 0}


@pytest.mark.parametrize("url", ["mysql://u@db.example.com/app", "oracle://u@db/app", "duckdb:///x.db"])
def test_database_url_must_be_sqlite_or_postgresql(url: str) -> None:
    with pytest.raises(InvalidSettings, match="^DATABASE_URL is not valid: a SQLite or PostgreSQL"):
        load_settings(_env_file=None, database_url=url)


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "DECLINE_THRESHOLD",
            "abc",
            "DECLINE_THRESHOLD=abc is not valid: a number greater than 0 and at most 1",
        ),
        (
            "DECLINE_THRESHOLD",
            "nan",
            "DECLINE_THRESHOLD=nan is not valid: a number greater than 0 and at most 1",
        ),
        ("DECLINE_THRESHOLD", "0", "DECLINE_THRESHOLD=0 is not valid: a number greater than 0 and at most 1"),
        ("DECLINE_RECENT_DAYS", "1.5", "DECLINE_RECENT_DAYS=1.5 is not valid: a whole number from 1 to 90"),
        (
            "DECLINE_BASELINE_DAYS",
            "366",
            "DECLINE_BASELINE_DAYS=366 is not valid: a whole number from 1 to 365",
        ),
        (
            "DECLINE_NOISE_FLOOR",
            "-1",
            "DECLINE_NOISE_FLOOR=-1 is not valid: a number from 0 to 1,000,000,000,000",
        ),
        ("SNOOZE_DAYS", "", "SNOOZE_DAYS= is not valid: a whole number from 1 to 90"),
        ("STALE_AFTER_DAYS", "31", "STALE_AFTER_DAYS=31 is not valid: a whole number from 1 to 30"),
        ("DM_MAX_ACCOUNTS", "21", "DM_MAX_ACCOUNTS=21 is not valid: a whole number from 1 to 20"),
        ("DM_MAX_STEPS", "0", "DM_MAX_STEPS=0 is not valid: a whole number from 1 to 20"),
        (
            "REVIEW_CATCHUP_PER_WEEK",
            "0",
            "REVIEW_CATCHUP_PER_WEEK=0 is not valid: a whole number from 1 to 100",
        ),
        (
            "PLAN_PROTECT_RENEWAL_DAYS",
            "-1",
            "PLAN_PROTECT_RENEWAL_DAYS=-1 is not valid: a whole number from 0 to 730",
        ),
        ("PLAN_HOLD_DAYS", "366", "PLAN_HOLD_DAYS=366 is not valid: a whole number from 0 to 365"),
        ("PORT", "65536", "PORT=65536 is not valid: a whole number from 1 to 65535"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY=0 is not valid: a whole number from 1 to 64"),
        ("SYNC_TIME", "24:00", "SYNC_TIME=24:00 is not valid: a time HH:MM from 00:00 to 23:59 (UTC)"),
        (
            "INGEST_MAX_BYTES",
            "1023",
            "INGEST_MAX_BYTES=1023 is not valid: a whole number from 1024 to 1,073,741,824",
        ),
        (
            "SLACK_API_URL",
            "slack.com/api",
            "SLACK_API_URL=slack.com/api is not valid: an http:// or https:// URL",
        ),
        (
            "CSM_COACH_ADMINS",
            "U024BE7LH,ana@example.com",
            "CSM_COACH_ADMINS=U024BE7LH,ana@example.com is not valid: Slack user ids (like U024BE7LH) "
            "separated by commas",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable_and_what_it_allows(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, line: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None)
    assert caught.value.lines == [line]


@pytest.mark.parametrize(
    "value",
    [
        "{bad",
        '{"smb": -1}',
        '{"smb": 3651}',
        "[90]",
        '{"smb": "often"}',
        '{"Gold": 90}',
        '{"large": 9, "LARGE": 8}',
    ],
)
def test_a_bad_cadence_is_one_line_whatever_is_wrong_with_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("REVIEW_CADENCE_DAYS", value)
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None)
    assert caught.value.lines == [
        f"REVIEW_CADENCE_DAYS={value} is not valid: a JSON object of segments (smb, mid_market, large, "
        'enterprise) and whole days from 0 to 3650, e.g. {"enterprise": 90, "large": 120, "smb": 0}'
    ]


def test_a_bad_database_url_is_named_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres//admin:hunter2@db/app")
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None)
    assert caught.value.lines[0].startswith("DATABASE_URL is not valid: a SQLite or PostgreSQL database URL")
    assert "hunter2" not in str(caught.value)


def test_a_long_or_hostile_value_is_shortened_and_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_TIME", "\x1b[2J" + "9" * 100)
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None)
    (line,) = caught.value.lines
    assert line.startswith("SYNC_TIME=\\x1b[2J999") and "…" in line and "\x1b" not in line
    assert len(line) < 130


def test_a_bad_value_in_dotenv_says_it_is_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DM_MAX_STEPS=lots\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidSettings) as caught:
        load_settings()
    assert caught.value.lines == ["DM_MAX_STEPS=lots (in .env) is not valid: a whole number from 1 to 20"]


def test_every_setting_says_what_it_allows() -> None:
    for name, field in Settings.model_fields.items():
        words = allows(name)
        assert words.startswith(("a ", "an ", "Slack ")), name
        if field.annotation in (int, float):
            assert "from" in words or "at most" in words, name  # a number is always bounded
    assert allows("decline_threshold") == "a number greater than 0 and at most 1"


def test_post_days_are_weekday_names_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POST_DAYS", "Mon, wednesday,SUN")
    assert Settings(_env_file=None).post_days == {0, 2, 6}
    assert Settings(_env_file=None, catch_up_hours=0).catch_up_hours == 0


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("POST_DAYS", "mon,funday", "POST_DAYS=mon,funday is not valid: a list of weekday names"),
        ("POST_DAYS", "", "POST_DAYS= is not valid: a list of weekday names"),
        ("CATCH_UP_HOURS", "30", "CATCH_UP_HOURS=30 is not valid: a whole number from 0 to 23"),
    ],
)
def test_working_days_settings_are_bounded(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, line: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as raised:
        load_settings(_env_file=None)
    assert raised.value.lines[0].startswith(line), raised.value.lines
