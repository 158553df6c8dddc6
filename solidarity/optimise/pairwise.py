"""The pairwise formulation of the programme: a test oracle and a baseline.

:func:`solidarity.optimise.model.build` decides pledges ``p`` and receipts ``y`` and
never who sends what to whom: two aggregate rows per type stand for the
flows, exact by Hall's theorem. This module states the flows outright, as
integer variables ``x[i,b,t]`` (contributor ``i`` to beneficiary ``b``, type
``t``), and drops the aggregate rows::

    y[b,t] - sum_i x[i,b,t] = 0                  receipts are flows
    sum_b x[i,b,t] - p[i,t] <= 0  (= for ALT)     nobody sends more than it pledged
    x[i,b,t] = 0 where i is b                    nobody sends to itself

in place of::

    sum_b y[b,t] <= sum_i p[i,t]  (= for alternative)
    y[b,t] <= sum_{i != b} p[i,t]

Everything else (variables, bounds, the other rows, the levels) is
:func:`~solidarity.optimise.model.build`'s own, taken from the problem it builds, so
the two formulations differ in those rows only. If Hall's theorem applies as
:mod:`solidarity.optimise.model` claims, both have the same optimum at every level;
``tests/test_oracle.py`` checks that on random inputs. The pairwise model has
``3 n m`` more variables and ``3 (n + m)`` more rows, which is why it is only
an oracle and a benchmark baseline. On the bundled scenarios (26
contributors, amounts up to 1e8 EUR) it solves in under a second to ten
seconds with CBC or HiGHS through PuLP, and to the same optimum at every
level. The aggregate model's tighter HiGHS tolerance (1e-9) made HiGHS
misjudge this larger model and take minutes (tests/test_oracle.py), so the
pairwise problem runs at HiGHS's defaults (``highs_options`` empty).

:meth:`PairwiseProblem.as_vector` completes a solution vector with flows
found by a maximum flow, so every row of the pairwise model holds when
:func:`solidarity.optimise.solve.solve` checks an exact level's solution.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from pathlib import Path

import numpy as np

from ..schema import TYPES, FrozenDict, SolverName
from . import model
from .model import ALT, MilpProblem, ModelInput, Solution, build
from .sparse import Matrix

__all__ = ["PairwiseProblem", "build_pairwise", "flows_for", "solve_pairwise"]


@dataclasses.dataclass(frozen=True, eq=False)
class PairwiseProblem(MilpProblem):
    """A :class:`~solidarity.optimise.model.MilpProblem` with one more block, ``x``
    of shape ``(n, m, 3)``: the flows."""

    def as_vector(self, s: Solution) -> np.ndarray:
        """:func:`solidarity.optimise.model.as_vector` with the flows filled in
        (:func:`flows_for`), so that every row holds."""
        x = model.as_vector(self, s)
        # Where no flows exist (pledges and receipts that break Hall's
        # condition) the largest partial flows leave a receipt row broken,
        # so solve's row check rejects the solution as it would the
        # aggregate one.
        x[self.blocks["x"]] = _serve(self.inputs, s.pledges, s.received)[0]
        return x

    def flows(self, x: np.ndarray) -> np.ndarray:
        """(n, m, 3) integer flows read from a solution vector."""
        return np.rint(x[self.blocks["x"]]).astype(np.int64)

    def var_names(self) -> list[str]:
        """The base names, and ``x_AA_BB_relocation`` for the flows (the base
        class would give every flow of one contributor the same name)."""
        names = super().var_names()
        inp = self.inputs
        for (i, b, t), j in np.ndenumerate(self.blocks["x"]):
            names[int(j)] = f"x_{inp.contributors[i]}_{inp.beneficiaries[b]}_{TYPES[t].value}"
        return names


def _aggregate_rows(agg: MilpProblem) -> np.ndarray:
    """Indices of the rows of ``agg`` that the flows replace: those on
    ``p`` and ``y`` only (supply, and nobody sends to itself). Checked
    against their expected form, so a change in ``model.build`` that this
    module does not know about fails loudly instead of testing nothing."""
    start, cols, vals = Matrix.coerce(agg.A).csr()
    y_type = np.full(agg.n_vars, -1)  # type of each y and p column, -1 elsewhere
    y_type[agg.blocks["y"]] = np.arange(3)
    p_type = np.full(agg.n_vars, -1)
    p_type[agg.blocks["p"]] = np.arange(3)
    out = []
    for r in range(agg.n_rows):
        c, v = cols[start[r]:start[r + 1]], vals[start[r]:start[r + 1]]
        c, v = c[v != 0], v[v != 0]
        on_y, on_p = y_type[c] >= 0, p_type[c] >= 0
        if c.size == 0 or not (on_y | on_p).all():
            continue
        types = set(y_type[c[on_y]].tolist()) | set(p_type[c[on_p]].tolist())
        if not (len(types) == 1 and (v[on_y] == 1).all() and (v[on_p] == -1).all() and agg.row_ub[r] == 0):
            raise RuntimeError(f"row {r} of model.build is on p and y but not of the form "
                               "sum y - sum p <= 0: update solidarity.optimise.pairwise")
        out.append(r)
    if len(out) < 3:
        raise RuntimeError("model.build has fewer than 3 supply rows: update solidarity.optimise.pairwise")
    return np.array(out, dtype=np.int64)


def build_pairwise(inp: ModelInput) -> PairwiseProblem:
    """The programme of :func:`solidarity.optimise.model.build` with explicit flows.

    Variables and levels are the aggregate problem's, in the same order,
    followed by ``x[i,b,t]`` (integer, ``0 <= x <= min(need, pledge bound)``,
    fixed to 0 when ``i`` is ``b``). The aggregate supply and self rows are
    dropped and the receipt and per-contributor supply rows appended (module
    docstring). Every level's cost is the aggregate one, 0 on ``x``.
    """
    agg = build(inp)
    n, m = len(inp.contributors), len(inp.beneficiaries)
    N = agg.n_vars
    x = N + np.arange(n * m * 3).reshape(n, m, 3)
    p, y = agg.blocks["p"], agg.blocks["y"]
    xub = np.minimum(inp.needs[None, :, :], agg.ub[p][:, None, :]).astype(float)
    me = inp.self_index
    for b in np.flatnonzero(me >= 0):
        xub[me[b], b, :] = 0.0  # nobody sends to itself

    keep = np.setdiff1d(np.arange(agg.n_rows), _aggregate_rows(agg))
    kept = Matrix.coerce(agg.A).rows_of(keep)
    kept = Matrix(kept.rows, kept.cols, kept.vals, (keep.size, N + x.size), summed=True)
    # receipts: y[b,t] - sum_i x[i,b,t] = 0, one row per (b, t)
    rec = np.arange(m * 3).reshape(m, 3)
    rows = [rec.ravel(), np.broadcast_to(rec[None], (n, m, 3)).ravel()]
    cols = [y.ravel(), x.ravel()]
    vals = [np.ones(m * 3), -np.ones(x.size)]
    # supply: sum_b x[i,b,t] - p[i,t] <= 0 (= 0 for alternative), one row per (i, t)
    sup = m * 3 + np.arange(n * 3).reshape(n, 3)
    rows += [np.broadcast_to(sup[:, None, :], (n, m, 3)).ravel(), sup.ravel()]
    cols += [x.ravel(), p.ravel()]
    vals += [np.ones(x.size), -np.ones(n * 3)]
    new = Matrix(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), (m * 3 + n * 3, N + x.size))
    sup_lb = np.where(np.arange(3) == ALT, 0.0, -np.inf)

    pad = np.zeros(x.size)
    levels = tuple(lv if lv.cost is None else dataclasses.replace(lv, cost=np.concatenate([lv.cost, pad]))
                   for lv in agg.levels)
    return PairwiseProblem(
        inputs=inp, blocks={**agg.blocks, "x": x},
        lb=np.concatenate([agg.lb, np.zeros(x.size)]), ub=np.concatenate([agg.ub, xub.ravel()]),
        integrality=np.concatenate([agg.integrality, np.ones(x.size, dtype=agg.integrality.dtype)]),
        A=kept.vstack(new),
        row_lb=np.concatenate([agg.row_lb[keep], np.zeros(m * 3), np.tile(sup_lb, n)]),
        row_ub=np.concatenate([agg.row_ub[keep], np.zeros(m * 3 + n * 3)]),
        levels=levels, highs_options=FrozenDict())


# --- flows from pledges and receipts ------------------------------------------


def _max_flow(cap: list[list[int]], s: int, t: int) -> list[list[int]]:
    """Edmonds-Karp on a dense capacity matrix, in Python integers (exact for
    any amount; the graphs here have a few dozen nodes). Returns the flow."""
    k = len(cap)
    flow = [[0] * k for _ in range(k)]
    while True:
        parent = [-1] * k  # breadth-first search for a shortest augmenting path
        parent[s] = s
        queue = deque([s])
        while queue and parent[t] < 0:
            u = queue.popleft()
            for v in range(k):
                if parent[v] < 0 and cap[u][v] > flow[u][v]:
                    parent[v] = u
                    queue.append(v)
        if parent[t] < 0:
            return flow
        path, v = [], t
        while v != s:
            path.append((parent[v], v))
            v = parent[v]
        push = min(cap[u][v] - flow[u][v] for u, v in path)
        for u, v in path:
            flow[u][v] += push
            flow[v][u] -= push


def flows_for(inp: ModelInput, pledges: np.ndarray, received: np.ndarray) -> np.ndarray:
    """(n, m, 3) whole units, with every beneficiary receiving exactly
    ``received``, no contributor sending more than its pledge (alternative
    measures: exactly its pledge) and nobody sending to itself.

    Found per type as a maximum flow, independently of
    :mod:`solidarity.optimise.allocate` (this is the oracle's own witness).

    Raises
    ------
    ValueError : no such flows exist (Hall's condition fails).
    """
    out, bad = _serve(inp, pledges, received)
    if bad:
        t = bad[0]
        raise ValueError(f"{TYPES[t].value}: receipts {received[:, t].tolist()} cannot be served "
                         f"from pledges {pledges[:, t].tolist()} without self-flows")
    return out


def _serve(inp: ModelInput, pledges: np.ndarray, received: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Largest flows per type, and the types where they fall short."""
    n, m = len(inp.contributors), len(inp.beneficiaries)
    me = inp.self_index
    out = np.zeros((n, m, 3), dtype=np.int64)
    bad = []
    src, sink = n + m, n + m + 1
    for t in range(3):
        cap = [[0] * (n + m + 2) for _ in range(n + m + 2)]
        for i in range(n):
            cap[src][i] = int(pledges[i, t])
            for b in range(m):
                if me[b] != i:
                    cap[i][n + b] = int(received[b, t])
        for b in range(m):
            cap[n + b][sink] = int(received[b, t])
        f = _max_flow(cap, src, sink)
        out[:, :, t] = [[f[i][n + b] for b in range(m)] for i in range(n)]
        want = int(received[:, t].sum())
        if int(out[:, :, t].sum()) != want or (t == ALT and want != int(pledges[:, t].sum())):
            bad.append(t)
    return out, bad


# --- solving ---------------------------------------------------------------------

def solve_pairwise(problem: PairwiseProblem, solver: SolverName | str = SolverName.HIGHS,
                   time_limit: float | None = None, mip_gap: float = 0.0,
                   write_lp: str | Path | None = None):
    """:func:`solidarity.optimise.solve.solve` on the pairwise problem (``solve``
    completes solution vectors with :meth:`PairwiseProblem.as_vector`, which
    fills in the flows). Returns a :class:`~solidarity.optimise.solve.SolveResult`."""
    from . import solve as S

    return S.solve(problem, solver, time_limit=time_limit, mip_gap=mip_gap, write_lp=write_lp)
