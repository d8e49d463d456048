"""Property: whatever the sizes and settings, every builder's output is one Slack accepts."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.blocks.common import Message, RulesInForce
from tests.support.blockcheck import assert_valid_message, assert_valid_view
from tests.support.samples import Sizes, every_message

HOSTILE_BITS = [
    "<!channel>",
    "<https://evil.example|x>",
    "\n",
    "\x1b[31m",
    "&",
    "*",
    "`",
    "é",
    "😀",
    "\u202e",
]
names = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(HOSTILE_BITS), max_size=40).map("".join),
    st.integers(min_value=1, max_value=200).map(lambda n: "N" * n),
    st.integers(min_value=1, max_value=200).map(lambda n: "é" * n),
)
rules = st.builds(
    RulesInForce,
    threshold=st.floats(min_value=0.01, max_value=1.0),
    recent_days=st.integers(1, 90),
    baseline_days=st.integers(1, 365),
    snooze_days=st.integers(1, 90),
    catchup_per_week=st.integers(1, 100),
    dm_max_accounts=st.integers(1, 20),
    dm_max_steps=st.integers(1, 20),
)
sizes = st.builds(
    Sizes,
    declines=st.one_of(st.integers(0, 30), st.sampled_from([0, 300, 2000])),
    steps=st.one_of(st.integers(0, 30), st.sampled_from([0, 120, 500])),
    owners=st.integers(1, 50),
    name=names.map(lambda n: n.replace("{", "(").replace("}", ")") + " {i}"),
    person_name=names,
    team_name=names,
    label=st.one_of(st.none(), names.filter(bool)),
    dip=st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)),
    stale=st.booleans(),
)


def check(built: dict[str, object]) -> None:
    for value in built.values():
        if isinstance(value, Message):
            assert_valid_message({"text": value.text, "blocks": value.block_dicts()})
        else:
            assert isinstance(value, dict)
            assert_valid_view(value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=sizes, rules=rules)
def test_every_builder_fits_whatever_the_sizes_and_settings(sizes: Sizes, rules: RulesInForce) -> None:
    check(every_message(sizes, rules))


def test_the_largest_case_fits_and_the_dm_keeps_its_budget() -> None:
    big = Sizes(
        declines=2000, steps=500, owners=40, name="N" * 200 + " {i}", person_name="P" * 200, label="L" * 200
    )
    built = every_message(big)
    check(built)
    dm = built["dm"]
    assert isinstance(dm, Message)
    with_buttons = [b for b in dm.block_dicts() if b["type"] == "actions"]
    assert len(with_buttons) <= 10
    assert len(json.dumps(dm.block_dicts())) <= 12_000
