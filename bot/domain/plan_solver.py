"""The rebalancing MILP, solved with HiGHS (scipy.optimize.milp), on counts per CSM and segment.

Variables: g[i, s] ≥ 0 integer, accounts of segment s that CSM i hands over; r[j, s] ≥ 0 integer,
accounts of segment s that CSM j takes; o[i] ≥ 0, the overload left on over-band CSM i (integer
units, see `bot.domain.plan`). Rows: per segment, as many handed over as taken; a CSM not over band
ends within one full book; an over-band CSM's overload is at least what is left above a full book.

Counts per CSM rather than per (giver, receiver) pair: any giver of a segment may hand to any
receiver who owns it, so a transport between them always exists once the totals balance (nobody
both gives and takes one segment at an optimum: cancelling the two would save moves). The pairs
come after, greedily. Per-pair variables made the same model 10× larger and mostly symmetric;
HiGHS took minutes on 25 CSMs where this takes well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from scipy.optimize import LinearConstraint

HALF = 0.5  # objectives are integers: "≤ best + ½" fixes a level without any floating-point doubt


class Triple(NamedTuple):
    giver: str
    receiver: str
    segment: str


class _Rows:
    """Sparse constraint rows lo ≤ A·v ≤ hi, built one row at a time."""

    def __init__(self) -> None:
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, coefficients: Mapping[int, float], lo: float, hi: float) -> None:
        row = len(self.lo)
        for column, value in coefficients.items():
            self.r.append(row)
            self.c.append(column)
            self.v.append(value)
        self.lo.append(lo)
        self.hi.append(hi)

    def constraint(self, width: int) -> LinearConstraint:
        # scipy imported where a plan is solved, not in every process that can start one: half a second.
        from scipy.optimize import LinearConstraint
        from scipy.sparse import coo_array

        matrix = coo_array((self.v, (self.r, self.c)), shape=(len(self.lo), width)).tocsr()
        return LinearConstraint(matrix, np.array(self.lo), np.array(self.hi))


def _solve(c: np.ndarray, integrality: np.ndarray, upper: np.ndarray, rows: _Rows) -> np.ndarray:
    from scipy.optimize import Bounds, milp

    result = milp(
        c,
        integrality=integrality,
        bounds=Bounds(np.zeros(len(c)), upper),
        constraints=[rows.constraint(len(c))] if rows.lo else None,
        options={"mip_rel_gap": 0.0, "presolve": True},
    )
    if result.x is None or not result.success:
        raise RuntimeError(f"rebalancing solver failed: {result.message}")
    return np.asarray(result.x)


def solve_counts(
    *,
    gives: Sequence[tuple[str, str]],
    takes: Sequence[tuple[str, str]],
    weight: Mapping[str, int],
    full: int,
    units: Mapping[str, int],
    over: set[str],
    arr: Mapping[tuple[str, str], Sequence[float]],
) -> dict[Triple, int]:
    """How many accounts move along each (giver, receiver, segment): least overload, fewest moves, least ARR.

    Least overload is exact when the team fits (zero); when it cannot, within one account of the
    heaviest segment (`weight`'s largest) of the least possible.

    `gives`: (CSM, segment) pairs with movable accounts (their ARR in `arr`); `takes`: (CSM, segment)
    pairs that may receive (not over band, already owning the segment).
    """
    segments = {s for _, s in gives} & {s for _, s in takes}
    gives = [p for p in gives if p[1] in segments]
    takes = [p for p in takes if p[1] in segments]
    over_keys = sorted(over)
    ng, nr = len(gives), len(takes)
    o_col = {key: ng + nr + k for k, key in enumerate(over_keys)}
    width = ng + nr + len(over_keys)

    rows = _Rows()
    net: dict[str, dict[int, float]] = defaultdict(dict)
    balance: dict[str, dict[int, float]] = defaultdict(dict)
    for column, (key, segment) in enumerate(gives):
        net[key][column] = -weight[segment]
        balance[segment][column] = 1.0
    for offset, (key, segment) in enumerate(takes):
        net[key][ng + offset] = weight[segment]
        balance[segment][ng + offset] = -1.0
    for coefficients in balance.values():
        rows.add(coefficients, 0.0, 0.0)
    for key in sorted(set(net) | over):
        coefficients = dict(net.get(key, {}))
        if key in over:
            coefficients[o_col[key]] = -1.0
        rows.add(coefficients, -np.inf, float(full - units[key]))

    supply = {s: sum(len(arr[p]) for p in gives if p[1] == s) for s in segments}
    upper = np.array(
        [float(len(arr[p])) for p in gives] + [float(supply[s]) for _, s in takes] + [np.inf] * len(over_keys)
    )
    integrality = np.array([1] * (ng + nr) + [0] * len(over_keys))

    # 1. least overload left
    c = np.zeros(width)
    c[ng + nr :] = 1.0
    overload = float(round(c @ _solve(c, integrality, upper, rows))) if over_keys else 0.0
    # A team that cannot fit may leave up to one account of the heaviest segment more overload than the
    # least possible, to save moves: packing the last few units of room exactly costs many moves for
    # almost no relief, and proving that packing optimal took HiGHS minutes on 25 CSMs.
    slack = max(weight.values()) if overload > 0 else 0
    rows.add({o_col[k]: 1.0 for k in over_keys}, -np.inf, overload + slack + HALF)

    # 2. fewest moves
    c = np.zeros(width)
    c[:ng] = 1.0
    fewest = round(c @ _solve(c, integrality, upper, rows)) if ng else 0
    if fewest == 0:
        return {}
    rows.add(dict.fromkeys(range(ng), 1.0), -np.inf, fewest + HALF)

    # 3. least ARR: one [0, 1] variable per candidate account, the k cheapest of a (giver, segment)
    # taken when k move. Only the `fewest` cheapest can ever be needed.
    costs: list[float] = []
    scale = max((max(v) for v in arr.values() if v), default=1.0) or 1.0
    for column, pair in enumerate(gives):
        cheapest = sorted(arr[pair])[:fewest]
        z = {width + len(costs) + k: 1.0 for k in range(len(cheapest))}
        rows.add({**z, column: -1.0}, 0.0, 0.0)
        costs.extend(a / scale for a in cheapest)
    c = np.concatenate([np.zeros(width), np.array(costs)])
    integrality = np.concatenate([integrality, np.zeros(len(costs), dtype=int)])
    upper = np.concatenate([upper, np.ones(len(costs))])
    x = np.rint(_solve(c, integrality, upper, rows)).astype(int).tolist()
    return _route(
        {p: x[k] for k, p in enumerate(gives) if x[k] > 0},
        {p: x[ng + k] for k, p in enumerate(takes) if x[ng + k] > 0},
    )


def _route(given: dict[tuple[str, str], int], taken: dict[tuple[str, str], int]) -> dict[Triple, int]:
    """Pair givers with receivers segment by segment, in key order."""
    for pair in set(given) & set(taken):  # never at an optimum; harmless to cancel if the solver ties
        both = min(given[pair], taken[pair])
        given[pair] -= both
        taken[pair] -= both
    routes: dict[Triple, int] = defaultdict(int)
    for segment in sorted({s for _, s in given}):
        receivers = [(k, n) for (k, s), n in sorted(taken.items()) if s == segment and n > 0]
        for (giver, s), n in sorted(given.items()):
            if s != segment:
                continue
            while n > 0:
                receiver, room = receivers[0]
                step = min(n, room)
                routes[Triple(giver, receiver, segment)] += step
                n -= step
                if room == step:
                    receivers.pop(0)
                else:
                    receivers[0] = (receiver, room - step)
    return dict(routes)
