"""The ``pulp_vs_numpy`` benchmark: PuLP objects against the numpy assembly."""

from __future__ import annotations

import time

from .common import _model_input_for, empty_row, label, median


def bench_pulp(n: int = 1000, m: int = 100, repeats: int = 5, seed: int = 0,
               synthetic_only: bool = False) -> dict:
    """``model.build`` (numpy) against ``solve.to_pulp`` (PuLP objects) for
    the same model: the first level's objective and every row."""
    import numpy as np

    from solidarity.optimise.model import build
    from solidarity.optimise.solve import to_pulp

    row = empty_row("pulp_vs_numpy", label(n, m))
    inp = _model_input_for(row, n, m, seed, synthetic_only)
    np_times = []
    for _ in range(max(5, repeats)):
        t0 = time.perf_counter()
        prob = build(inp)
        np_times.append(time.perf_counter() - t0)
    c = prob.levels[0].cost
    pulp_times, lp = [], None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        lp, _values = to_pulp(prob, c, prob.A, prob.row_lb, prob.row_ub, prob.lb, prob.ub)
        pulp_times.append(time.perf_counter() - t0)
    eq = prob.row_lb == prob.row_ub
    expected = int(eq.sum() + (~eq & np.isfinite(prob.row_lb)).sum() + (~eq & np.isfinite(prob.row_ub)).sum())
    same = lp.numConstraints() == expected and len(lp.objective) == int(np.count_nonzero(c))
    row.update(contributors=len(inp.contributors), beneficiaries=len(inp.beneficiaries),
               variables=prob.n_vars, rows=prob.n_rows, nonzeros=int(prob.A.nnz),
               runs=len(pulp_times), time_s=median(np_times), baseline_s=median(pulp_times),
               ratio_of="PuLP objects / numpy assembly", target=">= 20x", verified=same,
               note=f"numpy build: median of {len(np_times)}; to_pulp on the assembled arrays: "
                    f"median of {len(pulp_times)}; {lp.numConstraints()} PuLP constraints")
    row["ratio"] = row["baseline_s"] / row["time_s"]
    row["meets_target"] = row["ratio"] >= 20
    return row
