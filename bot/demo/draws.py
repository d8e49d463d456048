"""Small draws for the synthetic company: names, ARR, dates. Only the `rng` given decides."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from bot.demo.words import COMPANY_PREFIXES, COMPANY_SUFFIXES, COMPANY_TRADES, LEGAL_FORMS

ARR_RANGE = {
    "smb": (2_000, 15_000),
    "mid_market": (15_000, 60_000),
    "large": (60_000, 200_000),
    "enterprise": (200_000, 1_200_000),
}
REVIEW_CADENCE = {"mid_market": 180, "large": 120, "enterprise": 90}


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def company_name(rng: random.Random, used: set[str]) -> str:
    name = ""
    for attempt in range(12):
        prefix = rng.choice(COMPANY_PREFIXES)
        if attempt >= 2 or rng.random() < 0.5:
            prefix += rng.choice(COMPANY_SUFFIXES)
        name = f"{prefix} {rng.choice(COMPANY_TRADES)}{rng.choice(LEGAL_FORMS)}"
        if name not in used:
            break
    else:
        name = f"{name} {len(used)}"
    used.add(name)
    return name


def arr(rng: random.Random, segment: str) -> str:
    low, high = ARR_RANGE[segment]
    step = 100 if high <= 60_000 else 1_000
    arr = max(low, round(log_uniform(rng, low, high) / step) * step)
    style = rng.random()
    return f"${arr:,}" if style < 0.25 else f"{arr}.00" if style < 0.35 else str(arr)


def next_anniversary(start: date, today: date) -> date:
    year = max(start.year + 1, today.year)
    while True:
        day = date(year, start.month, 28 if (start.month, start.day) == (2, 29) else start.day)
        if day > today:
            return day
        year += 1


def last_review(rng: random.Random, segment: str, start: date, today: date) -> str:
    cadence = REVIEW_CADENCE.get(segment)
    age = (today - start).days
    if age < 45 or rng.random() >= (0.7 if cadence else 0.05):
        return ""
    return (today - timedelta(days=rng.randint(7, min(age - 7, int((cadence or 365) * 1.4))))).isoformat()
