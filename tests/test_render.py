"""Block Kit drawn in the terminal: mrkdwn becomes styles, mentions names, buttons brackets."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, HeaderBlock, SectionBlock

from bot.cli.mrkdwn import mrkdwn_text, mrkdwn_to_markup
from bot.cli.render import render_message

NAMES = {"U01DANA": "Dana Ortiz", "C0NORTH": "cs-northstar"}


def rendered(blocks: list[Any], *, text: str = "fallback", title: str = "DM — Dana Ortiz") -> str:
    console = Console(record=True, width=100, color_system=None)
    render_message(console, title=title, blocks=blocks, text=text, names=NAMES)
    return console.export_text()


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": label,
    }
    if style:
        element["style"] = style
    return element


def test_the_panel_is_titled_like_the_slack_surface() -> None:
    out = rendered([mrkdwn("hello")], title="/myload — Dana Ortiz (ephemeral)")
    assert "/myload — Dana Ortiz (ephemeral)" in out.splitlines()[0]
    assert "hello" in out


def test_formatting_markers_become_styles() -> None:
    out = rendered([mrkdwn("You carry *143 accounts*, _over band_, ~old~ and `code`")])
    assert "You carry 143 accounts, over band, old and code" in out
    styles = {str(span.style) for span in mrkdwn_text("*a* _b_ ~c~ `d`").spans}
    assert {"bold", "italic", "strike", "cyan"} <= styles


def test_markers_inside_words_are_left_alone() -> None:
    out = rendered([mrkdwn("snake_case_name costs 2*3*4 and *not bold*x")])
    assert "snake_case_name costs 2*3*4 and *not bold*x" in out


def test_nested_formatting() -> None:
    assert mrkdwn_to_markup("*bold _and italic_*") == "[bold]bold [italic]and italic[/][/]"


def test_mentions_channels_and_links_are_resolved() -> None:
    out = rendered(
        [
            mrkdwn(
                "*<@U01DANA>*, see <https://example.com/a_b?x=1|the guide> in <#C0NORTH>, "
                "<#C0OTHER|general> or ask <@U0NOBODY> <!here>"
            )
        ]
    )
    assert "@Dana Ortiz, see the guide in #cs-northstar, #general or ask @U0NOBODY @here" in out
    assert "https://" not in out


def test_slack_entities_are_decoded() -> None:
    assert "Tom & Jerry <3 >" in rendered([mrkdwn("Tom &amp; Jerry &lt;3 &gt;")])


def test_emoji_shortcodes_become_emoji_and_unknown_ones_stay() -> None:
    out = rendered(
        [mrkdwn(":red_circle: over :chart_with_downwards_trend: :white_check_mark: :no_such_emoji:")]
    )
    assert "🔴 over 📉 ✅ :no_such_emoji:" in out


def test_buttons_are_drawn_in_brackets() -> None:
    section = mrkdwn("*Kestrel Energy* — review overdue") | {"accessory": button("Open")}
    actions = {
        "type": "actions",
        "elements": [button("Mark done", "primary"), button("Snooze a week"), button("Skip", "danger")],
    }
    out = rendered([section, actions])
    assert "[ Open ]" in out
    assert "[ Mark done ]  [ Snooze a week ]  [ Skip ]" in out


def test_rich_markup_in_user_text_is_not_interpreted() -> None:
    hostile = "[red]Acme[/red] [/] [link=x]y[/link] \\"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": hostile}},
        mrkdwn(hostile),
        {
            "type": "section",
            "fields": [{"type": "plain_text", "text": hostile}, {"type": "mrkdwn", "text": hostile}],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": hostile}]},
        {"type": "actions", "elements": [button("[red]Go[/red]")]},
    ]
    out = rendered(blocks, title="[green]title[/green]")
    assert out.count(hostile) == 5
    assert "[green]title[/green]" in out
    assert "[ [red]Go[/red] ]" in out
    names = {"U1": "[bold]Eve[/bold]\\"}
    assert mrkdwn_text("<@U1> and *tail\\*", names).plain == "@[bold]Eve[/bold]\\ and tail\\"


def test_fields_context_and_divider() -> None:
    blocks = [
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Segment*\nSMB"},
                {"type": "mrkdwn", "text": "*Band*\n125–200"},
            ],
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Vitally survey"}, {"type": "plain_text", "text": "23%"}],
        },
    ]
    out = rendered(blocks)
    assert "Segment" in out and "125–200" in out and "SMB" in out
    assert "─" * 50 in out
    assert "Vitally survey  23%" in out


def test_rich_text_blocks_get_a_plain_rendering() -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Call "},
                    {"type": "user", "user_id": "U01DANA"},
                    {"type": "text", "text": " today", "style": {"bold": True}},
                    {"type": "emoji", "name": "warning"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "ordered",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "first"}]},
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "link", "url": "https://x.example", "text": "second"}],
                    },
                ],
            },
        ],
    }
    out = rendered([block])
    assert "Call @Dana Ortiz today⚠" in out
    assert "1. first" in out and "2. second" in out


def test_fallback_text_when_there_are_no_blocks() -> None:
    out = rendered([], text="*3 accounts* need you today, <@U01DANA>")
    assert "3 accounts need you today, @Dana Ortiz" in out


def test_slack_sdk_block_objects_render_too() -> None:
    blocks = [
        HeaderBlock(text="Your book"),
        SectionBlock(text="*12* accounts"),
        ActionsBlock(elements=[ButtonElement(text="Mark done", action_id="done", style="primary")]),
    ]
    out = rendered(blocks)
    assert "Your book" in out and "12 accounts" in out and "[ Mark done ]" in out


def test_unknown_blocks_are_named_not_dropped() -> None:
    assert "[video block]" in rendered([{"type": "video"}])


HOSTILE = "Evil\x1b[31m Corp\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\x07\x08\r\nForged line\x9b2J"


def test_control_characters_and_terminal_sequences_never_reach_the_terminal() -> None:
    import io

    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None, force_terminal=False)
    blocks: list[Any] = [
        {"type": "header", "text": {"type": "plain_text", "text": HOSTILE}},
        mrkdwn(f"*{HOSTILE}* · <@U01DANA>"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": HOSTILE}]},
        {"type": "actions", "elements": [button(HOSTILE)]},
    ]
    render_message(console, title=f"DM — {HOSTILE}", blocks=blocks, text=HOSTILE, names={"U01DANA": HOSTILE})
    render_message(console, title="no blocks", blocks=[], text=HOSTILE)
    printed = out.getvalue()
    assert not any(c in printed for c in "\x1b\x07\x08\r\x9b"), repr(printed)
    assert "Evil Corp" in printed and "click" in printed
