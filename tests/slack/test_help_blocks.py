from dataclasses import replace

from bot.slack.blocks.help import rules_line
from tests.support.samples import RULES


def test_the_rules_agree_with_a_budget_of_one() -> None:
    line = rules_line(replace(RULES, dm_max_accounts=1, dm_max_steps=1, snooze_days=1))
    assert "at most 1 declining account (usage" in line and "and 1 playbook step (overdue" in line
    assert "hides an item for 1 day;" in line
