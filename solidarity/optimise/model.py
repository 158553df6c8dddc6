"""Stage 4: the integer programme on pledges and receipts, assembled with numpy.

The programme decides, per contributing state ``i``, its pledge ``p[i,t]`` of
each type ``t`` (relocation in persons; financial and alternative in EUR),
and, per benefitting state ``b``, what it receives ``y[b,t]``. Who sends what
to whom is *not* a decision: contributors are called pro rata to their
pledges and flows are a matrix apportionment of those margins
(:mod:`solidarity.optimise.allocate`). This is exact: by Hall's theorem, receipts
``y`` can be served from pledges ``p`` by flows in which nobody sends to
itself if and only if, per type, ``sum_b y[b] <= sum_i p[i]`` and
``y[b] <= sum_{i != b} p[i]`` for a beneficiary that is also a contributor
(and, for alternative measures, which must all reach a requester,
``sum_b y[b] = sum_i p[i]``). The pairwise model in
:mod:`solidarity.optimise.pairwise` is kept as the test oracle of that claim.

``e`` is the equivalence rate (EUR per relocation); ``u_t`` the value of a
unit of type ``t`` (``e`` for relocation, 1 otherwise).

Variables::

    p[i,t]      pledge, integer, lower <= p <= upper
    unmet[i]    obligation not pledged (EUR), integer
    over[i]     value pledged above the obligation, at most over_max[i]
                (what the state's own floors, recorded pledge or stated
                preference imply; 0 for a state that stated nothing)
    dpos, dneg  deviation from the stated preference (states that stated one)
    q[i,t]      in-kind pledge above the reference, t in (relocation,
                alternative), for states with a preference that the model may move
    y[b,t]      received, integer, 0 <= y <= need
    ssar        SAR target not reached (EUR)
    lam         smallest pool-wide coverage ratio over the types with needs,
                times the largest need W (for the solvers' tolerances)

Rows::

    sum_t u_t p[i,t] + unmet[i] - over[i] = O_i           obligation
    p - dpos + dneg = pref                                 deviation
    sum_b y[b,t] <= sum_i p[i,t]  (= for alternative)      supply
    y[b,t] <= sum_{i != b} p[i,t]                          nobody sends to itself
    sum_{b SAR} sum_t u_t y[b,t] + ssar >= S               SAR target
    sum_b y[b,t] - lam N_t / W >= 0                        type balance
    q[i,t] - u_t p[i,t] >= -u_t pref[i,t]                  in-kind above reference

Levels (the order of objectives), each a :class:`Level`; :mod:`solidarity.optimise.solve`
solves them in order and fixes each optimum before the next:

``unmet``          obligations not met (EUR)
``unmet_order``    tie-break: an unmet amount that could fall on several
                   states falls on them in the order of their codes
``deviation``      deviation from stated preferences (EUR)
``deviation_order``  a deviation that must happen falls first on money, then
                   on alternative measures, then on relocations (EUR x 1, 2, 3)
``needs``          beneficiaries' unmet needs + SAR target not reached (EUR)
``type_balance``   when needs are short, every type is covered in the same
                   proportion as far as possible (max-min pool coverage ratio)
``in_kind``        relocations and alternative measures asked of the states
                   the model chooses for, beyond what they stated: as few as
                   the levels above allow (EUR)
``people_first``   tie-break: of relocations and other measures of equal
                   value, relocations received
``state_order``    tie-break: whatever the levels above leave open in the
                   pledges (which of two stated states gives up a unit
                   that only one of them can place, say) falls on the
                   states in the order of their codes, AT first, and within
                   a state on money first, then alternative measures, then
                   relocations: each state's distance from its reference
                   (its stated or recorded pledge, 0 if it stated nothing),
                   weighted 1, 2, 3 as in ``deviation_order`` and times the
                   state's rank 1..n
``fairness``       those in-kind pledges shared pro rata to obligations among
                   the states the model chooses for, within their limits
                   (exact, :func:`solidarity.optimise.allocate.fairness_step`); what a
                   beneficiary that also pledges must leave for the others is
                   taken from receipts that follow from the fixed totals, not
                   from the solver's, so every backend gets the same split
``balance``        what each beneficiary receives: per type, leximin coverage
                   ratios, the SAR target met with the least burden on the
                   earlier types (exact, :func:`solidarity.optimise.allocate.balance`)

Which rule decides each tie, so that every backend returns the same
pledges and receipts: the unmet amount per state, ``unmet_order``; a
stated state's deviation per type, ``deviation_order`` and then
``state_order``; the in-kind totals and the values of the states the model
chooses for, ``in_kind``, ``people_first`` and ``state_order``; their split,
``fairness`` (pro rata, exact); each other state's pledge, ``state_order``;
the type totals received, ``needs``, ``type_balance`` and ``people_first``
(alternative measures: all pledged are received); who receives them,
``balance`` (exact, from the pledges and the totals alone).

With ``priority = "needs"`` the ``needs`` and ``type_balance`` levels come
before ``deviation``, and every state without a recorded pledge is one the
model may move.

Slack variables are auxiliary: :func:`extract` recomputes everything from
the integer pledges and receipts, so solver tolerances never reach a
published number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..schema import TYPES, FrozenDict, Priority, SolidarityType
from .sparse import Matrix

REL, FIN, ALT = (TYPES.index(t) for t in (SolidarityType.RELOCATION, SolidarityType.FINANCIAL,
                                          SolidarityType.ALTERNATIVE))
IN_KIND = (REL, ALT)
#: Weights of ``deviation_order``: money first, then alternative, then relocations.
ORDER_WEIGHTS = np.array([3, 1, 2], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class ModelInput:
    """Everything the programme needs, as integer arrays (no scenario object).

    Shapes: ``n`` contributors, ``m`` beneficiaries, 3 types in
    :data:`~solidarity.schema.TYPES` order. ``upper`` uses -1 for "no cap".
    ``preferred`` is the reference pledge: the recorded or stated one, or 0
    for a state that stated nothing (``stated`` False, ``recorded`` False).
    ``free`` marks the states the model chooses for (fairness applies).
    """

    contributors: tuple[str, ...]
    beneficiaries: tuple[str, ...]
    rate: int
    obligation: np.ndarray  # (n,)
    preferred: np.ndarray  # (n, 3)
    lower: np.ndarray  # (n, 3)
    upper: np.ndarray  # (n, 3), -1 = none
    over_max: np.ndarray  # (n,)
    stated: np.ndarray  # (n,) bool: a preference to deviate from
    recorded: np.ndarray  # (n,) bool
    free: np.ndarray  # (n,) bool
    needs: np.ndarray  # (m, 3)
    sar: np.ndarray  # (m,) bool
    sar_target: int
    priority: Priority = Priority.PREFERENCES

    @property
    def unit_value(self) -> np.ndarray:
        return np.array([self.rate, 1, 1], dtype=np.int64)

    @property
    def self_index(self) -> np.ndarray:
        """(m,) index of each beneficiary among the contributors, or -1."""
        pos = {g: i for i, g in enumerate(self.contributors)}
        return np.array([pos.get(b, -1) for b in self.beneficiaries], dtype=np.int64)

    def caps(self) -> np.ndarray:
        """(n, 3) upper bounds with "none" as int64 max (for arithmetic)."""
        return np.where(self.upper < 0, np.iinfo(np.int64).max, self.upper)


@dataclass(frozen=True)
class Level:
    """One objective of the lexicographic programme.

    ``kind`` says how it is solved: ``milp`` (the objective vector
    ``cost``, minimised by the chosen backend), ``ratio`` (a max-min ratio
    over whole-unit breakpoints: an LP bound, then feasibility checks, the
    MILP only as a fallback) or ``exact`` (computed in integers by
    ``compute``, or by the step of the level's name in
    :data:`solidarity.optimise.allocate.EXACT_STEPS`, then checked against every
    row). ``fix`` says
    how its optimum is kept for the levels after it: ``objective_row``
    (``cost @ x <= optimum``, exact because the optimum is an integer),
    ``ratio_floors`` (whole-unit floors implied by the optimal ratio) or
    ``values`` (the variables it sets are fixed).
    """

    name: str
    kind: str
    unit: str
    fix: str
    description: str
    cost: np.ndarray | None = field(default=None, repr=False)
    compute: Callable | None = field(default=None, repr=False)
    value: Callable = field(default=None, repr=False)  # type: ignore[assignment]
    skip: bool = False  #: nothing to decide at this level for this input
    sets: tuple[str, ...] = ()  #: for ``fix = "values"``: the variable blocks it decides


@dataclass(frozen=True, eq=False)
class MilpProblem:
    """A mixed-integer programme in matrix form, solver-independent."""

    inputs: ModelInput
    blocks: Mapping[str, np.ndarray]  #: variable block name -> index array
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    A: Matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    levels: tuple[Level, ...]
    #: Options for every HiGHS backend (none needed by this model: its one
    #: level that HiGHS once misjudged, the type balance, is solved by
    #: :func:`solidarity.optimise.solve._ratio_search`).
    highs_options: Mapping[str, object] = field(default_factory=FrozenDict)

    def as_vector(self, s: Solution) -> np.ndarray:
        """A full solution vector for a solution (see :func:`as_vector`)."""
        return as_vector(self, s)

    @property
    def n_vars(self) -> int:
        return self.lb.size

    @property
    def n_rows(self) -> int:
        return self.A.shape[0]

    def level(self, name: str) -> Level:
        return next(lv for lv in self.levels if lv.name == name)

    def var_names(self) -> list[str]:
        """Readable names (built only for LP files): ``p_AT_relocation``."""
        inp = self.inputs
        types = tuple(t.value for t in TYPES)
        axes = {"p": (inp.contributors, types), "unmet": (inp.contributors,),
                "over": (inp.contributors,), "y": (inp.beneficiaries, types),
                "dpos": (tuple(np.array(inp.contributors)[inp.stated]), types),
                "dneg": (tuple(np.array(inp.contributors)[inp.stated]), types),
                "q": (tuple(np.array(inp.contributors)[inp.free & inp.stated]), ("relocation", "alternative"))}
        names = [""] * self.n_vars
        for block, idx in self.blocks.items():
            ax = axes.get(block, ())
            for pos in np.ndindex(idx.shape):
                tag = "_".join(str(ax[k][j]) for k, j in enumerate(pos)) if ax else ""
                names[int(idx[pos])] = f"{block}_{tag}" if tag else f"{block}{'_' + str(pos[0]) if pos else ''}"
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
        self.integ.append(np.full(size, int(integer), dtype=np.uint8))
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

    def matrix(self) -> Matrix:
        return Matrix(np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.vals),
                      (self.m, self.n))


def pledge_bounds(inp: ModelInput) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) bounds of ``p`` as floats: the scenario's limits, and
    no pledge worth more than the obligation plus the allowed excess (an
    implied bound: solvers search far less with it)."""
    u = inp.unit_value
    most = (inp.obligation + inp.over_max)[:, None] // u[None, :]
    upper = np.minimum(inp.caps(), np.maximum(most, inp.lower))
    return inp.lower.astype(float), upper.astype(float)


def build(inp: ModelInput) -> MilpProblem:
    """Assemble the programme described in the module docstring."""
    n, m = len(inp.contributors), len(inp.beneficiaries)
    u = inp.unit_value.astype(float)
    O = inp.obligation.astype(float)
    inf = np.inf
    B = _Builder()

    plo, pup = pledge_bounds(inp)
    p = B.var((n, 3), plo, pup, True)
    unmet = B.var((n,), 0, O, True)
    over = B.var((n,), 0, inp.over_max.astype(float), True)
    st = np.flatnonzero(inp.stated)
    dpos = B.var((st.size, 3), 0, inf, False)
    dneg = B.var((st.size, 3), 0, inf, False)
    fs = np.flatnonzero(inp.free & inp.stated)
    q = B.var((fs.size, 2), 0, inf, False)
    y = B.var((m, 3), 0, inp.needs.astype(float), True)
    ssar = B.var((1,), 0, float(inp.sar_target), False)
    # lam is the coverage ratio scaled by the largest need W (in its own
    # units), so lam runs over [0, W]: two ratios within reach differ by at
    # least 1 / N_t, worth at least 1 in lam, far above the solvers' absolute
    # tolerances, and the rows' coefficients N_t / W stay within (0, 1].
    scale = float(max(int(inp.needs.sum(axis=0).max(initial=0)), 1))
    lam = B.var((1,), 0, scale, False)

    r = B.rows_(n, O, O)  # obligation
    B.coef(r[:, None], p, u[None, :])
    B.coef(r, unmet, 1.0)
    B.coef(r, over, -1.0)

    pref = inp.preferred[st].astype(float)
    r = B.rows_(3 * st.size, pref.ravel(), pref.ravel()).reshape(st.size, 3)  # deviation
    B.coef(r, p[st], 1.0)
    B.coef(r, dpos, -1.0)
    B.coef(r, dneg, 1.0)

    sup_lb = np.array([-inf, -inf, 0.0])  # alternative pledges all go to a requester
    r = B.rows_(3, sup_lb, 0.0)  # supply
    B.coef(r[None, :], y, 1.0)
    B.coef(r[None, :], p, -1.0)

    me = inp.self_index
    for b in np.flatnonzero(me >= 0):  # one row per such beneficiary and type: few
        i = me[b]
        for t in range(3):
            if pup[i, t] <= 0 or inp.needs[b, t] == 0:
                continue  # it cannot pledge this type, or needs none: nothing to exclude
            others = np.delete(np.arange(n), i)
            r = B.rows_(1, -inf, 0.0)
            B.coef(r, y[b, t], 1.0)
            B.coef(r, p[others, t], -1.0)

    sar_b = np.flatnonzero(inp.sar)
    r = B.rows_(1, float(inp.sar_target), inf)
    B.coef(r, y[sar_b, :], np.broadcast_to(u, (sar_b.size, 3)))
    B.coef(r, ssar, 1.0)

    need_t = inp.needs.sum(axis=0)
    has = balanced_types(inp, pup)
    r = B.rows_(has.size, 0.0, inf)  # type balance
    B.coef(r[None, :], y[:, has], 1.0)
    B.coef(r, lam[0], -need_t[has].astype(float) / scale)

    for k, t in enumerate(IN_KIND):  # in-kind above the reference
        r = B.rows_(fs.size, -u[t] * inp.preferred[fs, t], inf)
        B.coef(r, q[:, k], 1.0)
        B.coef(r, p[fs, t], -u[t])

    blocks = {"p": p, "unmet": unmet, "over": over, "dpos": dpos, "dneg": dneg, "q": q, "y": y,
              "ssar": ssar, "lam": lam}
    levels = _levels(inp, blocks, B.n)
    return MilpProblem(inputs=inp, blocks=blocks, lb=np.concatenate(B.lb), ub=np.concatenate(B.ub),
                       integrality=np.concatenate(B.integ), A=B.matrix(),
                       row_lb=np.concatenate(B.rlb), row_ub=np.concatenate(B.rub), levels=levels)


def balanced_types(inp: ModelInput, pup: np.ndarray | None = None) -> np.ndarray:
    """Types whose pool-wide coverage the type-balance level evens out: those
    with a need that some pledge could reach (a need only its own state could
    fill is out of reach: nobody sends to itself)."""
    if pup is None:
        pup = pledge_bounds(inp)[1]
    total = pup.sum(axis=0)
    me = inp.self_index
    own = np.where(me[:, None] >= 0, pup[np.maximum(me, 0)], 0)
    reach = np.minimum(inp.needs, np.maximum(total[None, :] - own, 0)).sum(axis=0)
    return np.flatnonzero((inp.needs.sum(axis=0) > 0) & (reach > 0))


def state_order_cost(inp: ModelInput, blk: Mapping[str, np.ndarray], N: int) -> np.ndarray:
    """The cost vector of ``state_order``: for a state the model does not
    choose for, rank x its distance from its reference (weighted 3, 1, 2 per
    type in EUR); for one it chooses for, (W_t + rank) x u_t per unit of
    type t, which the fairness step keeps (it keeps values and type totals)."""
    st = np.flatnonzero(inp.stated)
    w = (ORDER_WEIGHTS * inp.unit_value).astype(float)
    rank = np.arange(1, len(inp.contributors) + 1, dtype=float)
    c = np.zeros(N)
    fixed_st = ~inp.free[st]
    c[blk["dpos"][fixed_st]] = rank[st][fixed_st][:, None] * w[None, :]
    c[blk["dneg"][fixed_st]] = rank[st][fixed_st][:, None] * w[None, :]
    loose = np.flatnonzero(~inp.stated & ~inp.recorded & ~inp.free)  # reference 0
    c[blk["p"][loose]] = rank[loose][:, None] * w[None, :]
    free = np.flatnonzero(inp.free)
    c[blk["p"][free]] = w[None, :] + rank[free][:, None] * inp.unit_value[None, :].astype(float)
    return c


def _levels(inp: ModelInput, blk: Mapping[str, np.ndarray], N: int) -> tuple[Level, ...]:
    """The levels in the order the scenario's priority gives, each with its
    cost vector over the ``N`` variables (blocks ``blk``).

    Long because it is the programme's one list of levels: each cost vector
    sits next to the level it defines, in the order they are solved.
    """

    u = inp.unit_value.astype(float)
    st = np.flatnonzero(inp.stated)
    c_unmet = np.zeros(N)
    c_unmet[blk["unmet"]] = 1.0
    c_dev = np.zeros(N)
    c_dev[blk["dpos"]] = np.broadcast_to(u, blk["dpos"].shape)
    c_dev[blk["dneg"]] = np.broadcast_to(u, blk["dneg"].shape)
    c_needs = np.zeros(N)
    c_needs[blk["y"]] = -np.broadcast_to(u, blk["y"].shape)
    c_needs[blk["ssar"]] = 1.0
    c_bal = np.zeros(N)
    c_bal[blk["lam"]] = -1.0  # lam is the ratio scaled by the largest need (see build)
    c_kind = np.zeros(N)
    plain = np.flatnonzero(inp.free & ~inp.stated)
    for t in IN_KIND:
        c_kind[blk["p"][plain, t]] = u[t]
    c_kind[blk["q"]] = 1.0
    # A documented tie-break for unmet obligations: when limits let several
    # states leave the same amount unmet (they compete for the same
    # alternative-measure requests, say), it falls on them in the order of
    # their codes (weights 1..n); unique, and exact while n x the pool's
    # value stays below 2**53 (objective_bounds checks it).
    c_unmet_order = np.zeros(N)
    c_unmet_order[blk["unmet"]] = np.arange(1, len(inp.contributors) + 1, dtype=float)
    c_order = np.zeros(N)
    w = (ORDER_WEIGHTS * inp.unit_value).astype(float)
    c_order[blk["dpos"]] = np.broadcast_to(w, blk["dpos"].shape)
    c_order[blk["dneg"]] = np.broadcast_to(w, blk["dneg"].shape)

    # The last tie-break on pledges (see the module docstring), weighted by
    # type as deviation_order and by the state's rank, so that what is still
    # open falls on AT first. For a state the model chooses for it counts
    # only what the fairness step after it keeps (each state's value, each
    # group's type totals): w . u p, plus rank x its value. Exact while
    # n x 3 x the pool's value stays below 2**53 (objective_bounds).
    c_state = state_order_cost(inp, blk, N)

    no_needs = not inp.needs.any()
    types_with_needs = int(balanced_types(inp).size)
    # Tie-break after in_kind: between relocations and alternative measures
    # of equal value, relocations received (people first, Art 56(2)(a)).
    c_people = np.zeros(N)
    c_people[blk["y"][:, REL]] = -1.0
    unmet = Level("unmet", "milp", "EUR", "objective_row",
                  "obligations not met, EUR (a state whose limits make its fair share impossible)",
                  cost=c_unmet, value=value_unmet)
    unmet_order = Level("unmet_order", "milp", "EUR x rank", "objective_row",
                        "tie-break: an unmet obligation that could fall on several states falls on "
                        "them in the order of their codes", cost=c_unmet_order, value=value_unmet_order)
    deviation = Level("deviation", "milp", "EUR", "objective_row",
                      "deviation from stated preferences, EUR", cost=c_dev, value=value_deviation,
                      skip=st.size == 0)
    needs = Level("needs", "milp", "EUR", "objective_row",
                  "beneficiaries' unmet needs and SAR target not reached, EUR (relocations at e)",
                  cost=c_needs, value=value_needs, skip=no_needs)
    tbal = Level("type_balance", "ratio", "ratio", "ratio_floors",
                 "smallest pool-wide coverage ratio over the types with needs, as large as possible",
                 cost=c_bal, value=value_type_balance, skip=types_with_needs < 2)
    kind = Level("in_kind", "milp", "EUR", "objective_row",
                 "relocations and alternative measures asked of the states the model chooses for, "
                 "beyond what they stated, EUR", cost=c_kind, value=value_in_kind,
                 skip=not inp.free.any())
    people = Level("people_first", "milp", "persons", "objective_row",
                   "tie-break: of relocations and other measures of equal value, relocations received",
                   cost=c_people, value=value_people_first, skip=no_needs or not inp.needs[:, REL].any())
    state = Level("state_order", "milp", "EUR x rank", "objective_row",
                  "tie-break: what the levels above leave open in the pledges falls on the states in the "
                  "order of their codes, and within a state on money, then alternative measures, then "
                  "relocations", cost=c_state, value=value_state_order, skip=bool(inp.recorded.all()))
    fair = Level("fairness", "exact", "rate", "values",
                 "in-kind pledges of the states the model chooses for shared pro rata to obligations",
                 value=value_fairness, skip=not inp.free.any(),
                 sets=("p",))
    order = Level("deviation_order", "milp", "EUR", "objective_row",
                  "a deviation that must happen falls on money, then alternative measures, then "
                  "relocations (weights 1, 2, 3)", cost=c_order, value=value_deviation_order,
                  skip=st.size == 0)
    bal = Level("balance", "exact", "ratio", "values",
                "per type, leximin coverage of needs among beneficiaries (Art 60(2)), SAR target kept",
                value=value_balance, skip=no_needs, sets=("y",))
    if inp.priority is Priority.NEEDS:
        return (unmet, unmet_order, needs, tbal, deviation, order, kind, people, state, fair, bal)
    # A stated state's forced deviation is settled (money first) before the
    # needs levels, which could otherwise steer it into relocations.
    return (unmet, unmet_order, deviation, order, needs, tbal, kind, people, state, fair, bal)


# --- exact evaluation of each level ----------------------------------------

@dataclass(frozen=True, eq=False)
class Solution:
    """Integer pledges and receipts, and what follows from them (int64)."""

    pledges: np.ndarray  # (n, 3)
    received: np.ndarray  # (m, 3)
    unmet: np.ndarray  # (n,)
    over: np.ndarray  # (n,)
    need_shortfall: np.ndarray  # (m, 3)
    sar_received: int
    sar_shortfall: int


def extract(problem: MilpProblem, x: np.ndarray) -> Solution:
    """Read pledges and receipts from a rounded solution; derive the rest."""
    inp = problem.inputs
    p = np.rint(x[problem.blocks["p"]]).astype(np.int64)
    y = np.rint(x[problem.blocks["y"]]).astype(np.int64)
    return solution_of(inp, p, y)


def solution_of(inp: ModelInput, p: np.ndarray, y: np.ndarray) -> Solution:
    value = (p * inp.unit_value).sum(axis=1)
    sar_value = int((y[inp.sar] * inp.unit_value).sum())
    return Solution(pledges=p, received=y, unmet=np.maximum(inp.obligation - value, 0),
                    over=np.maximum(value - inp.obligation, 0), need_shortfall=inp.needs - y,
                    sar_received=sar_value, sar_shortfall=max(0, inp.sar_target - sar_value))


def _py(a) -> int:
    """Exact sum as a Python integer (no int64 overflow for any input)."""
    return sum(int(v) for v in np.asarray(a).ravel())


def value_unmet(inp: ModelInput, s: Solution) -> int:
    return _py(s.unmet)


def value_unmet_order(inp: ModelInput, s: Solution) -> int:
    return sum(k * int(v) for k, v in enumerate(s.unmet.tolist(), start=1))


def value_deviation(inp: ModelInput, s: Solution) -> int:
    d = np.abs(s.pledges - inp.preferred)[inp.stated] * inp.unit_value
    return _py(d)


def value_deviation_order(inp: ModelInput, s: Solution) -> int:
    d = np.abs(s.pledges - inp.preferred)[inp.stated] * (ORDER_WEIGHTS * inp.unit_value)
    return _py(d)


def value_state_order(inp: ModelInput, s: Solution) -> int:
    """``state_order`` (:func:`state_order_cost`) in exact integers."""
    w = ORDER_WEIGHTS * inp.unit_value
    total = 0
    for k, (p, ref) in enumerate(zip(s.pledges.tolist(), inp.preferred.tolist())):
        rank = k + 1
        if inp.free[k]:
            total += sum((int(w[t]) + rank * int(inp.unit_value[t])) * p[t] for t in range(3))
        elif not inp.recorded[k]:
            total += rank * sum(int(w[t]) * abs(p[t] - ref[t]) for t in range(3))
    return total


def value_needs(inp: ModelInput, s: Solution) -> int:
    return _py(s.need_shortfall * inp.unit_value) + s.sar_shortfall


def coverage_by_type(inp: ModelInput, received: np.ndarray) -> dict[int, Fraction]:
    """Pool-wide coverage ratio received / need, per type the type-balance
    level evens out (:func:`balanced_types`)."""
    need = inp.needs.sum(axis=0)
    got = received.sum(axis=0)
    return {int(t): Fraction(int(got[t]), int(need[t])) for t in balanced_types(inp)}


def value_type_balance(inp: ModelInput, s: Solution) -> Fraction:
    cov = coverage_by_type(inp, s.received)
    return min(cov.values()) if cov else Fraction(1)


def in_kind_above(inp: ModelInput, pledges: np.ndarray) -> np.ndarray:
    """(n, 2) in-kind pledges above the reference (relocation, alternative),
    EUR, for the states the model chooses for (0 elsewhere)."""
    ref = np.where(inp.stated[:, None], inp.preferred, 0)[:, IN_KIND]
    above = np.maximum(pledges[:, IN_KIND] - ref, 0) * inp.unit_value[list(IN_KIND)]
    return np.where(inp.free[:, None], above, 0)


def value_people_first(inp: ModelInput, s: Solution) -> int:
    """Relocations not received (the tie-break minimises it)."""
    return _py(inp.needs[:, REL]) - _py(s.received[:, REL])


def value_in_kind(inp: ModelInput, s: Solution) -> int:
    return _py(in_kind_above(inp, s.pledges))


def value_fairness(inp: ModelInput, s: Solution) -> Fraction:
    """Largest in-kind adjustment rate (EUR per EUR of obligation) among the
    states the model chooses for."""
    free = np.flatnonzero(inp.free & (inp.obligation > 0))
    if free.size == 0:
        return Fraction(0)
    ref = np.where(inp.stated[:, None], inp.preferred, 0)
    adj = np.abs((s.pledges - ref)[:, IN_KIND]) * inp.unit_value[list(IN_KIND)]
    return max(Fraction(int(adj[i].sum()), int(inp.obligation[i])) for i in free)


def value_balance(inp: ModelInput, s: Solution) -> Fraction:
    """Smallest coverage ratio received / need over beneficiaries and types."""
    has = inp.needs > 0
    if not has.any():
        return Fraction(1)
    return min(Fraction(int(s.received[b, t]), int(inp.needs[b, t])) for b, t in zip(*np.nonzero(has)))


def level_values(problem: MilpProblem, s: Solution) -> dict[str, int | Fraction]:
    """Every level's value at a solution, computed exactly from the decisions."""
    return {lv.name: lv.value(problem.inputs, s) for lv in problem.levels}


def as_vector(problem: MilpProblem, s: Solution) -> np.ndarray:
    """A full solution vector with every auxiliary variable at its tightest
    value (used by the exact levels and to check rows)."""
    inp, blk = problem.inputs, problem.blocks
    x = np.zeros(problem.n_vars)
    x[blk["p"]] = s.pledges
    x[blk["y"]] = s.received
    x[blk["unmet"]] = s.unmet
    x[blk["over"]] = s.over
    dev = (s.pledges - inp.preferred)[inp.stated]
    x[blk["dpos"]] = np.maximum(dev, 0)
    x[blk["dneg"]] = np.maximum(-dev, 0)
    fs = np.flatnonzero(inp.free & inp.stated)
    x[blk["q"]] = in_kind_above(inp, s.pledges)[fs]
    x[blk["ssar"]] = s.sar_shortfall
    cov = coverage_by_type(inp, s.received)
    scale = max(int(inp.needs.sum(axis=0).max(initial=0)), 1)
    x[blk["lam"]] = float(min(cov.values()) * scale) if cov else float(scale)
    return x


def type_floors(inp: ModelInput, ratio: Fraction) -> np.ndarray:
    """Whole units per type that a pool-wide coverage ratio implies: ceil(ratio x N_t)."""
    need = inp.needs.sum(axis=0)
    return np.array([math.ceil(ratio * int(need[t])) if need[t] > 0 else 0 for t in range(3)],
                    dtype=np.int64)


#: Every whole number up to this is exact in float64 (2**53).
FLOAT_EXACT = 2**53


def objective_bounds(problem: MilpProblem) -> dict[str, float]:
    """The largest absolute value each level's objective can take, from the
    variables' bounds (auxiliaries bounded by what they measure). The fixed
    rows ``cost @ x <= optimum + 1/2`` are exact only while this stays below
    :data:`FLOAT_EXACT`; :func:`check_exact` says so."""
    inp, blk = problem.inputs, problem.blocks
    top = np.maximum(np.abs(problem.lb), np.abs(problem.ub))
    p_hi = problem.ub[blk["p"]]
    st = np.flatnonzero(inp.stated)
    fs = np.flatnonzero(inp.free & inp.stated)
    top[blk["dpos"]] = p_hi[st]
    top[blk["dneg"]] = inp.preferred[st]
    top[blk["q"]] = (p_hi[fs][:, list(IN_KIND)] * inp.unit_value[list(IN_KIND)])
    return {lv.name: float(np.abs(lv.cost) @ top) for lv in problem.levels if lv.cost is not None}


def check_exact(problem: MilpProblem) -> list[str]:
    """Levels whose objective could exceed 2**53 (empty: all exact)."""
    return [f"level {k}: objective up to {v:.3g} > 2**53" for k, v in objective_bounds(problem).items()
            if v >= FLOAT_EXACT]
