"""Stage 4: the integer programme, assembled as a sparse matrix with numpy.

Sets: contributors ``i`` (participants), beneficiaries ``b``, types ``t``
(relocation in persons; financial and alternative in EUR). ``e`` is the
equivalence rate (EUR per relocation), ``u_t`` the value of one unit of type
``t`` (``e`` for relocation, 1 otherwise).

Variables (all integer unless said)::

    p[i,t]     pledge of state i of type t                lower <= p <= upper
    unmet[i]   obligation not pledged (EUR)               0 <= unmet <= O_i
    over[i]    pledged above the obligation because floors force it (EUR)
    dpos, dneg deviation above / below the preferred mix (continuous)
    x[i,b,t]   flow from i to beneficiary b               x[i,i,t] = 0
    sneed[b,t] need of b not covered
    spool[k]   pool shortfall: k = 0 relocations (persons), 1 money (EUR)
    ssar       SAR reserve not reached (EUR)
    cover[t]   smallest coverage ratio of type t (continuous, 0..1)

Constraints::

    sum_t u_t p[i,t] + unmet[i] - over[i] = O_i           obligation
    p[i,t] - dpos[i,t] + dneg[i,t] = pref[i,t]             deviation
    sum_b x[i,b,t] <= p[i,t]   (= for alternative: Art 57(2), only what
                                beneficiaries requested can be pledged)
    sum_i x[i,b,t] + sneed[b,t] = need[b,t]                needs
    sum_i p[i,rel] + spool[0] >= R'                        pool, relocations
    sum_i p[i,fin] + p[i,alt] + spool[1] >= F'             pool, money
    sum_{b SAR} sum_{i,t} u_t x[i,b,t] + ssar >= S         SAR reserve
    sum_i x[i,b,t] >= cover[t] need[b,t]   (need > 0)      coverage

Objectives, solved lexicographically (each level's optimum is then fixed):

1. ``shortfall`` (EUR): unmet + e spool_rel + spool_money + sum u_t sneed + ssar
2. ``deviation`` (EUR): sum u_t (dpos + dneg)
3. ``tie_break_pledges``: deviation falls first on financial contributions,
   then alternative measures, then relocations; within a type on the largest
   obligations first (the smallest relative change), equal ones alphabetically.
   Pledges are now unique; what follows only distributes them.
4. ``balance`` (Art 60(2)): per type, what beneficiaries receive is
   leximin-optimal in the coverage ratios received / need: the smallest ratio
   as large as possible, then the next, and so on. Computed exactly by
   :func:`leximin` (the Adams divisor method) and imposed as rows; if the
   full model cannot meet it (SAR reserve, nobody sending to itself), the
   smallest ratio per type is maximised by the solver instead.
5. ``tie_break_flows``: contributors in alphabetical order serve
   beneficiaries in alphabetical order (north-west corner rule), skipping a
   state's pair with itself. Filled exactly by :func:`_greedy_flows`; where
   that cannot meet the targets the solver minimises a strictly Monge cost
   instead (unique optimum).

Slack variables (unmet, over, shortfalls) are auxiliary: :func:`extract`
recomputes them exactly from pledges and flows, so solver tolerances never
reach a published number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Mapping

import numpy as np
import scipy.sparse as sp

from .schema import TYPES, SolidarityType

REL, FIN, ALT = (TYPES.index(t) for t in (SolidarityType.RELOCATION, SolidarityType.FINANCIAL,
                                          SolidarityType.ALTERNATIVE))
LEVELS = ("shortfall", "deviation", "tie_break_pledges", "balance", "tie_break_flows")


@dataclass(frozen=True, eq=False)
class ModelInput:
    """Everything the programme needs, as integer arrays (no scenario object).

    Shapes: ``n`` contributors, ``m`` beneficiaries, 3 types in
    :data:`~solidarity.schema.TYPES` order. ``upper`` uses -1 for "no cap".
    """

    contributors: tuple[str, ...]
    beneficiaries: tuple[str, ...]
    rate: int
    obligation: np.ndarray  # (n,)
    preferred: np.ndarray  # (n, 3)
    lower: np.ndarray  # (n, 3)
    upper: np.ndarray  # (n, 3), -1 = none
    needs: np.ndarray  # (m, 3)
    sar: np.ndarray  # (m,) bool
    target_relocations: int
    target_money: int
    sar_reserve: int

    @property
    def unit_value(self) -> np.ndarray:
        return np.array([self.rate, 1, 1], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class MilpProblem:
    """A mixed-integer programme in matrix form, solver-independent."""

    blocks: Mapping[str, np.ndarray]  #: variable block name -> index array
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    A: sp.csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray
    objectives: Mapping[str, np.ndarray]  #: level name -> cost vector, in order
    integral_levels: frozenset = field(default_factory=frozenset)  #: integer-valued levels
    labels: Mapping[str, tuple] = field(default_factory=dict)  #: block -> axis labels
    #: rounded solution vector -> exact value of every level, computed from
    #: the decisions only (solvers may print auxiliaries imprecisely).
    evaluate: Callable[[np.ndarray], Mapping[str, int | float]] | None = None
    #: (level, rounded solution) -> rows (A, lb, ub) that fix that level's
    #: optimum better than a row on its objective; None: use the objective.
    fix: Callable[[str, np.ndarray], tuple | None] | None = None
    #: (level, solution of the previous level) -> rows that impose this level's
    #: optimum without solving it, or None. If the next solve is infeasible
    #: with them, the level is solved normally instead.
    shortcut: Callable[[str, np.ndarray], tuple | None] | None = None
    #: (level, solution so far) -> a complete solution for this and all later
    #: levels without solving, or None; the solver checks it against every row.
    finish: Callable[[str, np.ndarray], np.ndarray | None] | None = None

    @property
    def n_vars(self) -> int:
        return self.lb.size

    def var_names(self) -> list[str]:
        """Readable names (for LP files): ``block[AT,IT,relocation]``."""
        names = [""] * self.n_vars
        for block, idx in self.blocks.items():
            axes = self.labels.get(block, ())
            for pos in np.ndindex(idx.shape):
                tag = "_".join(str(axes[k][j]) for k, j in enumerate(pos)) if axes else str(pos[0] if pos else "")
                names[int(idx[pos])] = f"{block}_{tag}" if tag else block
        return names


class _Builder:
    def __init__(self):
        self.lb, self.ub, self.integ = [], [], []
        self.n = 0
        self.rows, self.cols, self.vals = [], [], []
        self.rlb, self.rub = [], []
        self.m = 0

    def var(self, shape, lb, ub, integer: bool) -> np.ndarray:
        size = int(np.prod(shape))
        idx = np.arange(self.n, self.n + size).reshape(shape)
        self.lb.append(np.broadcast_to(np.asarray(lb, float), shape).ravel())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), shape).ravel())
        self.integ.append(np.full(size, int(integer)))
        self.n += size
        return idx

    def rows_(self, count: int, lb, ub) -> np.ndarray:
        r = np.arange(self.m, self.m + count)
        self.rlb.append(np.broadcast_to(np.asarray(lb, float), (count,)).ravel())
        self.rub.append(np.broadcast_to(np.asarray(ub, float), (count,)).ravel())
        self.m += count
        return r

    def coef(self, rows, cols, vals) -> None:
        rows, cols = np.broadcast_arrays(np.asarray(rows), np.asarray(cols))
        vals = np.broadcast_to(np.asarray(vals, float), rows.shape)
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(vals.ravel())

    def matrix(self) -> sp.csr_array:
        return sp.csr_array((np.concatenate(self.vals), (np.concatenate(self.rows),
                                                         np.concatenate(self.cols))),
                            shape=(self.m, self.n))


def build(inp: ModelInput) -> MilpProblem:
    """Assemble the programme described in the module docstring."""
    n, m = len(inp.contributors), len(inp.beneficiaries)
    u = inp.unit_value.astype(float)
    O = inp.obligation.astype(float)
    inf = np.inf
    B = _Builder()

    forced = (inp.lower * inp.unit_value).sum(axis=1) - inp.obligation
    # No pledge can be worth more than the obligation plus what floors force;
    # the bound is implied, but solvers (CBC above all) search far less with it.
    most = np.floor((inp.obligation + np.maximum(forced, 0))[:, None] / u[None, :])
    upper = np.minimum(np.where(inp.upper < 0, inf, inp.upper), np.maximum(most, inp.lower)).astype(float)
    p = B.var((n, 3), inp.lower, upper, True)
    unmet = B.var((n,), 0, O, True)
    over = B.var((n,), 0, np.maximum(forced, 0), True)
    dpos = B.var((n, 3), 0, inf, False)
    dneg = B.var((n, 3), 0, inf, False)
    # A beneficiary receives at most its need; nobody sends to itself.
    xub = np.broadcast_to(inp.needs[None, :, :], (n, m, 3)).astype(float).copy()
    self_pairs = np.array([[c == b for b in inp.beneficiaries] for c in inp.contributors],
                          dtype=bool).reshape(n, m)
    xub[self_pairs] = 0
    x = B.var((n, m, 3), 0, xub, True)
    sneed = B.var((m, 3), 0, inp.needs, True)
    spool = B.var((2,), 0, [inp.target_relocations, inp.target_money], True)
    ssar = B.var((1,), 0, inp.sar_reserve, True)
    cover = B.var((3,), 0, 1, False)  # smallest coverage ratio per type

    r = B.rows_(n, O, O)  # obligation
    B.coef(r[:, None], p, u[None, :])
    B.coef(r, unmet, 1.0)
    B.coef(r, over, -1.0)

    pref = inp.preferred.astype(float)
    r = B.rows_(3 * n, pref.ravel(), pref.ravel()).reshape(n, 3)  # deviation
    B.coef(r, p, 1.0)
    B.coef(r, dpos, -1.0)
    B.coef(r, dneg, 1.0)

    sup_ub = np.zeros((n, 3))
    sup_lb = np.full((n, 3), -inf)
    sup_lb[:, ALT] = 0.0  # alternative pledges all go to a requesting beneficiary
    r = B.rows_(3 * n, sup_lb.ravel(), sup_ub.ravel()).reshape(n, 3)  # supply
    B.coef(np.broadcast_to(r[:, None, :], x.shape), x, 1.0)
    B.coef(r, p, -1.0)

    nd = inp.needs.astype(float)
    r = B.rows_(3 * m, nd.ravel(), nd.ravel()).reshape(m, 3)  # needs
    B.coef(np.broadcast_to(r[None, :, :], x.shape), x, 1.0)
    B.coef(r, sneed, 1.0)

    r = B.rows_(1, inp.target_relocations, inf)
    B.coef(r, p[:, REL], 1.0)
    B.coef(r, spool[0], 1.0)
    r = B.rows_(1, inp.target_money, inf)
    B.coef(r, p[:, [FIN, ALT]], 1.0)
    B.coef(r, spool[1], 1.0)

    r = B.rows_(1, inp.sar_reserve, inf)
    sar_x = x[:, inp.sar.astype(bool), :]
    B.coef(r, sar_x, np.broadcast_to(u, sar_x.shape))
    B.coef(r, ssar, 1.0)

    # received[b,t] >= cover[t] * need[b,t] for every beneficiary with a need
    bi, ti = np.nonzero(inp.needs > 0)
    r = B.rows_(bi.size, 0.0, inf)
    B.coef(r[:, None], x[:, bi, ti].T, 1.0)
    B.coef(r, cover[ti], -inp.needs[bi, ti].astype(float))

    N = B.n
    c1 = np.zeros(N)
    c1[unmet] = 1.0
    c1[spool] = [inp.rate, 1.0]
    c1[sneed] = np.broadcast_to(u, sneed.shape)
    c1[ssar] = 1.0
    c2 = np.zeros(N)
    c2[dpos] = np.broadcast_to(u, dpos.shape)
    c2[dneg] = np.broadcast_to(u, dneg.shape)
    # Level 3: deviation falls first on financial contributions, then on
    # alternative measures, then on relocations; within a type on the largest
    # obligations first. Weights tier(t) x rank(i) with tiers 1, n+1, (n+1)^2:
    # additive weights would let exchange cycles (A +relocation -money,
    # B -relocation +money) cancel exactly; with these products no cycle over
    # the three types can (checked for 2- and 3-state cycles, the only ones).
    order = sorted(range(n), key=lambda i: (-int(inp.obligation[i]), inp.contributors[i]))
    rank = np.empty(n)
    rank[order] = np.arange(1, n + 1)
    type_tier = np.zeros(3)
    type_tier[[FIN, ALT, REL]] = [1, n + 1, (n + 1) ** 2]
    w = rank[:, None] * type_tier[None, :]
    c3 = np.zeros(N)
    c3[dpos] = w * u[None, :]
    c3[dneg] = w * u[None, :]
    # Level 4: flow cost c_ib = i (m + 1 - b) is strictly Monge
    # (c_ib + c_jk < c_ik + c_jb for i < j, b < k) and grows with i, so the
    # transport optimum is unique: contributors in alphabetical order serve
    # beneficiaries in alphabetical order (north-west corner rule).
    ii = np.arange(1, n + 1)[:, None]
    bb = np.arange(1, m + 1)[None, :]
    monge = ii * (m + 1 - bb)
    c4 = np.zeros(N)
    c4[x] = monge[:, :, None] * u[None, None, :]

    # Weighted by each type's largest need (in EUR) so that the solver's
    # absolute gap tolerance (1e-6) stays far below one unit received.
    c5 = np.zeros(N)
    c5[cover] = -np.maximum(inp.needs.max(axis=0, initial=0), 1) * u

    names = {"cover": cover, "p": p, "unmet": unmet, "over": over, "dpos": dpos, "dneg": dneg, "x": x,
             "sneed": sneed, "spool": spool, "ssar": ssar}
    types = tuple(t.value for t in TYPES)
    labels = {"p": (inp.contributors, types), "unmet": (inp.contributors,),
              "over": (inp.contributors,), "dpos": (inp.contributors, types),
              "dneg": (inp.contributors, types),
              "x": (inp.contributors, inp.beneficiaries, types),
              "sneed": (inp.beneficiaries, types), "spool": (("relocation", "money"),),
              "ssar": (("reserve",),), "cover": (types,)}
    problem = MilpProblem(blocks=names, lb=np.concatenate(B.lb), ub=np.concatenate(B.ub),
                       integrality=np.concatenate(B.integ), A=B.matrix(),
                       row_lb=np.concatenate(B.rlb), row_ub=np.concatenate(B.rub),
                       objectives=dict(zip(LEVELS, (c1, c2, c3, c5, c4))),
                       integral_levels=frozenset(LEVELS) - {"balance"}, labels=labels)
    object.__setattr__(problem, "evaluate",
                       lambda vec: objective_values(problem, inp, extract(problem, vec, inp)))
    object.__setattr__(problem, "fix", lambda level, vec: _fix_balance(problem, inp, level, vec))
    object.__setattr__(problem, "shortcut", lambda level, vec: _leximin_rows(problem, inp, level, vec))
    object.__setattr__(problem, "finish", lambda level, vec: _greedy_flows(problem, inp, level, vec))
    return problem


def _targets(inp: ModelInput, received: np.ndarray) -> np.ndarray:
    """Leximin split, per type, of what the beneficiaries receive in total."""
    out = received.copy()
    for t in range(3):
        has = np.flatnonzero(inp.needs[:, t] > 0)
        if has.size:
            out[has, t] = leximin(int(received[has, t].sum()), inp.needs[has, t].tolist(),
                                  [inp.beneficiaries[b] for b in has])
    return out


def _greedy_flows(problem: MilpProblem, inp: ModelInput, level: str, vec: np.ndarray):
    """Balance and flows without the solver, when the pledges allow it.

    Each beneficiary gets its leximin target; contributors in alphabetical
    order serve beneficiaries in alphabetical order (north-west corner rule),
    skipping the pair of a state with itself. Returns None where that does
    not fill every target (the solver then takes over).
    """
    if level != "balance":
        return None
    blk = problem.blocks
    p = np.rint(vec[blk["p"]]).astype(np.int64)
    target = _targets(inp, np.rint(vec[blk["x"]]).sum(axis=0).astype(np.int64))
    n, m = len(inp.contributors), len(inp.beneficiaries)
    flows = np.zeros((n, m, 3), dtype=np.int64)
    for t in range(3):
        supply = p[:, t].copy()
        for b in range(m):
            want = int(target[b, t])
            for i in range(n):
                if want == 0:
                    break
                if inp.contributors[i] == inp.beneficiaries[b] or supply[i] == 0:
                    continue
                give = min(int(supply[i]), want)
                flows[i, b, t] = give
                supply[i] -= give
                want -= give
            if want:
                return None
        if t == ALT and supply.any():
            return None  # alternative pledges must all reach a requester
    out = vec.copy()
    out[blk["x"]] = flows
    received = flows.sum(axis=0)
    out[blk["sneed"]] = inp.needs - received
    out[blk["ssar"]] = max(0, inp.sar_reserve - int((flows[:, inp.sar.astype(bool), :] * inp.unit_value).sum()))
    out[blk["cover"]] = _min_coverage(inp, received)
    return out


def leximin(total: int, needs: list[int], names: list[str]) -> list[int]:
    """Whole units ``r_b <= needs[b]`` summing to ``min(total, sum(needs))``
    whose coverage ratios ``r_b / needs[b]`` are leximin-optimal.

    This is the greedy that hands out units one by one to the smallest
    current ratio, ties to the smaller need (its ratio rises most), then name
    A..Z; i.e. the Adams divisor method (signposts ``d(s) = s``). Computed
    from the rounded-up quotas, taking back the units the greedy would have
    given last. Every need must be positive.
    """
    big = sum(needs)
    if total >= big:
        return list(needs)
    seats = [-(-total * n // big) for n in needs]  # ceil of the quotas
    # The greedy's last unit to b raised it from (s-1)/n; among equal ratios
    # it served larger needs later, and names Z..A later.
    for _ in range(sum(seats) - total):
        b = max((b for b in range(len(needs)) if seats[b] > 0),
                key=lambda b: (Fraction(seats[b] - 1, needs[b]), needs[b], names[b]))
        seats[b] -= 1
    return seats


def _leximin_rows(problem: MilpProblem, inp: ModelInput, level: str, vec: np.ndarray):
    """Rows fixing what each beneficiary receives to its leximin target."""
    if level != "balance":
        return None
    x = problem.blocks["x"]
    target = _targets(inp, np.rint(vec[x]).sum(axis=0).astype(np.int64))
    bi, ti = np.nonzero(inp.needs > 0)
    if bi.size == 0:
        return None
    n = len(inp.contributors)
    rows = np.repeat(np.arange(bi.size), n)
    cols = x[:, bi, ti].T.ravel()
    A = sp.csr_array((np.ones(cols.size), (rows, cols)), shape=(bi.size, problem.n_vars))
    t = target[bi, ti].astype(float)
    return A, t, t


def _fix_balance(problem: MilpProblem, inp: ModelInput, level: str, vec: np.ndarray):
    """Fix the balance optimum as whole-unit floors on what each beneficiary
    receives: received[b,t] >= ceil(cov_t * need[b,t]). Rows on integer flows
    with unit coefficients are exact for every solver, where a row on the
    ratio variables would carry the solver's tolerances."""
    if level != "balance":
        return None
    x = problem.blocks["x"]
    received = np.rint(vec[x]).sum(axis=0).astype(np.int64)
    bi, ti = np.nonzero(inp.needs > 0)
    cov = {}
    for b, t in zip(bi.tolist(), ti.tolist()):  # exact smallest ratio per type
        ratio = Fraction(int(received[b, t]), int(inp.needs[b, t]))
        cov[t] = min(cov.get(t, ratio), ratio)
    floors = np.array([math.ceil(cov[t] * int(inp.needs[b, t]))
                       for b, t in zip(bi.tolist(), ti.tolist())], dtype=float)
    n = len(inp.contributors)
    rows = np.repeat(np.arange(bi.size), n)
    cols = x[:, bi, ti].T.ravel()
    A = sp.csr_array((np.ones(cols.size), (rows, cols)), shape=(bi.size, problem.n_vars))
    return A, floors, np.full(bi.size, np.inf)


@dataclass(frozen=True, eq=False)
class Solution:
    """The integer values of a solved programme, by block (int64 arrays)."""

    pledges: np.ndarray  # (n, 3)
    unmet: np.ndarray  # (n,)
    over: np.ndarray  # (n,)
    flows: np.ndarray  # (n, m, 3)
    need_shortfall: np.ndarray  # (m, 3)
    pool_shortfall: np.ndarray  # (2,)
    sar_shortfall: int


def extract(problem: MilpProblem, x: np.ndarray, inp: ModelInput) -> Solution:
    """Read pledges and flows from a rounded solution; derive every slack.

    Only ``p`` and ``x`` are decisions; unmet, over and shortfalls are
    functions of them and are recomputed here in integers.
    """
    p = np.rint(x[problem.blocks["p"]]).astype(np.int64)
    flows = np.rint(x[problem.blocks["x"]]).astype(np.int64)
    value = (p * inp.unit_value).sum(axis=1)
    received = flows.sum(axis=0)
    sar_value = int((flows[:, inp.sar.astype(bool), :] * inp.unit_value).sum())
    return Solution(
        pledges=p, unmet=np.maximum(inp.obligation - value, 0),
        over=np.maximum(value - inp.obligation, 0), flows=flows,
        need_shortfall=inp.needs - received,
        pool_shortfall=np.array([max(0, inp.target_relocations - int(p[:, REL].sum())),
                                 max(0, inp.target_money - int(p[:, [FIN, ALT]].sum()))],
                                dtype=np.int64),
        sar_shortfall=max(0, inp.sar_reserve - sar_value))


def coverage(inp: ModelInput, sol: Solution) -> np.ndarray:
    """Smallest coverage ratio received / need per type (1 where no need)."""
    return _min_coverage(inp, sol.flows.sum(axis=0))


def _min_coverage(inp: ModelInput, received: np.ndarray) -> np.ndarray:
    out = np.ones(3)
    for t in range(3):
        has = inp.needs[:, t] > 0
        if has.any():
            out[t] = float((received[has, t] / inp.needs[has, t]).min())
    return out


def objective_values(problem: MilpProblem, inp: ModelInput, sol: Solution) -> dict[str, int | float]:
    """Each level's objective at the solution, from derived values (exact
    integers for the integer-valued levels)."""
    vec = np.zeros(problem.n_vars, dtype=object)
    dev = sol.pledges - inp.preferred
    parts = {"p": sol.pledges, "unmet": sol.unmet, "over": sol.over,
             "dpos": np.maximum(dev, 0), "dneg": np.maximum(-dev, 0), "x": sol.flows,
             "sneed": sol.need_shortfall, "spool": sol.pool_shortfall,
             "ssar": np.array([sol.sar_shortfall])}
    for block, values in parts.items():
        vec[problem.blocks[block].ravel()] = [int(v) for v in np.asarray(values).ravel()]
    out: dict[str, int | float] = {}
    for k, c in problem.objectives.items():
        if k == "balance":
            out[k] = float(c[problem.blocks["cover"]] @ coverage(inp, sol))
        else:
            out[k] = int(sum(int(round(c[j])) * vec[j] for j in np.flatnonzero(c)))
    return out
