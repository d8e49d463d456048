import pytest

from bot.config import MissingSetting, Settings


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
