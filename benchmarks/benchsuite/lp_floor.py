"""The LP floor: the lexicographic LP sequence, the bound for any exact method."""

from __future__ import annotations

import time


def lp_floor(problem) -> float | None:
    """Seconds of the lexicographic LP sequence, the floor for any exact
    method on this model: each solver level's LP relaxation in order, its
    optimum kept as a row for the next (the exact levels, fairness and
    balance, are not LPs and are left out). One HiGHS instance, each LP
    warm-started from the previous basis (as the solver's LP-first path
    does; a cold start per level is slower, so this floor is the stricter
    one). None if an LP does not solve."""
    from solidarity.optimise.lpchain import LpChain
    from solidarity.optimise.solve import _silent_highspy
    from solidarity.optimise.sparse import Matrix

    highspy = _silent_highspy()
    t0 = time.perf_counter()
    chain = LpChain(highspy, Matrix.coerce(problem.A), problem.row_lb, problem.row_ub, problem.lb, problem.ub)
    for lv in problem.levels:
        if lv.skip or lv.cost is None:
            continue
        lp = chain.solve(lv.cost)
        if lp.status != "optimal" or lp.objective is None:
            return None
        slack = 1e-9 * max(1.0, abs(lp.objective))
        chain.add_rows(Matrix.coerce(lv.cost[None, :]), [-float("inf")], [lp.objective + slack])
    return time.perf_counter() - t0
