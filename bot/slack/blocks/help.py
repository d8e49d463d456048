"""Help, refusals and other short answers."""

from __future__ import annotations

from bot.slack.blocks.common import Message, context, section

MYLOAD_HELP = Message(
    text="/myload shows your book of accounts against the recommended band.",
    blocks=[
        section(
            "*`/myload`* — your book of accounts against the recommended band for each segment:\n"
            "• accounts per segment and each segment's band (Digital/SMB 125–200, Mid-market 80–125, "
            "Large 40–80, Enterprise 10–40 by default)\n"
            "• the verdict for the whole book — *over*, *within* or *under* band — weighing each segment "
            "against its own band, and how many more accounts fit\n"
            "• where your book sits among other SaaS companies"
        ),
        section(
            "*`/myload @someone`* — someone else's book; for their manager or an admin.\n"
            "*`/myload help`* — this message. Managers: try *`/teamload`*."
        ),
        context("Only you can see this reply."),
    ],
)

TEAMLOAD_HELP = Message(
    text="/teamload shows one line per CSM of your team with load and verdict.",
    blocks=[
        section(
            "*`/teamload`* — for managers and admins: one line per CSM of your team, highest load first, "
            "with the verdict against the band.\n"
            "*`/teamload TEAM`* — another team (admins).\n"
            "*`/teamload channel`* — make this channel your team's channel for the daily post.\n"
            "*`/teamload help`* — this message."
        ),
        context("Only you can see this reply."),
    ],
)


def not_in_roster(user_id: str) -> Message:
    return Message(
        text="You are not in the csm-coach roster yet.",
        blocks=[
            section(
                f"<@{user_id}>, you are not in the csm-coach roster yet, so there is no book to show. "
                "Ask your manager or a csm-coach admin to add a row for you to the team file "
                "(`slack_user_id,email,name,team,role,timezone`) and run `csm-coach import team FILE.csv`."
            )
        ],
    )


VIEW_REFUSED = Message(
    text="Only a person's manager or an admin can see their book.",
    blocks=[
        section(
            "You can see another person's book only as their manager or a csm-coach admin. "
            "`/myload` on its own shows yours."
        )
    ],
)

TEAMLOAD_REFUSED = Message(
    text="/teamload is for managers and admins.",
    blocks=[
        section(
            "`/teamload` is for managers and csm-coach admins (a manager sees their own team). "
            "`/myload` shows your own book."
        )
    ],
)
