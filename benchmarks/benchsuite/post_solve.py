"""The ``post_solve`` benchmark: the stages after the solver, without it."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .common import _STAGE_OF, _load_real, _preimport, empty_row, inputs_for, is_real, label, peak_rss_mb
from .progress import Timer


def heuristic_solution(inp):
    """A feasible integer solution without a solver, for timing the stages
    after it at sizes the MILP does not reach: each state pledges its floors,
    recorded pledge or, if free, about 30 % of its obligation in relocations
    (within its cap) and the rest in money; no alternative measures beyond
    floors; receipts split leximin (``allocate.balance``). Not optimal: the
    verifier will say so, and is timed all the same."""
    import numpy as np

    from solidarity.optimise.allocate import balance, receipt_caps
    from solidarity.optimise.model import ALT, FIN, REL, solution_of

    u = inp.unit_value
    p = inp.lower.copy()
    rec = inp.recorded
    p[rec] = inp.preferred[rec]
    caps = inp.caps()
    free = ~rec
    rel = np.minimum((inp.obligation * 3 // 10) // u[REL], caps[:, REL])
    p[free, REL] = np.maximum(p[free, REL], rel[free])
    p[:, ALT] = np.where(rec, p[:, ALT], inp.lower[:, ALT])
    rest = inp.obligation - (p * u).sum(axis=1) + p[:, FIN]
    p[free, FIN] = np.clip(rest[free], inp.lower[free, FIN], caps[free, FIN])
    totals = np.minimum(p.sum(axis=0), receipt_caps(inp, p).sum(axis=0))
    totals[ALT] = p[:, ALT].sum()  # alternative measures all go to a requester (floors fit by construction)
    y, _ = balance(inp, p, totals, inp.sar_target)
    return solution_of(inp, p, y)


def bench_post_solve(n: int, m: int, seed: int = 0, synthetic_only: bool = False, isolated: bool = False) -> dict:
    """Every stage but the solver at one size, on :func:`heuristic_solution`:
    shares, model input, build (assembled, not solved), calls, flows, rules
    and tables, verify, write; peak memory. One run."""
    from solidarity.optimise.allocate import calls, flows
    from solidarity.optimise.model import build
    from solidarity.optimise.solve import SolveResult
    from solidarity.outputs.output import build_manifest, write_outputs
    from solidarity.outputs.report import build_tables, render
    from solidarity.pact.verify import verify_outcomes
    from solidarity.pipeline import Allocation, apply_rules, compute_shares, model_input
    from solidarity.schema import SolveStatus

    real = is_real(n, m, synthetic_only)
    _preimport()
    row = empty_row("post_solve", label(n, m))
    inputs, source, _ = inputs_for(n, m, seed, real, None)
    timer = Timer()
    if real:
        inputs = _load_real(timer)
    row["source"] = source
    sc = inputs.scenario
    t = time.perf_counter()
    with timer("shares"):
        shares = compute_shares(sc, inputs.population, inputs.gdp)
        inp = model_input(sc, shares)
    with timer("build"):
        prob = build(inp)
    sol = heuristic_solution(inp)
    result = SolveResult(status=SolveStatus.OPTIMAL, objective={}, gap=None, runtime=0.0,
                         solver="none (heuristic solution, benchmark only)", version="", x=None,
                         solution=sol)
    with timer("calls"):
        called = calls(inp, sol.pledges, sol.received)
    with timer("flows"):
        alloc = Allocation(called=called, flows=flows(inp, called, sol.received, sc.allocation.flows))
    with timer("tables"):
        rules = apply_rules(sc, shares, inp, sol, alloc)
        tables = build_tables(sc, inputs.population, inputs.gdp, shares, inp, result, sol, alloc, rules)
    with timer("verify"):
        violations = verify_outcomes(sc, inputs.population, inputs.gdp, tables)
    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as tmp, timer("write"):
        files = render(tables, ["parquet"])
        write_outputs(files, Path(tmp) / "out", force=True, identity="benchmark",
                      manifest=build_manifest(files, identity="benchmark", command=["benchmarks/suite.py"]))
    row["flows_rows"] = len(tables["flows"])  # printed, not in the CSV
    row.update(contributors=len(inp.contributors), beneficiaries=len(inp.beneficiaries), runs=1,
               variables=prob.n_vars, rows=prob.n_rows, nonzeros=int(prob.A.nnz), status="no solver",
               verified=True, peak_rss_mb=round(peak_rss_mb(), 1), total_s=time.perf_counter() - t,
               note=(f"heuristic solution, no solver; flows table {len(tables['flows'])} rows; the verifier "
                     f"ran in full and found {len(violations)} rule(s) not met (expected: the solution is "
                     "not optimal)") + ("" if isolated else "; peak memory of the whole process"))
    for k, v in timer.seconds.items():
        row[f"{_STAGE_OF[k]}_s"] = (row.get(f"{_STAGE_OF[k]}_s") or 0.0) + v
    return row
