"""Help, refusals and other short answers; help states the rules as they are set."""

from __future__ import annotations

from bot.domain.playbooks import NUDGE_AHEAD_DAYS
from bot.slack.blocks.common import Message, RulesInForce, context, mention, plural, section


def rules_line(rules: RulesInForce) -> str:
    """The morning's rules in the settings in force, for every help text."""
    return (
        "*Each morning* your DM names at most "
        f"{plural(rules.dm_max_accounts, 'declining account')} (usage down at least {rules.percent} over "
        f"{rules.windows}, money at risk first) and {plural(rules.dm_max_steps, 'playbook step')} "
        f"(overdue or due within {NUDGE_AHEAD_DAYS} days; overdue first, the account renewing soonest "
        "first); App Home lists the rest. *Snooze* hides an item for "
        f"{plural(rules.snooze_days, 'day')}; an overdue backlog is planned at "
        f"{rules.catchup_per_week} a week."
    )


def myload_help(rules: RulesInForce) -> Message:
    return Message(
        text="/myload shows your book of accounts against the recommended band.",
        blocks=[
            section(
                "*`/myload`* — your book of accounts against the recommended band for each segment:\n"
                "• accounts per segment and each segment's band (Digital/SMB 125–200, Mid-market 80–125, "
                "Large 40–80, Enterprise 10–40 by default)\n"
                "• the verdict for the whole book — *over*, *within* or *under* band — weighing each "
                "segment against its own band, and how many more accounts fit\n"
                "• where your book sits among other SaaS companies"
            ),
            section(
                "*`/myload @someone`* — someone else's book; for their manager or an admin.\n"
                "*`/myload help`* — this message. Managers: try *`/teamload`*."
            ),
            section(rules_line(rules)),
            context("Only you can see this reply."),
        ],
    )


def teamload_help(rules: RulesInForce) -> Message:
    return Message(
        text="/teamload shows one line per CSM of your team with load and verdict.",
        blocks=[
            section(
                "*`/teamload`* — for managers and admins: one line per CSM of your team, highest load "
                "first, with the verdict against the band.\n"
                "*`/teamload TEAM`* — another team (admins).\n"
                "*`/teamload plan [TEAM]`* — the team's rebalancing plan: which accounts to move to whom so "
                "every book fits its band, and how many more CSMs it takes when they cannot all fit; "
                "an *Apply plan* button makes the moves after a confirmation.\n"
                "*`/teamload week [TEAM]`* — the manager's week: the declines of the week just ended and who "
                "acted on them, the alerts nobody claimed, reviews done and overdue, whether reaching out "
                "goes with recovery, and each CSM's load (your team's managers get it as a DM each week).\n"
                "*`/teamload channel`* — make this channel your team's channel for the daily post.\n"
                "*`/teamload help`* — this message."
            ),
            section(
                "*The daily post* lists the team's accounts whose usage is down at least "
                f"{rules.percent} over {rules.windows}, grouped by CSM, money at risk first. "
                + rules_line(rules)
            ),
            context("Only you can see this reply."),
        ],
    )


def not_in_roster(user_id: str) -> Message:
    return Message(
        text="You are not in the csm-coach roster yet.",
        blocks=[
            section(
                f"{mention(user_id)}, you are not in the csm-coach roster yet, so there is no book to "
                "show. Ask your manager or a csm-coach admin to add a row for you to the team file "
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
