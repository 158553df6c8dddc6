"""Benchmarks: medians over repeated runs, and ratios between them.

Usage::

    python benchmarks/run.py            # everything but the largest pool
    python benchmarks/run.py --large    # adds 500 contributors x 100 units
    python benchmarks/run.py --quick    # fewer repeats

The machines this runs on are shared and noisy: read the ratios, and the
medians only as orders of magnitude.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import solidarity  # noqa: E402
from solidarity.apportionment import apportion  # noqa: E402
from solidarity.data import load_indicator  # noqa: E402
from solidarity.key import batched_key, exact_key, reference_key  # noqa: E402
from solidarity.model import build, extract  # noqa: E402
from solidarity.schema import DEFAULT_PARTICIPANTS, GDP, POPULATION, Method, SolverName  # noqa: E402
from solidarity.solve import solve, to_pulp  # noqa: E402
from solidarity.verify import verify  # noqa: E402
from synthetic import synthetic_input  # noqa: E402


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fmt(sec: float) -> str:
    return f"{sec * 1e3:.3g} ms" if sec < 1 else f"{sec:.3g} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--large", action="store_true")
    args = ap.parse_args()
    rep = 3 if args.quick else 7

    parts = list(DEFAULT_PARTICIPANTS)
    pop = load_indicator(POPULATION).values[parts]
    gdp = load_indicator(GDP).values[parts]
    ind = pd.DataFrame({POPULATION: pop, GDP: gdp})
    half = {POPULATION: 0.5, GDP: 0.5}

    print("## Key (26 states)")
    t_single = median_time(lambda: reference_key(ind, half), rep * 10)
    S = 10_000
    w = np.column_stack([np.linspace(0.3, 0.7, S), 1 - np.linspace(0.3, 0.7, S)])
    vals = ind.to_numpy()
    t_batch = median_time(lambda: batched_key(vals, w), rep)
    exact_in = {k: {g: Fraction(repr(float(v))) for g, v in ind[k].items()} for k in half}
    t_exact = median_time(lambda: exact_key(exact_in, {k: Fraction(1, 2) for k in half}), rep * 10)
    print(f"reference_key, one scenario:        median {fmt(t_single)}")
    print(f"batched_key, {S} scenarios:       median {fmt(t_batch)} "
          f"({fmt(t_batch / S)} per scenario; {t_single / (t_batch / S):.0f}x faster per scenario)")
    print(f"exact_key (fractions) / float key:  {t_exact / t_single:.1f}x")

    print("\n## Apportionment (exact fractions)")
    share = exact_key(exact_in, {k: Fraction(1, 2) for k in half})
    for method in Method:
        t = median_time(lambda: apportion(share, 21_000, method), rep)
        print(f"{method.value:16s} 26 states, 21 000 persons:  median {fmt(t)}")
    rng = np.random.default_rng(0)
    big = {f"U{i:05d}": int(v) for i, v in enumerate(rng.integers(1, 10**6, 2000))}
    for method in (Method.HAMILTON, Method.WEBSTER):
        t = median_time(lambda: apportion(big, 1_000_000, method), max(1, rep // 2))
        print(f"{method.value:16s} 2 000 units, 1 000 000 persons: median {fmt(t)}")

    print("\n## Real cycle: scenarios/2026-adopted.toml, warm (after one run)")
    sc = solidarity.load_scenario(HERE.parent / "scenarios" / "2026-adopted.toml")
    base = None
    for solver in SolverName:
        solidarity.run(sc, solver=solver)
        t = median_time(lambda: solidarity.run(sc, solver=solver), rep)
        base = base or t
        print(f"{solver.value:11s} full run (data to verified tables): median {fmt(t)} ({t / base:.1f}x highs)")

    print("\n## Model assembly: numpy sparse matrix vs PuLP objects (200 x 50)")
    inp = synthetic_input(200, 50)
    t_np = median_time(lambda: build(inp), rep)
    prob = build(inp)
    c = prob.objectives["shortfall"]
    t_pulp = median_time(lambda: to_pulp(prob, c, prob.A, prob.row_lb, prob.row_ub), max(1, rep // 2))
    print(f"numpy build median {fmt(t_np)}; PuLP model median {fmt(t_pulp)}: {t_pulp / t_np:.0f}x slower")

    print("\n## Synthetic pools, HiGHS, all five levels, verified")
    sizes = [(26, 4), (100, 20), (200, 50)] + ([(500, 100)] if args.large else [])
    first = None
    for n, m in sizes:
        inp = synthetic_input(n, m)
        prob = build(inp)
        reps = 1 if n * m >= 50_000 else max(1, rep // 2)
        res = {}

        def once():
            res["r"] = solve(build(inp))
        t = median_time(once, reps)
        ok = res["r"].ok and not verify(inp, extract(prob, res["r"].x, inp))
        first = first or t
        print(f"{n:4d} contributors x {m:3d} units: {prob.n_vars:7d} vars, {prob.A.shape[0]:5d} rows; "
              f"median {fmt(t)} ({t / first:.0f}x the 26 x 4 pool); {res['r'].status.value}, "
              f"verified {ok}")


if __name__ == "__main__":
    main()
