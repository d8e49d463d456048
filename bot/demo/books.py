"""CSM books for the synthetic company, planned so the demo shows every load verdict.

The verdicts: docs/how-it-works.md, "Is my book the right size?".
"""

from __future__ import annotations

import math
import random

from bot.domain.bands import DEFAULT_BANDS, Band, Verdict, book_load

# The default bands: the books are planned against them.
BANDS = DEFAULT_BANDS
_BAND = {b.key: b for b in BANDS}
_CSM_MIX = {"smb": 0.3, "mid_market": 0.25, "large": 0.25, "enterprise": 0.2}  # CSMs per main segment
_NEIGHBOUR = {"smb": "mid_market", "mid_market": "large", "large": "enterprise", "enterprise": "large"}
_W, _O, _U = Verdict.WITHIN, Verdict.OVER, Verdict.UNDER
_CYCLE = (_W, _O, _U, _W, _O, _W, _U, _W)  # verdict each CSM's book is planned for, in turn


def plan_books(rng: random.Random, csms: int, accounts: int) -> list[dict[str, int]]:
    """One book per CSM (segment -> count), aimed at a cycle of verdicts, adding up to `accounts`."""
    typical = {b.key: _typical_size(b) for b in BANDS}
    base = sum(_CSM_MIX[s] * typical[s] for s in typical)
    per_csm = accounts / csms
    toward = "smb" if per_csm > base else "enterprise"
    tilt = min(1.0, abs(per_csm - base) / abs(typical[toward] - base))
    mix = {s: (1 - tilt) * p + (tilt if s == toward else 0) for s, p in _CSM_MIX.items()}
    counts = {s: math.floor(p * csms) for s, p in mix.items()}
    for s in sorted(mix, key=lambda s: counts[s] - mix[s] * csms)[: csms - sum(counts.values())]:
        counts[s] += 1
    mains = [s for s, n in counts.items() for _ in range(n)]
    rng.shuffle(mains)
    targets = [_CYCLE[i % len(_CYCLE)] for i in range(csms)]
    books = [
        _book(rng, targets[i], mains[i], _NEIGHBOUR[mains[i]] if i % 5 in (1, 3) else None)
        for i in range(csms)
    ]

    # The planned sizes rarely add up to `accounts`: spread the difference where it keeps each verdict,
    # within and under books only up to just short of the edge they must not cross; over books take the rest.
    diff = accounts - sum(sum(b.values()) for b in books)
    for target in (_W, _U, _O, None) if diff > 0 else (_U, _W, _O, None):
        if diff == 0:
            break
        members = [i for i, v in enumerate(targets) if target in (None, v)]
        rooms = {i: _room(books[i], target, grow=diff > 0, spare=abs(diff)) for i in members}
        diff -= (1 if diff > 0 else -1) * _spread(books, rooms, abs(diff), grow=diff > 0)
    return books


def _typical_size(band: Band) -> float:
    sizes = {
        Verdict.OVER: 1.25 * band.high,
        Verdict.UNDER: 0.72 * band.low,
        Verdict.WITHIN: (band.low + band.high) / 2,
    }
    return sum(sizes[v] for v in _CYCLE) / len(_CYCLE)


def _book(rng: random.Random, target: Verdict, main: str, second: str | None) -> dict[str, int]:
    share = rng.uniform(0.65, 0.8) if second else 1.0
    weights = {main: share} | ({second: 1 - share} if second else {})
    per_top = sum(w / _BAND[s].high for s, w in weights.items())  # load_at_top added per account
    per_bottom = sum(w / _BAND[s].low for s, w in weights.items())
    if target is Verdict.OVER:
        size = rng.uniform(1.1, 1.4) / per_top
    elif target is Verdict.UNDER:
        size = rng.uniform(0.55, 0.9) / per_bottom
    else:
        lo, hi = 1 / per_bottom, 1 / per_top
        size = rng.uniform(lo + 0.15 * (hi - lo), hi - 0.15 * (hi - lo))
    book = {s: round(w * size) for s, w in weights.items()}
    book[main] = max(1, book[main])
    for _ in range(1000):  # rounding can cross a band edge: walk back to the intended verdict
        verdict = book_load(book, BANDS).verdict
        step = 1 if target is Verdict.OVER or verdict is Verdict.UNDER else -1
        if verdict is target or book[main] + step < 1:
            break
        book[main] += step
    return book


def _room(book: dict[str, int], target: Verdict | None, *, grow: bool, spare: int) -> int:
    """How many accounts of its main segment a book can gain (or lose) and keep its verdict, with a margin."""
    band = _BAND[_main(book)]
    top = sum(n / _BAND[s].high for s, n in book.items())
    bottom = sum(n / _BAND[s].low for s, n in book.items())
    if grow:
        room: dict[Verdict | None, float] = {_W: (0.97 - top) * band.high, _U: (0.95 - bottom) * band.low}
        limit = room.get(target, spare)
        return max(0, math.floor(limit))
    if target is None:  # last resort: empty the book if need be
        return sum(book.values())
    limit = {_U: book[_main(book)] - 1, _O: (top - 1.1) * band.high, _W: (bottom - 1.1) * band.low}[target]
    return max(0, min(book[_main(book)] - 1, math.floor(limit)))


def _spread(books: list[dict[str, int]], rooms: dict[int, int], amount: int, *, grow: bool) -> int:
    """Add (or take) up to `amount` accounts in proportion to each book's room; returns how many moved."""
    total = sum(rooms.values())
    moved = min(amount, total)
    if moved <= 0:
        return 0
    shares = {i: moved * room // total for i, room in rooms.items()}
    short = moved - sum(shares.values())
    for i in sorted(rooms, key=lambda i: (moved * rooms[i]) % total, reverse=True)[:short]:
        shares[i] += 1
    for i, n in shares.items():
        if grow:
            books[i][_main(books[i])] += n
            continue
        for segment in sorted(books[i], key=lambda s: books[i][s], reverse=True):
            taken = min(n, books[i][segment])
            books[i][segment] -= taken
            n -= taken
    return moved


def _main(book: dict[str, int]) -> str:
    return max(book, key=lambda s: book[s])
