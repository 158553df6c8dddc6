"""Stage 5b: the exact steps of the allocation, in integers.

* :func:`fairness_step` -- the ``fairness`` level: in-kind pledges of the
  states the model chooses for, shared pro rata to their obligations.
* :func:`balance_step` -- the ``balance`` level (Art 60(2)): what each
  beneficiary receives, leximin per type, with the SAR target.
* :func:`calls` -- every contributor called on for the same share of its
  pledge per type (Art 60(3): "proportionally to their overall pledge").
* :func:`flows` -- who sends what to whom: a matrix apportionment with the
  calls and the receipts as margins (``proportional``), or few pairs
  (``compact``); nobody sends to itself.

Nothing here calls a solver. Where Python integers are used instead of
int64 it is said why (products of two amounts can exceed 2**63).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..pact.apportionment import bounded
from ..schema import FlowsMode
from .model import (
    ALT,
    FIN,
    REL,
    MilpProblem,
    ModelInput,
    Solution,
    solution_of,
    value_deviation,
    value_deviation_order,
    value_in_kind,
    value_needs,
)

# --- fairness -----------------------------------------------------------------

def fair_bounds(inp: ModelInput, p: np.ndarray, y: np.ndarray, t: int, first: bool = True
                ) -> tuple[np.ndarray, np.ndarray]:
    """Per state, the range of its type-``t`` in-kind pledge with its value and
    every limit kept, money taking up the difference within its own floor
    and cap; a beneficiary that also pledges keeps what it receives from the
    others in ``y`` (nobody sends to itself). :func:`fairness_step` passes
    the receipts the balance level would give for the type totals alone
    (:func:`natural_receipts`), not where a solver put them.

    For the type shared ``first`` the range does not depend on the state's
    other in-kind pledge (taken at its floor for the upper end, at its cap
    for the lower end); for the second it is what the first leaves. So the
    step depends on the totals and the bounds only, never on where a solver
    happened to put the pledges.
    """
    u = inp.unit_value
    caps = inp.caps()
    value = (p * u).sum(axis=1)
    me = inp.self_index
    # A beneficiary that also pledges can be called on for no more money than
    # what goes to the others (nobody sends to itself): a cap on its money.
    cap_f = caps[:, FIN].copy()
    for b in np.flatnonzero(me >= 0):
        cap_f[me[b]] = min(cap_f[me[b]], int(p[:, FIN].sum()) - int(y[b, FIN]))
    s = ALT if t == REL else REL
    if first:
        # The other type is kept in total, and a beneficiary that also pledges
        # sends none of it to itself: no state can hold more of it than that
        # (without this, BE with its money capped by its receipts was let
        # take fewer relocations than its value needs, the alternative
        # measures could not make up the rest, and the split failed).
        cap_s = np.minimum(np.minimum(caps[:, s], value // u[s]), int(p[:, s].sum()))
        for b in np.flatnonzero(me >= 0):
            cap_s[me[b]] = min(cap_s[me[b]], max(int(p[:, s].sum()) - int(y[b, s]), 0))
        room_hi = value - inp.lower[:, FIN] - u[s] * inp.lower[:, s]
        room_lo = value - cap_f - cap_s * u[s]
    else:
        room_hi = value - u[s] * p[:, s] - inp.lower[:, FIN]
        room_lo = value - u[s] * p[:, s] - cap_f
    lo = np.maximum(np.maximum(inp.lower[:, t], 0), -((-np.maximum(room_lo, 0)) // u[t]))
    hi = np.minimum(caps[:, t], np.maximum(room_hi, 0) // u[t])
    total = int(p[:, t].sum())
    for b in np.flatnonzero(me >= 0):
        hi[me[b]] = min(hi[me[b]], total - int(y[b, t]))
    return lo, hi


#: Orders in which the fairness step shares the in-kind types: both from
#: their totals, relocations or alternative measures first; failing that,
#: one type alone, the other left where the solver put it.
FAIRNESS_ORDERS = ((REL, ALT), (ALT, REL), (ALT,), (REL,))


def fairness_step(problem: MilpProblem, sol: Solution) -> Solution:
    """The in-kind pledges of the states the model chooses for (``free``):
    per type their total is kept and shared again so that each state's
    adjustment from its reference (0 for a state that stated nothing, its
    preference otherwise) is proportional to its obligation, within its
    bounds (:func:`fair_bounds`, :func:`~solidarity.pact.apportionment.bounded`).
    Money takes up the difference, so every value, type total and receipt
    stays as it was.

    Relocations are shared first; if what they leave cannot hold the
    alternative measures (a state that may send them to few others), the
    alternative measures go first; failing both, one type is shared alone
    (:data:`FAIRNESS_ORDERS`), and if nothing fits the solver's split is kept.

    What a beneficiary that also pledges keeps for itself is taken from
    :func:`natural_receipts`, which depend on the type totals only: the
    receipts the solver happened to return are rebalanced by the next level
    anyway, and bounding by them made the split differ between backends
    (issue 13). Failing those, the receipts the balance level gives for the
    solver's pledges; the solver's own receipts only when neither fits.
    """
    inp = problem.inputs
    if not inp.free.any():
        return sol
    reached = inp.sar_target - sol.sar_shortfall
    # Then the balance level's receipts for the solver's pledges: a solver's
    # own receipts differ between backends where a euro may go to either of
    # two beneficiaries at the same cost (issue 13), the balance level's do not.
    balanced, _ = balance(inp, sol.pledges, sol.received.sum(axis=0), reached)
    tries = [y for y in [*natural_receipts(inp, sol), balanced]
             if value_needs(inp, solution_of(inp, sol.pledges, y)) <= value_needs(inp, sol)]
    for received in [*tries, sol.received]:
        new = _fair_split(problem, sol, received)
        if new is not None:
            return new
    return sol


#: How many times :func:`natural_receipts` tightens its receipt caps.
NATURAL_ROUNDS = 3


def natural_receipts(inp: ModelInput, sol: Solution) -> list[np.ndarray]:
    """(m, 3) receipts the balance level gives for the type totals received
    and the SAR amount reached, under caps that do not depend on where a
    solver put the pledges: first each beneficiary's need alone, then, in
    each further round, also what the others can send it when it pledges
    the least it can (its own floor, and the part of its group's total that
    the other states' room cannot hold, :func:`fair_bounds` at the previous
    round's receipts, each in-kind type's room less what the other must
    hold). Pledges that leave every beneficiary-contributor such receipts
    from the others can serve them; the balance level then re-derives the
    receipts for those pledges. Everything here follows from the values,
    the type totals and the SAR amount the earlier levels fixed, so every
    backend gets the same list. Each round's receipts are returned, first
    to last.
    """
    p, u = sol.pledges, inp.unit_value
    value = (p * u).sum(axis=1)
    totals = sol.received.sum(axis=0)
    reached = inp.sar_target - sol.sar_shortfall
    me = inp.self_index
    groups = [g for g in (np.flatnonzero(inp.free & inp.stated), np.flatnonzero(inp.free & ~inp.stated))
              if g.size]
    caps = inp.needs.copy()
    out: list[np.ndarray] = []
    for _ in range(NATURAL_ROUNDS):
        y, _ = balance(inp, p, totals, reached, caps=caps)
        if out and (y == out[-1]).all():
            break
        out.append(y)
        least = p.copy()  # a state the model does not choose for keeps its pledge
        for free in groups:
            least[free, REL], least[free, ALT] = 0, 0
        for _ in range(2):  # each type's room shrinks with what the other must hold
            for t, o in ((REL, ALT), (ALT, REL)):
                lo, hi = fair_bounds(inp, p, y, t)
                hi = np.minimum(hi, np.maximum(value - u[o] * least[:, o] - inp.lower[:, FIN], 0) // u[t])
                for free in groups:
                    room = [int(v) for v in hi[free]]
                    rest = [int(p[free, t].sum()) - (sum(room) - v) for v in room]
                    least[free, t] = np.maximum(lo[free], np.array([max(0, v) for v in rest], dtype=np.int64))
        least[:, FIN] = np.where(inp.free, 0, p[:, FIN])
        own = np.where(me[:, None] >= 0, least[np.maximum(me, 0)], 0)
        caps = np.minimum(inp.needs, np.maximum(p.sum(axis=0)[None, :] - own, 0))
    return out


def _fair_split(problem: MilpProblem, sol: Solution, received: np.ndarray) -> Solution | None:
    """:func:`fairness_step` with the receipts ``received`` bounding what a
    beneficiary-contributor may pledge; None if no order fits."""
    inp = problem.inputs
    u = inp.unit_value
    value = (sol.pledges * u).sum(axis=1)
    ref = np.where(inp.stated[:, None], inp.preferred, 0)
    # States whose adjustments cost a deviation (they stated a preference,
    # priority "needs") and states that stated nothing are shared apart, each
    # group keeping its totals: moving in-kind pledges between the two groups
    # would undo the deviation level.
    groups = [g for g in (np.flatnonzero(inp.free & inp.stated), np.flatnonzero(inp.free & ~inp.stated))
              if g.size]
    for order in FAIRNESS_ORDERS:
        p = sol.pledges.copy()
        try:
            for k, t in enumerate(order):
                lo, hi = fair_bounds(inp, p, received, t, first=k == 0 and len(order) == 2)
                for free in groups:
                    share = bounded(int(p[free, t].sum()), [int(v) for v in inp.obligation[free]],
                                    lo[free].tolist(), hi[free].tolist(), base=ref[free, t].tolist())
                    p[free, t] = share.units
                    p[free, FIN] = value[free] - u[REL] * p[free, REL] - u[ALT] * p[free, ALT]
        except ValueError:  # the total does not fit in the bounds this order gives
            continue
        new = solution_of(inp, p, received)
        # Never at the cost of an earlier level: with priority "needs" two
        # stated states may pay for the same in-kind unit with different
        # deviations (one gives up money, the other relocations); such a group
        # keeps the solver's split.
        if _worse(inp, new, sol):
            for free in groups:
                trial = p.copy()
                trial[free] = sol.pledges[free]
                alt = solution_of(inp, trial, received)
                if _serves(inp, trial, received) and not _worse(inp, alt, sol):
                    return alt
            continue
        if _serves(inp, p, received):
            return new
    return None


def _serves(inp: ModelInput, p: np.ndarray, y: np.ndarray) -> bool:
    """Can the pledges ``p`` serve the receipts ``y`` with nobody sending to
    itself (Hall's condition per type, see :mod:`solidarity.optimise.model`)?"""
    me = inp.self_index
    total = p.sum(axis=0)
    if (y.sum(axis=0)[[REL, FIN]] > total[[REL, FIN]]).any() or y[:, ALT].sum() != total[ALT]:
        return False
    own = np.where(me[:, None] >= 0, p[np.maximum(me, 0)], 0)
    return bool((y <= total[None, :] - own).all())


def _worse(inp: ModelInput, new: Solution, old: Solution) -> bool:
    """Does ``new`` lose any earlier level that the fairness step must keep?"""
    return (value_deviation(inp, new) > value_deviation(inp, old)
            or value_deviation_order(inp, new) > value_deviation_order(inp, old)
            or value_in_kind(inp, new) > value_in_kind(inp, old))


# --- balance (Art 60(2)) ---------------------------------------------------------


def leximin(total: int, needs: list[int], caps: list[int], names: list[str]) -> list[int]:
    """Whole units ``0 <= r_b <= caps[b]`` (``caps <= needs``) adding up to
    ``total`` whose coverage ratios ``r_b / needs[b]`` are leximin-optimal.

    This is the greedy that hands out units one by one to the smallest
    current ratio among those below their cap (ties: the smaller need, then
    the name A..Z), i.e. the Adams divisor method with caps. It is computed
    from above: with ``lam`` the continuous water level (``sum(min(cap, lam
    need)) = total``), the greedy gives no one more than
    ``min(cap, floor(lam need) + 1)`` (its last unit went at a ratio of at
    most ``lam``), so it starts there and takes back, one by one, the units
    the greedy would have given last: at most one per beneficiary. Every need
    must be positive.
    """
    m = len(needs)
    if total >= sum(caps):
        return list(caps)
    # Continuous level lam: sort the levels at which each cap is reached.
    order = sorted(range(m), key=lambda b: Fraction(caps[b], needs[b]))
    capped, wsum = 0, sum(needs)
    for b in order:
        if capped + Fraction(caps[b], needs[b]) * wsum >= total:
            break
        capped += caps[b]
        wsum -= needs[b]
    lam = Fraction(total - capped, wsum) if wsum else Fraction(0)
    units = [min(caps[b], math.floor(lam * needs[b]) + 1) for b in range(m)]
    # The greedy's last unit to b was given at ratio (r - 1) / need; among
    # equal ratios the larger need, then the later name, was served last.
    heap = [(-Fraction(units[b] - 1, needs[b]), -needs[b], _desc(names[b]), b) for b in range(m) if units[b] > 0]
    heapq.heapify(heap)
    for _ in range(sum(units) - total):
        _, _, _, b = heapq.heappop(heap)
        units[b] -= 1
        if units[b] > 0:
            heapq.heappush(heap, (-Fraction(units[b] - 1, needs[b]), -needs[b], _desc(names[b]), b))
    return units


def _desc(name: str) -> tuple[int, ...]:
    """A key that sorts names Z..A (for a min-heap that must pop them last-first)."""
    return tuple(-ord(ch) for ch in name) + (1,)


def receipt_caps(inp: ModelInput, p: np.ndarray) -> np.ndarray:
    """(m, 3) the most each beneficiary can receive: its need, and no more
    than the others pledged (nobody sends to itself)."""
    total = p.sum(axis=0)
    caps = inp.needs.copy()
    me = inp.self_index
    own = np.where(me[:, None] >= 0, p[np.maximum(me, 0)], 0)
    return np.minimum(caps, total[None, :] - own)


@dataclass(frozen=True)
class SarSplit:
    """How the SAR target was met: the units per type the other
    beneficiaries kept (the rest go to the SAR states), and the level every
    other beneficiary's coverage of each type that gave up units to the SAR
    states was held at (None: the per-type leximin already met the target)."""

    target: int  #: EUR the SAR states must receive (target minus the unavoidable shortfall)
    rest: tuple[int, int, int]  #: units per type kept by the beneficiaries without SAR arrivals
    level: Fraction | None  #: the others' lowest coverage in the types that gave way


def _split(total: int, needs: np.ndarray, caps: np.ndarray, names: list[str], idx: np.ndarray) -> np.ndarray:
    out = np.zeros(len(needs), dtype=np.int64)
    has = idx[needs[idx] > 0]
    if has.size and total:
        out[has] = leximin(total, needs[has].tolist(), caps[has].tolist(), [names[b] for b in has])
    return out


def _keep(level: Fraction, needs: np.ndarray, caps: np.ndarray, idx: np.ndarray) -> int:
    """Units the beneficiaries ``idx`` need so that each has a coverage of at
    least ``level`` (or its cap)."""
    return sum(min(int(caps[b]), -((-level.numerator * int(needs[b])) // level.denominator))
               for b in idx if needs[b] > 0)


def _rest_units(needs: np.ndarray, caps: np.ndarray, rest: np.ndarray, u: list[int],
                bounds: tuple[list[int], list[int]], budget: int) -> list[int]:
    """Units per type the beneficiaries without SAR arrivals keep: their
    common coverage level raised as high as ``budget`` EUR allows, over
    every type together.

    When the next unit of a type at that level costs more than the euros
    left, that type stops there (keeping what the euros left still buy) and
    the level goes on rising in the other types: a relocation the budget
    cannot pay for must not hold back single euros of money or alternative
    measures that would raise a lower coverage. ``bounds`` are the most
    (the per-type leximin split) and the least (what the SAR states' caps
    leave) each type may keep.
    """
    hi, lo = bounds
    fixed: dict[int, int] = {}

    def kept(level: Fraction) -> list[int]:
        return [fixed[t] if t in fixed else min(hi[t], max(lo[t], _keep(level, needs[:, t], caps[:, t], rest)))
                for t in range(3)]

    def cost(level: Fraction) -> int:
        return sum(u[t] * r for t, r in enumerate(kept(level)))

    if cost(Fraction(0)) > budget:
        return list(lo)
    while True:
        if cost(Fraction(1)) <= budget:
            return kept(Fraction(1))
        # The highest level the budget allows: bisection on exact fractions;
        # the levels at which a unit is added are k / need, so 2**-96 separates them.
        low, high = Fraction(0), Fraction(1)
        for _ in range(96):
            mid = (low + high) / 2
            low, high = (mid, high) if cost(mid) <= budget else (low, mid)
        r, up = kept(low), kept(high)
        left = budget - cost(low)
        stopped = False
        # The types whose coverages reach the next unit at this level, in
        # type order: relocations first on a tie, as in the model's people_first.
        for t in (t for t in range(3) if t not in fixed and up[t] > r[t]):
            more = min(up[t] - r[t], left // u[t]) if u[t] else up[t] - r[t]
            left -= more * u[t]
            if more < up[t] - r[t]:
                fixed[t], stopped = r[t] + more, True
        if not stopped:
            return r


def balance(inp: ModelInput, p: np.ndarray, totals: np.ndarray, sar_target: int,
            caps: np.ndarray | None = None) -> tuple[np.ndarray, SarSplit]:
    """Receipts per beneficiary and type for given pledges and type totals.

    Leximin over every beneficiary and type together, with the SAR target as
    a constraint (Art 60(2): "in a balanced way"; Art 57(2)). Per type, the
    leximin split over all beneficiaries (:func:`leximin`); where the SAR
    states then receive less than the target, the other beneficiaries give
    way in every type together, down to the highest common coverage level
    at which what they keep still leaves the SAR states the target (so no
    one type, such as money, carries the whole target); a type whose next
    unit costs more than the euros left stops there, and the level rises on
    in the others (:func:`_rest_units`). Within each group the units are
    shared leximin. ``caps`` replaces :func:`receipt_caps` (the most each
    beneficiary can receive).
    """
    u = [int(v) for v in inp.unit_value]
    if caps is None:
        caps = receipt_caps(inp, p)
    names = list(inp.beneficiaries)
    m = len(names)
    y = np.zeros((m, 3), dtype=np.int64)
    sar, rest, everyone = np.flatnonzero(inp.sar), np.flatnonzero(~inp.sar), np.arange(m)
    natural = [_split(int(totals[t]), inp.needs[:, t], caps[:, t], names, everyone) for t in range(3)]
    given = sum(u[t] * int(natural[t][sar].sum()) for t in range(3))
    if not sar.size or given >= sar_target:
        for t in range(3):
            y[:, t] = natural[t]
        kept0 = [int(natural[t][rest].sum()) for t in range(3)]
        return y, SarSplit(sar_target, (kept0[0], kept0[1], kept0[2]), None)
    # The others keep r_t units of type t: at most what the leximin split
    # gives them, at least what the SAR states' caps leave them.
    hi = [int(totals[t]) - int(natural[t][sar].sum()) for t in range(3)]
    lo = [max(0, int(totals[t]) - int(caps[sar, t].sum())) for t in range(3)]
    budget = sum(u[t] * int(totals[t]) for t in range(3)) - sar_target  # EUR the others may keep
    r = _rest_units(inp.needs, caps, rest, u, (hi, lo), budget)
    for t in range(3):
        y[:, t] = (_split(r[t], inp.needs[:, t], caps[:, t], names, rest)
                   + _split(int(totals[t]) - r[t], inp.needs[:, t], caps[:, t], names, sar))
    gave = [(b, t) for t in range(3) if r[t] < hi[t] for b in rest if inp.needs[b, t] > 0]
    level = min((Fraction(int(y[b, t]), int(inp.needs[b, t])) for b, t in gave), default=None)
    return y, SarSplit(sar_target, (r[0], r[1], r[2]), level)


def balance_step(problem: MilpProblem, sol: Solution) -> Solution:
    """The ``balance`` level: receipts re-derived exactly for the pledges and
    type totals the earlier levels fixed, with the SAR target they reached."""
    inp = problem.inputs
    reached = inp.sar_target - sol.sar_shortfall
    y, _ = balance(inp, sol.pledges, sol.received.sum(axis=0), reached)
    return solution_of(inp, sol.pledges, y)


# --- calls and flows ----------------------------------------------------------


def calls(inp: ModelInput, p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 3) what each contributor is called on to deliver, per type.

    Every contributor gives the same share ``Y_t / P_t`` of its pledge,
    apportioned to whole units by largest remainder; a beneficiary that also
    pledges is called on for at most what goes to the others (the rest of
    its share is spread pro rata over the others). Alternative measures are
    called in full (Art 57(2)).
    """
    n = len(inp.contributors)
    out = np.zeros((n, 3), dtype=np.int64)
    me = inp.self_index
    for t in range(3):
        total = int(y[:, t].sum())
        if total == 0:
            continue
        cap = p[:, t].copy()
        for b in np.flatnonzero(me >= 0):
            cap[me[b]] = min(cap[me[b]], total - int(y[b, t]))
        out[:, t] = bounded(total, p[:, t].tolist(), [0] * n, cap.tolist()).units
    return out


def _floor_products(a: np.ndarray, b: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``floor(a_i b_j / d)`` and remainder as int64 matrices.

    ``a_i b_j`` may exceed 2**63; it is never formed. The quotient is
    estimated in float64 (error well below one unit for quotients up to
    2**52) and corrected exactly with int64 arithmetic that wraps modulo
    2**64: the true remainder lies in ``(-2d, 2d)``, so its wrapped value
    is exact whenever ``d < 2**61``.
    """
    if d >= 2**61:
        raise OverflowError("amounts above 2**61 are not supported")
    q = np.floor(np.outer(a.astype(float), b.astype(float) / d)).astype(np.int64)
    with np.errstate(over="ignore"):
        r = np.multiply.outer(a, b) - q * d  # wraps modulo 2**64: exact here
    low = r < 0
    q[low] -= 1
    r[low] += d
    high = r >= d
    q[high] += 1
    r[high] -= d
    return q, r


def _ipf(a: np.ndarray, y: np.ndarray, mask: np.ndarray, rounds: int = 1000) -> np.ndarray | None:
    """Fractional flows with margins ``a`` and ``y``, zero where ``mask`` is
    False, by iterative proportional fitting from the rank-one matrix; None
    when it does not converge (a fit on the boundary, e.g. a cell that must
    be zero for the margins to hold)."""
    total = float(a.sum())
    av, yv = a.astype(float), y.astype(float)
    x = np.outer(av, yv / total) * mask
    # Margins met to a thousandth of a unit (1e-9 of the total for small pools, as
    # before), so that floors are right for pools of billions of euros; no
    # tighter than float precision allows.
    tol = max(min(1e-9 * total, 1e-3), 64 * np.finfo(float).eps * total)
    for _ in range(rounds):
        rs = x.sum(axis=1)
        x *= np.divide(av, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
        cs = x.sum(axis=0)
        x *= np.divide(yv, cs, out=np.zeros_like(cs), where=cs > 0)[None, :]
        if np.abs(x.sum(axis=1) - av).max(initial=0) < tol and np.abs(x.sum(axis=0) - yv).max(initial=0) < tol:
            return x
    return None


def proportional_target(a: np.ndarray, y: np.ndarray, mask: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Floor and remainder of the proportional flows, and whether exact.

    Without a forbidden pair the target is exactly ``a_i y_b / Y`` and the
    floors and remainders are exact integers; otherwise it is the
    biproportional fit with the forbidden cells zero (:func:`_ipf`), of
    which only the floors are used; None when that fit does not converge.
    """
    total = int(a.sum())
    if mask.all():
        f, r = _floor_products(a, y, total)
        return f, r, True
    x = _ipf(a, y, mask)
    if x is None:
        return None
    f = np.floor(x + 1e-9).astype(np.int64)
    frac = (x - f) > 1e-9
    return f, frac.astype(np.int64), False


#: Up to this many candidate cells the rounding is found by augmenting paths
#: in Python; above it by scipy's maximum flow (whose import, through
#: scipy.linalg, costs more than a small pool's whole run).
SMALL_ROUNDING = 4096


def _augment_round(rows_left: np.ndarray, cols_left: np.ndarray, allowed: np.ndarray,
                   weight: np.ndarray | None = None) -> np.ndarray | None:
    """The same as :func:`_max_flow_round` for small matrices: augmenting
    paths, breadth first, each row trying its cells with the largest
    ``weight`` (the remainders) first, then in index order: deterministic."""
    R, C = allowed.shape
    w = np.zeros(allowed.shape) if weight is None else weight
    adj = [sorted(np.flatnonzero(allowed[i]).tolist(), key=lambda b: (-w[i, b], b)) for i in range(R)]
    x = np.zeros((R, C), dtype=np.int64)
    row_need = rows_left.astype(np.int64).copy()
    col_room = cols_left.astype(np.int64).copy()
    for start in range(R):
        while row_need[start] > 0:
            # BFS over rows; an edge row -> col is usable if x == 0, col -> row if x == 1
            prev_row: dict[int, tuple[int, int]] = {start: (-1, -1)}
            queue, found = [start], None
            while queue and found is None:
                nxt = []
                for i in queue:
                    for b in adj[i]:
                        if x[i, b]:
                            continue
                        if col_room[b] > 0:
                            found = (i, b)
                            break
                        for k in np.flatnonzero(x[:, b]).tolist():
                            if k not in prev_row:
                                prev_row[k] = (i, b)
                                nxt.append(k)
                    if found is not None:
                        break
                queue = nxt
            if found is None:
                return None
            i, b = found
            col_room[b] -= 1
            while True:  # flip the path back to the start
                x[i, b] = 1
                pi, pb = prev_row[i]
                if pi < 0:
                    break
                x[i, pb] = 0
                i, b = pi, pb
            row_need[start] -= 1
    return x if (col_room == 0).all() else None


def _max_flow_round(rows_left: np.ndarray, cols_left: np.ndarray, allowed: np.ndarray,
                    weight: np.ndarray | None = None) -> np.ndarray | None:
    """A 0/1 matrix on ``allowed`` cells with the given row and column sums,
    found as a maximum flow (deterministic for given inputs; small matrices
    by :func:`_augment_round`, which prefers large ``weight``); None if none
    exists."""
    R, C = allowed.shape
    need = int(rows_left.sum())
    if need == 0:
        return np.zeros(allowed.shape, dtype=np.int64)
    if int(allowed.sum()) <= SMALL_ROUNDING:
        return _augment_round(rows_left, cols_left, allowed, weight)
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    ri, ci = np.nonzero(allowed)
    src, sink = 0, 1 + R + C
    heads = np.concatenate([np.zeros(R, np.int64), 1 + ri, 1 + R + np.arange(C)])
    tails = np.concatenate([1 + np.arange(R), 1 + R + ci, np.full(C, sink)])
    capa = np.concatenate([rows_left, np.ones(ri.size, np.int64), cols_left]).astype(np.int32)
    graph = csr_array((capa, (heads, tails)), shape=(sink + 1, sink + 1))
    res = maximum_flow(graph, src, sink)
    if res.flow_value != need:
        return None
    flow = res.flow.tocsr()
    out = np.zeros(allowed.shape, dtype=np.int64)
    out[ri, ci] = np.asarray(flow[1 + ri, 1 + R + ci]).ravel()
    return out


def _fill_any(rows_left: np.ndarray, cols_left: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Any whole-unit matrix on ``allowed`` cells with the given margins (a
    maximum flow without a per-cell limit). Hall's condition holds for the
    margins calls() gives, so one exists."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    R, C = allowed.shape
    ri, ci = np.nonzero(allowed)
    src, sink = 0, 1 + R + C
    heads = np.concatenate([np.zeros(R, np.int64), 1 + ri, 1 + R + np.arange(C)])
    tails = np.concatenate([1 + np.arange(R), 1 + R + ci, np.full(C, sink)])
    cell = np.minimum(rows_left[ri], cols_left[ci])
    capa = np.concatenate([rows_left, cell, cols_left]).astype(np.int64)
    if capa.max(initial=0) >= 2**31:  # csgraph takes int32 capacities: exact integers instead
        return _fill_any_exact(rows_left, cols_left, allowed)
    graph = csr_array((capa.astype(np.int32), (heads, tails)), shape=(sink + 1, sink + 1))
    res = maximum_flow(graph, src, sink)
    if res.flow_value != int(rows_left.sum()):  # pragma: no cover - see the docstring
        raise RuntimeError("no flow matrix with these margins")
    out = np.zeros(allowed.shape, dtype=np.int64)
    out[ri, ci] = np.asarray(res.flow.tocsr()[1 + ri, 1 + R + ci]).ravel()
    return out


def _fill_any_exact(rows_left: np.ndarray, cols_left: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """:func:`_fill_any` in Python integers, for margins above 2**31 units
    (a money pool of billions of euros): a greedy fill, then augmenting
    paths (shortest first) through the filled cells until every row is
    served. The number of paths does not grow with the amounts."""
    from collections import deque

    R, C = allowed.shape
    supply, demand = [int(v) for v in rows_left], [int(v) for v in cols_left]
    x = [[0] * C for _ in range(R)]
    ok = [np.flatnonzero(allowed[i]).tolist() for i in range(R)]
    for i in range(R):
        for j in ok[i]:
            give = min(supply[i], demand[j])
            x[i][j] += give
            supply[i] -= give
            demand[j] -= give
    while any(supply):
        came_row: dict[int, int] = {}  # column reached -> the row it was reached from
        came_col: dict[int, int] = {}  # row reached -> the column it was reached from (a filled cell)
        queue = deque(i for i in range(R) if supply[i])
        starts = set(queue)
        end = None
        while queue and end is None:
            i = queue.popleft()
            for j in ok[i]:
                if j in came_row:
                    continue
                came_row[j] = i
                if demand[j]:
                    end = j
                    break
                for k in range(R):
                    if x[k][j] and k not in came_col and k not in starts:
                        came_col[k] = j
                        queue.append(k)
        if end is None:  # pragma: no cover - Hall's condition holds for the margins calls() gives
            raise RuntimeError("no flow matrix with these margins")
        path, j = [], end
        while True:  # walk back: (row, column) cells to raise, alternating with cells to lower
            i = came_row[j]
            path.append((i, j))
            if i in starts and i not in came_col:
                break
            j = came_col[i]
        start_row = path[-1][0]
        delta = min(supply[start_row], demand[end],
                    *(x[i][came_col[i]] for i, _ in path[:-1]))
        for i, j in path:
            x[i][j] += delta
            if (i, j) != path[-1]:
                x[i][came_col[i]] -= delta
        supply[start_row] -= delta
        demand[end] -= delta
    return np.array(x, dtype=np.int64).reshape(R, C)


def _proportional(a: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    target = proportional_target(a, y, mask)
    if target is None:  # no proportional fit: any matrix with these margins
        return _fill_any(a, y, mask)
    f, rem, _ = target
    rows_left = a - f.sum(axis=1)
    cols_left = y - f.sum(axis=0)
    if (rows_left >= 0).all() and (cols_left >= 0).all():
        extra = _max_flow_round(rows_left, cols_left, (rem > 0) & mask, rem)
        if extra is not None:
            return f + extra
    return _fill_any(a, y, mask)  # pragma: no cover - a fit too coarse to round


def _compact(a: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """North-west corner rule, nobody sending to itself: beneficiaries that
    also contribute are served first (so their own supply is still there for
    the others), each from contributors in order."""
    x = np.zeros((a.size, y.size), dtype=np.int64)
    supply = a.copy()
    order = sorted(range(y.size), key=lambda b: (mask[:, b].all(), b))
    for b in order:
        want = int(y[b])
        for i in np.flatnonzero((supply > 0) & mask[:, b]):
            give = min(int(supply[i]), want)
            x[i, b] = give
            supply[i] -= give
            want -= give
            if want == 0:
                break
        if want:
            return _proportional(a, y, mask)  # a corner case the rule cannot serve
    return x


def flows(inp: ModelInput, called: np.ndarray, y: np.ndarray,
          mode: FlowsMode = FlowsMode.PROPORTIONAL) -> np.ndarray:
    """(n, m, 3) whole units sent by each contributor to each beneficiary.

    ``proportional``: per type, every flow is the floor or the ceiling of
    its proportional value ``call_i x received_b / total`` (exact without a
    forbidden pair), rows and columns adding up exactly to the calls and the
    receipts (a controlled rounding, found as a maximum flow).
    ``compact``: the north-west corner rule (at most n + m - 1 pairs).
    """
    n, m = len(inp.contributors), len(inp.beneficiaries)
    out = np.zeros((n, m, 3), dtype=np.int64)
    me = inp.self_index
    for t in range(3):
        rows = np.flatnonzero(called[:, t] > 0)
        cols = np.flatnonzero(y[:, t] > 0)
        if rows.size == 0 or cols.size == 0:
            continue
        mask = np.ones((rows.size, cols.size), dtype=bool)
        pos = {int(i): k for k, i in enumerate(rows)}
        for k, b in enumerate(cols):
            if me[b] >= 0 and int(me[b]) in pos:
                mask[pos[int(me[b])], k] = False
        a, r = called[rows, t], y[cols, t]
        block = _proportional(a, r, mask) if mode is FlowsMode.PROPORTIONAL else _compact(a, r, mask)
        out[np.ix_(rows, cols, np.array([t]))] = block[:, :, None]
    return out


#: The exact levels' steps, by level name (see :class:`solidarity.optimise.model.Level`):
#: the solver calls them; the model names the levels without importing this
#: module, so the optimiser's imports run one way (allocate uses the model).
EXACT_STEPS = {"fairness": fairness_step, "balance": balance_step}
