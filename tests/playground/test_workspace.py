"""The playground's Slack side on its own: its Web API answers as Slack's does, refusals included."""

from __future__ import annotations

import json

import pytest

from bot.playground.workspace import Channel, Hook, Member, Workspace, dm_of

TOKEN = "xoxb-playground-test"


@pytest.fixture
def workspace() -> Workspace:
    members = [
        Member(id="U0DANA", name="Dana", email="dana@example.com", role="csm", team="Harbor"),
        Member(id="U0ELI", name="Eli", email="eli@example.com", role="csm", team="Harbor"),
    ]
    return Workspace(
        bot_token=TOKEN, members=members, channels=[Channel("C0HARBOR", "team-harbor", "channel")]
    )


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_a_message_to_a_user_lands_in_the_apps_dm_with_them(workspace: Workspace) -> None:
    answer = workspace.call("chat.postMessage", {"channel": "U0DANA", "text": "hi", "blocks": "[]"}, TOKEN)
    assert answer["ok"] and answer["channel"] == dm_of("U0DANA") == "D0DANA"
    seen = workspace.seen_by("U0DANA")["posts"]
    assert [p["text"] for p in seen["D0DANA"]] == ["hi"]
    assert "D0DANA" not in workspace.seen_by("U0ELI")["posts"]


def test_only_the_apps_token_is_taken(workspace: Workspace) -> None:
    assert workspace.call("auth.test", {}, None) == {"ok": False, "error": "not_authed"}
    assert workspace.call("auth.test", {}, "xoxb-other") == {"ok": False, "error": "invalid_auth"}
    assert workspace.call("auth.test", {}, TOKEN)["user_id"]


def test_what_slack_refuses_is_refused(workspace: Workspace) -> None:
    too_many = json.dumps([section("x")] * 51)
    assert workspace.call("chat.postMessage", {"channel": "C0HARBOR", "blocks": too_many}, TOKEN)[
        "error"
    ] == ("msg_blocks_too_long")
    assert workspace.call("chat.postMessage", {"channel": "C0HARBOR"}, TOKEN)["error"] == "no_text"
    assert workspace.call("chat.postMessage", {"channel": "U0NOBODY", "text": "x"}, TOKEN)["error"] == (
        "channel_not_found"
    )
    assert workspace.call("chat.unknownMethod", {}, TOKEN)["error"] == "unknown_method"


def test_an_update_edits_in_place_and_blocks_get_ids(workspace: Workspace) -> None:
    posted = workspace.call(
        "chat.postMessage", {"channel": "C0HARBOR", "text": "a", "blocks": [section("a")]}, TOKEN
    )
    block_id = posted["message"]["blocks"][0]["block_id"]
    assert block_id
    workspace.call(
        "chat.update",
        {"channel": "C0HARBOR", "ts": posted["ts"], "text": "b", "blocks": [section("b")]},
        TOKEN,
    )
    posts = workspace.seen_by("U0DANA")["posts"]["C0HARBOR"]
    assert len(posts) == 1 and posts[0]["text"] == "b" and posts[0]["edited"]


def test_ephemeral_messages_are_seen_by_one_person_and_never_updated(workspace: Workspace) -> None:
    answer = workspace.call(
        "chat.postEphemeral", {"channel": "C0HARBOR", "user": "U0ELI", "text": "psst"}, TOKEN
    )
    assert [p["text"] for p in workspace.seen_by("U0ELI")["posts"]["C0HARBOR"]] == ["psst"]
    assert workspace.seen_by("U0DANA")["posts"]["C0HARBOR"] == []
    refused = workspace.call(
        "chat.update", {"channel": "C0HARBOR", "ts": answer["message_ts"], "text": "x"}, TOKEN
    )
    assert refused["error"] == "cant_update_message"


def test_a_modal_opens_once_per_trigger_for_the_person_who_clicked(workspace: Workspace) -> None:
    trigger = workspace.trigger_for("U0DANA")
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [section("x")]}
    opened = workspace.call("views.open", {"trigger_id": trigger, "view": json.dumps(view)}, TOKEN)
    assert opened["ok"] and workspace.seen_by("U0DANA")["modal"]["id"] == opened["view"]["id"]
    assert workspace.seen_by("U0ELI")["modal"] is None
    again = workspace.call("views.open", {"trigger_id": trigger, "view": view}, TOKEN)
    assert again["error"] == "invalid_trigger_id"
    updated = workspace.call(
        "views.update", {"view_id": opened["view"]["id"], "view": {**view, "blocks": []}}, TOKEN
    )
    assert updated["ok"] and workspace.seen_by("U0DANA")["modal"]["view"]["blocks"] == []


def test_app_home_is_published_per_person(workspace: Workspace) -> None:
    home = {"type": "home", "blocks": [section("your book")]}
    assert workspace.call("views.publish", {"user_id": "U0ELI", "view": home}, TOKEN)["ok"]
    assert workspace.seen_by("U0ELI")["home"]["view"]["blocks"][0]["text"]["text"] == "your book"
    assert workspace.seen_by("U0DANA")["home"] is None


def test_users_are_found_by_email(workspace: Workspace) -> None:
    assert workspace.call("users.lookupByEmail", {"email": "ELI@example.com"}, TOKEN)["user"]["id"] == "U0ELI"
    assert (
        workspace.call("users.lookupByEmail", {"email": "x@example.com"}, TOKEN)["error"] == "users_not_found"
    )


def test_an_answer_that_replaces_a_command_ack_still_on_its_way_waits_for_it(workspace: Workspace) -> None:
    ts = workspace.next_ts()
    key = workspace.hook_for(Hook(user="U0DANA", channel="C0HARBOR", post_ts=ts, ephemeral=True))
    workspace.respond(key, {"text": "the plan", "replace_original": True})
    assert workspace.early[("C0HARBOR", ts)] == ("the plan", [])
    assert workspace.seen_by("U0DANA")["posts"]["C0HARBOR"] == []


def test_a_response_url_answers_only_the_person_by_default(workspace: Workspace) -> None:
    key = workspace.hook_for(Hook(user="U0DANA", channel="C0HARBOR", post_ts=None, ephemeral=True))
    workspace.respond(key, {"text": "only you"})
    assert [p["ephemeral"] for p in workspace.seen_by("U0DANA")["posts"]["C0HARBOR"]] == [True]
    assert workspace.seen_by("U0ELI")["posts"]["C0HARBOR"] == []
