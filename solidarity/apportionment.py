"""Stage 3: apportionment -- whole numbers that add up to a given total.

All methods work on exact fractions, so a published integer never depends on
floating-point rounding. Quotas are ``q_i = house * w_i / sum(w)``.

Methods (see Balinski and Young, *Fair Representation*, 2nd ed. 2001):

``hamilton``        largest remainder: floors, then one more unit to the
                    largest remainders. Satisfies quota; not house-monotone
                    (Alabama paradox).
``dhondt``          Jefferson/D'Hondt divisor method, signposts ``s + 1``.
``webster``         Webster/Sainte-Lague divisor method, signposts ``s + 1/2``.
``huntington_hill`` divisor method with signposts ``sqrt(s (s + 1))``
                    (compared exactly through squares). Every positive quota
                    gets at least one unit.
``ceiling``         each quota rounded up. The total exceeds the house; it is
                    offered because published 2026 figures match it.

Divisor methods are house-monotone but may violate quota.

Tie rule (deterministic, stated in every output): among equally entitled
states, the one with the larger exact quota is served first, then the one
whose country code comes first alphabetically. Every state involved in a tie
that decided a unit is listed in :attr:`Apportionment.ties`.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping

from .schema import Method

TIE_RULE = ("ties go to the larger exact quota, then to the country code "
            "first in alphabetical order; tied states are reported")


@dataclass(frozen=True)
class Apportionment:
    """Result of apportioning ``house`` units by ``method``."""

    method: Method
    house: int
    quotas: Mapping[str, Fraction]
    seats: Mapping[str, int]
    ties: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.seats.values())


@dataclass(frozen=True)
class QuotaCheck:
    """Result of :func:`check`: the sum and quota properties."""

    sum_ok: bool
    total: int
    house: int
    below_floor: tuple[str, ...]
    above_ceiling: tuple[str, ...]

    @property
    def quota_ok(self) -> bool:
        return not self.below_floor and not self.above_ceiling

    def problems(self) -> list[str]:
        out = []
        if not self.sum_ok:
            out.append(f"units add up to {self.total}, not {self.house}")
        out += [f"{g} gets less than the floor of its quota" for g in self.below_floor]
        out += [f"{g} gets more than the ceiling of its quota" for g in self.above_ceiling]
        return out


def quotas(weights: Mapping[str, Fraction | int | float | str], house: int) -> dict[str, Fraction]:
    """Exact quotas ``house * w_i / sum(w)``; floats are taken at their decimal repr."""
    exact = {g: (Fraction(repr(w)) if isinstance(w, float) else Fraction(w))
             for g, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("apportionment weights must be non-negative")
    total = sum(exact.values())
    if total <= 0:
        raise ValueError("apportionment weights must not all be zero")
    return {g: house * w / total for g, w in sorted(exact.items())}


def apportion(weights: Mapping[str, Fraction | int | float | str], house: int,
              method: Method | str = Method.HAMILTON) -> Apportionment:
    """Apportion ``house`` whole units in proportion to ``weights``.

    Parameters
    ----------
    weights : country code -> non-negative weight (shares, populations...).
    house : total number of units, >= 0.
    method : one of :class:`~solidarity.schema.Method`.
    """
    method = Method(method)
    if house < 0:
        raise ValueError("house must be >= 0")
    q = quotas(weights, house)
    if method is Method.HAMILTON:
        seats, ties = _hamilton(q, house)
    elif method is Method.CEILING:
        seats, ties = {g: math.ceil(v) for g, v in q.items()}, ()
    else:
        seats, ties = _divisor(q, house, _SIGNPOSTS[method])
    return Apportionment(method=method, house=house, quotas=q, seats=seats, ties=ties)


def check(app: Apportionment) -> QuotaCheck:
    """Check the sum and quota properties of an apportionment.

    ``sum_ok`` expects the house for every method but ``ceiling``, whose
    total must be the sum of the rounded-up quotas.
    """
    expected = (sum(math.ceil(v) for v in app.quotas.values())
                if app.method is Method.CEILING else app.house)
    below = tuple(g for g, s in app.seats.items() if s < math.floor(app.quotas[g]))
    above = tuple(g for g, s in app.seats.items() if s > math.ceil(app.quotas[g]))
    return QuotaCheck(sum_ok=app.total == expected, total=app.total, house=app.house,
                      below_floor=below, above_ceiling=above)


# --- methods -----------------------------------------------------------------

def _order(q: Mapping[str, Fraction], g: str):
    """Sort key implementing the tie rule: larger quota, then code A..Z."""
    return (-q[g], g)


def _hamilton(q: Mapping[str, Fraction], house: int) -> tuple[dict[str, int], tuple[str, ...]]:
    seats = {g: math.floor(v) for g, v in q.items()}
    left = house - sum(seats.values())
    rem = {g: v - seats[g] for g, v in q.items()}
    ranked = sorted(q, key=lambda g: (-rem[g], *_order(q, g)))
    for g in ranked[:left]:
        seats[g] += 1
    ties: tuple[str, ...] = ()
    if 0 < left < len(ranked) and rem[ranked[left - 1]] == rem[ranked[left]]:
        cut = rem[ranked[left]]
        ties = tuple(sorted(g for g in ranked if rem[g] == cut))
    return seats, ties


# A signpost d(s) is compared through a priority that is monotone in q / d(s);
# None stands for an infinite priority (d(s) == 0).
Priority = Callable[[Fraction, int], Fraction | None]


def _prio_dhondt(q: Fraction, s: int) -> Fraction | None:
    return q / (s + 1)


def _prio_webster(q: Fraction, s: int) -> Fraction | None:
    return q / (s + Fraction(1, 2))


def _prio_hh(q: Fraction, s: int) -> Fraction | None:
    # q / sqrt(s (s + 1)) compared through its square: exact, no sqrt.
    return None if s == 0 else q * q / (s * (s + 1))


_SIGNPOSTS: dict[Method, Priority] = {Method.DHONDT: _prio_dhondt,
                                      Method.WEBSTER: _prio_webster,
                                      Method.HUNTINGTON_HILL: _prio_hh}


def _rank(p: Fraction | None, q: Fraction, g: str):
    """Heap key: highest priority first, then the tie rule."""
    return (0 if p is None else 1, -p if p is not None else 0, -q, g)


def _start(q: Fraction, prio: Priority) -> int:
    """Seats at divisor 1: the largest s with priority(s - 1) >= 1."""
    s = max(math.floor(q) - 1, 0)
    while True:
        p = prio(q, s)
        if q == 0 or (p is not None and p < 1):
            return s
        s += 1


def _divisor(q: Mapping[str, Fraction], house: int,
             prio: Priority) -> tuple[dict[str, int], tuple[str, ...]]:
    seats = {g: (_start(v, prio) if v > 0 else 0) for g, v in q.items()}
    total = sum(seats.values())
    # Too few: hand out the next seats by highest priority q / d(s).
    heap = [(_rank(prio(v, seats[g]), v, g), g) for g, v in q.items() if v > 0]
    heapq.heapify(heap)
    while total < house:
        _, g = heapq.heappop(heap)
        seats[g] += 1
        total += 1
        heapq.heappush(heap, (_rank(prio(q[g], seats[g]), q[g], g), g))
    # Too many: take back the seats held with the lowest priority q / d(s - 1),
    # in the reverse of the order they would be given.
    while total > house:
        held = [g for g in q if seats[g] > 0]
        g = max(held, key=lambda h: _rank(prio(q[h], seats[h] - 1), q[h], h))
        seats[g] -= 1
        total -= 1
    return seats, _divisor_ties(q, seats, prio)


def _divisor_ties(q, seats, prio) -> tuple[str, ...]:
    """States whose last held seat and another's next seat are equally entitled."""
    held = {g: prio(q[g], seats[g] - 1) for g in q if seats[g] > 0}
    nxt = {g: prio(q[g], seats[g]) for g in q if q[g] > 0}
    finite_held = [p for p in held.values() if p is not None]
    finite_next = [p for p in nxt.values() if p is not None]
    if not finite_held or not finite_next:
        return ()
    low, high = min(finite_held), max(finite_next)
    if low != high:
        return ()
    return tuple(sorted({g for g, p in held.items() if p == low}
                        | {g for g, p in nxt.items() if p == high}))
