"""`manifest.yml` is a valid Slack app manifest and matches what the app really serves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from pydantic import SecretStr
from slack_bolt import App
from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.app import create_app

REPO = Path(__file__).parents[1]
MANIFEST = REPO / "manifest.yml"
# Slack's own schema, vendored with its MIT licence (tests/data/slack/manifest.schema.LICENSE).
SCHEMA = Path(__file__).parent / "data" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    if not SCHEMA.exists():
        pytest.fail(f"Slack's manifest schema not found at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)

    errors = sorted(Draft7Validator(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))

    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
    # The schema states the colour rule under a non-standard "regex" key that validators skip.
    assert re.fullmatch(
        r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"]
    )


def test_manifest_commands_are_exactly_those_the_app_registers(
    manifest: dict[str, Any], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered: list[str] = []
    original = App.command

    def recording_command(self: App, command: str, *args: Any, **kwargs: Any) -> Any:
        registered.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(App, "command", recording_command)
    settings = Settings(
        _env_file=None, slack_bot_token=SecretStr("xoxb-test"), slack_signing_secret=SecretStr("secret")
    )
    create_app(settings, engine=engine)

    in_manifest = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert sorted(in_manifest) == sorted(registered) == ["/myload", "/teamload"]


def _urls(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("url") and isinstance(value, str):
                yield key, value
            else:
                yield from _urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _urls(item)


def test_every_manifest_url_is_the_one_slack_events_endpoint(manifest: dict[str, Any]) -> None:
    urls = list(_urls(manifest))

    # two slash commands, event subscriptions and interactivity
    assert len(urls) == 4, urls
    assert all(url.startswith("https://") and url.endswith("/slack/events") for _key, url in urls), urls
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
