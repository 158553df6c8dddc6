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
``per-state``       each quota rounded half up on its own, as the Commission's
                    2015 relocation tables were (COM(2015) 286: 23 998 of
                    24 000 from Italy). Satisfies quota; the total may differ
                    from the house either way, and :func:`check` reports by
                    how much (:attr:`QuotaCheck.difference`).

Divisor methods are house-monotone but may violate quota.

Tie rule (deterministic, stated in every output): among equally entitled
states, the one with the larger exact quota is served first, then the one
whose country code comes first alphabetically. Every state involved in a tie
that decided a unit is listed in :attr:`Apportionment.ties`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..schema import Method

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
    #: the total the method must give (the house, but for ``ceiling`` and ``per-state``)
    expected: int | None = None

    @property
    def quota_ok(self) -> bool:
        return not self.below_floor and not self.above_ceiling

    @property
    def difference(self) -> int:
        """Units given minus the house: 0 for every method but ``ceiling``
        (above) and ``per-state`` (either way), where it is reported, not hidden."""
        return self.total - self.house

    def problems(self) -> list[str]:
        out = []
        if not self.sum_ok:
            want = self.house if self.expected is None else self.expected
            rounded = "" if want == self.house else " (its quotas each rounded)"
            out.append(f"units add up to {self.total}, not {want}{rounded}")
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
    elif method is Method.PER_STATE:
        seats, ties = {g: half_up(v) for g, v in q.items()}, ()
    else:
        seats, ties = _divisor(q, house, _SIGNPOSTS[method])
    return Apportionment(method=method, house=house, quotas=q, seats=seats, ties=ties)


def check(app: Apportionment) -> QuotaCheck:
    """Check the sum and quota properties of an apportionment.

    ``sum_ok`` expects the house for every method but ``ceiling``, whose
    total must be the sum of the rounded-up quotas, and ``per-state``, whose
    total must be the sum of the quotas each rounded half up (it may differ
    from the house: :attr:`QuotaCheck.difference` says by how much).
    """
    if app.method is Method.CEILING:
        expected = sum(math.ceil(v) for v in app.quotas.values())
    elif app.method is Method.PER_STATE:
        expected = sum(half_up(v) for v in app.quotas.values())
    else:
        expected = app.house
    below = tuple(g for g, s in app.seats.items() if s < math.floor(app.quotas[g]))
    above = tuple(g for g, s in app.seats.items() if s > math.ceil(app.quotas[g]))
    return QuotaCheck(sum_ok=app.total == expected, total=app.total, house=app.house,
                      below_floor=below, above_ceiling=above, expected=expected)


# --- methods -----------------------------------------------------------------

def half_up(q: Fraction) -> int:
    """``q`` rounded to the nearest whole number, halves up (exact): the one
    rounding rule the law's modules use (the verifiers keep their own)."""
    return math.floor(q + Fraction(1, 2))


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
    # Huntington-Hill's first seats all have an infinite priority (d(0) = 0):
    # when the house cannot give every state one, who gets one is a tie the
    # tie rule decides, reported like any other.
    inf_held = {g for g, p in held.items() if p is None}
    inf_next = {g for g, p in nxt.items() if p is None}
    if inf_held and inf_next:
        return tuple(sorted(inf_held | inf_next))
    finite_held = [p for p in held.values() if p is not None]
    finite_next = [p for p in nxt.values() if p is not None]
    if not finite_held or not finite_next:
        return ()
    low, high = min(finite_held), max(finite_next)
    if low != high:
        return ()
    return tuple(sorted({g for g, p in held.items() if p == low}
                        | {g for g, p in nxt.items() if p == high}))


# --- bounded proportional shares -----------------------------------------------

def _as_ints(weights: Sequence[Fraction | int]) -> list[int]:
    """Weights scaled to whole numbers with the same ratios."""
    fr = [Fraction(w) for w in weights]
    den = math.lcm(*(f.denominator for f in fr)) if fr else 1
    return [int(f * den) for f in fr]


@dataclass(frozen=True)
class Bounded:
    """Result of :func:`bounded`: whole units and the exact common rate."""

    units: tuple[int, ...]
    rate: Fraction  #: lambda: each unbounded state gets base + lambda x weight before rounding
    ties: tuple[int, ...]  #: positions in a tie decided by the tie rule


def bounded(total: int, weights: Sequence[Fraction | int], lower: Sequence[int],
            upper: Sequence[int | None], base: Sequence[int] | None = None) -> Bounded:
    """Whole units ``x_i`` in ``[lower_i, upper_i]`` adding up to ``total``,
    as close as possible to ``base_i + lambda x weight_i``.

    This is water-filling followed by largest remainders: the continuous
    shares ``clip(base + lambda w, lower, upper)`` with the one ``lambda``
    that makes them add up to ``total``; states at a bound keep it, the others
    get the floor of their share and the units left go to the largest
    remainders (ties: the larger share, then the earlier position). Every
    unbounded share is rounded down or up, never further (quota), and no
    transfer of a unit between two states brings both closer to proportion.
    A state of weight 0 stays at ``clip(base)``, unless the others cannot
    make up the total: then such states, in order, take the rest within
    their bounds. Exact: integers and fractions throughout.

    Parameters
    ----------
    total : whole units to hand out; must lie in ``[sum(lower), sum(upper)]``.
    weights : non-negative.
    lower, upper : bounds per state; ``None`` in upper means no bound.
    base : starting point per state (default 0): what is shared out is then
        ``total - sum(base)``, which may be negative.

    Raises
    ------
    ValueError
        if ``total`` is outside the bounds' sum, or a lower bound exceeds an
        upper one.

    Long because water-filling, the largest remainders and the ties they
    report are one computation over the same running totals.
    """
    n = len(lower)
    w = _as_ints(weights)
    lo = [int(v) for v in lower]
    hi = [None if v is None else int(v) for v in upper]
    b = [0] * n if base is None else [int(v) for v in base]
    if any(x < 0 for x in w):
        raise ValueError("weights must be non-negative")
    if any(h is not None and h < v for v, h in zip(lo, hi)):
        raise ValueError("a lower bound exceeds an upper bound")
    finite = all(h is not None for h in hi)
    if total < sum(lo) or (finite and total > sum(h for h in hi if h is not None)):
        raise ValueError(f"total {total} outside the sum of the bounds")

    def clip(v, i):
        v = max(v, lo[i])
        return v if hi[i] is None else min(v, hi[i])

    pos = [i for i in range(n) if w[i] > 0]
    zero = [i for i in range(n) if w[i] == 0]
    units: list[int] = [0] * n
    for i in zero:
        units[i] = clip(b[i], i)
    # What the weighted states must make up, within their own range.
    need = total - sum(units[i] for i in zero)
    low_p = sum(lo[i] for i in pos)
    high_p = None if any(hi[i] is None for i in pos) else sum(hi[i] for i in pos)  # type: ignore[misc]
    target = max(need, low_p) if high_p is None else min(max(need, low_p), high_p)
    rest = need - target  # what the zero-weight states must absorb, in order
    for i in zero:
        if rest == 0:
            break
        h = hi[i]
        room = (h - units[i] if h is not None else rest) if rest > 0 else lo[i] - units[i]
        step = min(rest, room) if rest > 0 else max(rest, room)
        units[i] += step
        rest -= step
    if rest:  # pragma: no cover - excluded by the range check above
        raise ValueError(f"total {total} outside the sum of the bounds")
    rate, state = _rate(target, [w[i] for i in pos], [b[i] for i in pos], [lo[i] for i in pos],
                        [hi[i] for i in pos])
    rems: list[tuple[Fraction, Fraction, int]] = []
    for k, i in enumerate(pos):
        if state[k] < 0:
            units[i] = lo[i]
        elif state[k] > 0:
            units[i] = hi[i]  # type: ignore[assignment]
        else:
            q = b[i] + rate * w[i]
            units[i] = math.floor(q)
            rems.append((q - units[i], q, i))
    left = total - sum(units)
    rems.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for _, _, i in rems[:left]:
        units[i] += 1
    ties: tuple[int, ...] = ()
    if 0 < left < len(rems) and rems[left - 1][0] == rems[left][0]:
        ties = tuple(sorted(r[2] for r in rems if r[0] == rems[left][0]))
    return Bounded(units=tuple(units), rate=rate, ties=ties)


def _rate(total: int, w: list[int], b: list[int], lo: list[int], hi: list[int | None]
          ) -> tuple[Fraction, list[int]]:
    """The exact lambda with ``sum(clip(b + lambda w, lo, hi)) == total`` and
    each state's side: -1 at its lower bound, +1 at its upper, 0 between.

    A float bisection finds the segment (vectorised), then the sides are
    fixed exactly and the rate recomputed until they agree (a state whose
    share lands exactly on a bound counts as at it).
    """
    n = len(w)
    if n == 0:
        return Fraction(0), []
    wf, bf = np.array(w, dtype=float), np.array(b, dtype=float)
    lof = np.array(lo, dtype=float)
    hif = np.array([np.inf if h is None else h for h in hi], dtype=float)
    span = np.concatenate([(lof - bf) / wf, (np.where(np.isinf(hif), lof, hif) - bf) / wf])
    a_, z_ = float(span.min()) - 1.0, float(span.max()) + 1.0
    for _ in range(200):  # g is increasing in lambda
        mid = (a_ + z_) / 2
        if np.clip(bf + mid * wf, lof, hif).sum() < total:
            a_ = mid
        else:
            z_ = mid
    lam = Fraction(z_)
    state = [0] * n
    for _ in range(n + 2):
        for k in range(n):
            q = b[k] + lam * w[k]
            h = hi[k]
            state[k] = -1 if q <= lo[k] else (1 if h is not None and q >= h else 0)
        free = [k for k in range(n) if state[k] == 0]
        pinned = sum(lo[k] if state[k] < 0 else hi[k] for k in range(n) if state[k] != 0)  # type: ignore[misc]
        wsum = sum(w[k] for k in free)
        if not wsum:
            return lam, state
        new = Fraction(total - pinned - sum(b[k] for k in free), wsum)
        if new == lam:
            return lam, state
        lam = new
    return lam, state  # pragma: no cover - the sides settle within n rounds
