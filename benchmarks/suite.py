"""The benchmark suite: one command, a printed table and a CSV.

Usage::

    python benchmarks/suite.py                        # every size, medians of 5
    python benchmarks/suite.py --sizes 26x4 1000x100  # some sizes
    python benchmarks/suite.py --repeats 9 --csv out.csv
    python benchmarks/suite.py --profile benchmarks/profiles   # where the time goes
    python benchmarks/suite.py --smoke                # every benchmark once, smallest size

What it measures (medians; the machines this runs on are shared and noisy,
so read ratios, and absolute times as orders of magnitude):

``size``           per pool size ``n x m`` (``26x4`` is the real 2026 cycle,
                   ``scenarios/2026-adopted.toml``; the others are synthetic
                   pools from :mod:`solidarity.inputs.synthetic`, seed 0): every stage
                   of a run (data, shares and model input, build, solve and each
                   solver level from ``SolveResult.trace``, calls, flows, rules
                   and tables, verify, write Parquet to a temporary folder),
                   peak memory (``ru_maxrss`` of a fresh process per size),
                   variables, rows, nonzeros, whether the optimum is proven and
                   the outcome verified;
``pairwise``       the pairwise formulation (:mod:`solidarity.optimise.pairwise`, build
                   and solve) against the aggregate one, per size, with a
                   solver time limit and a wall-clock limit ("did not finish in
                   N s"); sizes above one where it did not finish are not tried;
``pulp_vs_numpy``  building the same model as PuLP objects
                   (:func:`solidarity.optimise.solve.to_pulp`, from the assembled arrays)
                   against the numpy assembly (:func:`solidarity.optimise.model.build`) at
                   1000 x 100;
``batched_key``    :func:`solidarity.pact.key.batched_key` for 10 000 scenarios x 26
                   states against a Python loop calling ``reference_key``;
``cli``            ``solidarity run scenarios/2026-adopted.toml -o DIR -f parquet
                   --quiet`` in a subprocess against ``python -c "import numpy,
                   scipy.optimize, pandas"``: CPU time (user + sys, from
                   ``RUSAGE_CHILDREN``), interpreter start included.

Repeats: each size runs ``--repeats`` times (default 5) unless a run is so
slow that they would exceed ``--budget`` seconds; then fewer, and the table
says how many. Before a size larger than those measured, its peak memory and
time are extrapolated from the two largest measured sizes; it is skipped
when the memory would not fit (80 % of MemAvailable) or the time exceeds
``--timeout``, and the table says so. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT / "scenarios" / "2026-adopted.toml"

DEFAULT_SIZES = ("26x4", "200x50", "1000x100", "5000x200", "20000x500", "100000x1000")
#: Solver levels, in the order :func:`solidarity.optimise.model.build` gives them by default.
LEVELS = ("unmet", "unmet_order", "deviation", "deviation_order", "needs", "type_balance", "in_kind",
          "people_first", "fairness", "balance")
#: Stages of a run: ``shares`` is fair shares and the model input, ``tables``
#: the rules (offsets, crisis) and the tables.
STAGES = ("data", "shares", "build", "solve", "calls", "flows", "tables", "verify", "write")
COLUMNS = ["benchmark", "size", "solver", "solver_version", "contributors", "beneficiaries", "source", "runs",
           *(f"{s}_s" for s in STAGES), *(f"level_{lv}_s" for lv in LEVELS), "total_s", "cpu_s",
           "peak_rss_mb", "variables", "rows", "nonzeros", "status", "proven_optimal", "verified",
           "time_s", "baseline_s", "ratio", "ratio_of", "target", "meets_target", "code", "note"]
#: The benchmarks, as --only names them.
BENCHMARKS = ("size", "pairwise", "pulp_vs_numpy", "batched_key", "cli")
#: Targets of the issue "Large pools at speed" (information; never asserted).
SIZE_TARGETS = {(1000, 100): ("build+solve", 1.0), (5000, 200): ("build+solve", 10.0),
                (20000, 500): ("total", 60.0)}


# --- helpers -------------------------------------------------------------------------

def parse_size(text: str) -> tuple[int, int]:
    n, _, m = text.lower().replace("_", "").replace(" ", "").partition("x")
    try:
        return int(n), int(m)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is CONTRIBUTORSxBENEFICIARIES, such as 1000x100, "
                                         f"not {text!r}") from None


def label(n: int, m: int) -> str:
    return f"{n}x{m}"


def is_real(n: int, m: int, synthetic_only: bool = False) -> bool:
    """26 x 4 is the real 2026 cycle unless asked otherwise."""
    return (n, m) == (26, 4) and not synthetic_only


def empty_row(benchmark: str, size: str = "") -> dict:
    from solidarity.optimise.solve import solver_version
    from solidarity.schema import SolverName

    row: dict[str, Any] = {c: None for c in COLUMNS}
    # Every row names the solver release: a new release can change the times
    # several-fold (highspy 1.16 against 1.15 on 1000 x 100).
    solver, version = solver_version(SolverName.HIGHS)
    row.update(benchmark=benchmark, size=size, solver=solver, solver_version=version, note="")
    return row


def median(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux: kB; macOS: bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def mem_available_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


#: A file the child appends what it starts and finishes to, so that a run
#: killed by the wall-clock limit still says how far it got (``isolated``).
_PROGRESS: dict[str, Path | None] = {"path": None}


def progress(text: str) -> None:
    path = _PROGRESS["path"]
    if path is not None:
        with path.open("a") as f:
            f.write(f"{time.time():.3f} {text}\n")


class Timer:
    """``with timer("stage"):`` adds the stage's seconds to ``seconds``."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        progress(f"start stage {name}")
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
            progress(f"end stage {name}")


@contextlib.contextmanager
def level_progress(highs_log: str | None = None, tag: str = ""):
    """Report each solver level's start and end to :func:`progress` by
    wrapping ``solidarity.optimise.solve._call`` (the one call per MILP level) in this
    process only; the level is the one whose cost vector is passed. With
    ``highs_log`` (a folder), HiGHS also writes its log of each level there
    (``TAG-LEVEL-N.log``: presolve, B&B nodes, when the incumbent was found)."""
    from solidarity.optimise import solve as S
    original = S._call
    current = {"level": "?", "count": 0}

    def traced(backend, problem, c, *args, **kwargs):
        name = next((lv.name for lv in problem.levels if lv.cost is c), "?")
        current["level"] = name
        progress(f"start level {name}")
        try:
            return original(backend, problem, c, *args, **kwargs)
        finally:
            progress(f"end level {name}")
    S._call = traced
    run = None
    if highs_log:
        import highspy
        folder = Path(highs_log)
        folder.mkdir(parents=True, exist_ok=True)
        run = highspy.Highs.run

        def logged(self):
            current["count"] += 1
            self.setOptionValue("output_flag", True)
            self.setOptionValue("log_to_console", False)
            self.setOptionValue("log_file", str(folder / f"{tag}-{current['level']}-{current['count']}.log"))
            return run(self)
        highspy.Highs.run = logged
    try:
        yield
    finally:
        S._call = original
        if run is not None:
            import highspy
            highspy.Highs.run = run


def progress_summary(path: Path, now: float | None = None) -> str:
    """What a killed child had finished, and what it was doing."""
    if not path.is_file():
        return ""
    done: list[str] = []
    open_: dict[tuple[str, str], float] = {}
    run = "1"
    for line in path.read_text().splitlines():
        t, what = line.split(" ", 1)
        t = float(t)
        verb, kind, name = what.split(" ", 2)
        if verb == "begin":  # a new run: report only the last one
            done, open_, run = [], {}, name
        elif verb == "start":
            open_[(kind, name)] = t
        elif (kind, name) in open_:
            done.append(f"{name} {t - open_.pop((kind, name)):.1f} s")
    now = time.time() if now is None else now
    running = [f"{kind} {name} running for {now - t:.0f} s when killed" for (kind, name), t in open_.items()]
    return f"in run {run}, finished: " + (", ".join(done) or "nothing") + ("; " + "; ".join(running) if running else "")


#: run_stages' stage names -> the suite's columns
_STAGE_OF = {"data": "data", "shares": "shares", "model_input": "shares", "build": "build",
             "solve": "solve", "calls": "calls", "flows": "flows", "rules": "tables",
             "tables": "tables", "verify": "verify", "write": "write"}


def _preimport() -> None:
    """Import what a run imports lazily, so that no run pays it."""



def inputs_for(n: int, m: int, seed: int, real: bool, solve_limit: float | None):
    """(inputs, source label, seconds to generate); for the real cycle the
    inputs are loaded inside each timed run instead (``None``)."""
    if real:
        return None, f"real: {REAL.relative_to(ROOT)}", 0.0
    from solidarity.inputs.synthetic import generate, to_inputs
    t0 = time.perf_counter()
    pool = generate(n, m, seed, time_limit=solve_limit)
    inputs = to_inputs(pool)
    return inputs, f"synthetic seed {seed}", time.perf_counter() - t0


def _load_real(timer: Timer):
    from solidarity.inputs.scenario import load_scenario
    from solidarity.inputs.synthetic import SyntheticInputs
    from solidarity.pipeline import load_data
    with timer("data"):
        sc = load_scenario(REAL)
        pop, gdp = load_data(sc)
    return SyntheticInputs(scenario=sc, population=pop, gdp=gdp)


def one_run(inputs, real: bool, outdir: Path) -> tuple[dict[str, float], Any, list[str]]:
    """One run of every stage, as ``solidarity run`` does it, with Parquet
    written to ``outdir``. Returns (stage seconds, result, violations)."""
    from solidarity.outputs.output import build_manifest, write_outputs
    from solidarity.outputs.report import render
    from solidarity.pact.verify import verify_outcomes
    from solidarity.pipeline import run_stages

    timer = Timer()
    cpu0 = time.process_time()
    if real:
        inputs = _load_real(timer)
    res = run_stages(inputs, timer=timer, allow_suboptimal=True, verify=False)
    with timer("verify"):
        violations = verify_outcomes(inputs.scenario, inputs.population, inputs.gdp, res.tables)
    with timer("write"):
        files = render(res.tables, ["parquet"])
        manifest = build_manifest(files, identity="benchmark", scenario_digest=inputs.scenario.digest,
                                  command=["benchmarks/suite.py"])
        write_outputs(files, outdir, force=True, identity="benchmark", manifest=manifest)
    stages: dict[str, float] = {}
    for k, v in timer.seconds.items():
        stages[_STAGE_OF[k]] = stages.get(_STAGE_OF[k], 0.0) + v
    stages["cpu"] = time.process_time() - cpu0  # all threads of this process
    return stages, res, violations


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


# --- per size -------------------------------------------------------------------------

def bench_size(n: int, m: int, repeats: int = 5, seed: int = 0, budget: float = 600.0,
               solve_limit: float | None = None, synthetic_only: bool = False,
               profile_dir: str | None = None, isolated: bool = False) -> dict:
    """Every stage of a run at one size; medians over the runs."""
    real = is_real(n, m, synthetic_only)
    row = empty_row("size", label(n, m))
    _preimport()
    inputs, source, gen_s = inputs_for(n, m, seed, real, solve_limit)
    row["source"] = source
    runs: list[dict[str, float]] = []
    levels: dict[str, list[float]] = {lv: [] for lv in LEVELS}
    extra_levels: set[str] = set()
    verified, statuses, notes = True, set(), []
    floors: list[float | None] = []
    res = None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as tmp:
        for r in range(max(1, repeats)):
            progress(f"begin run {r + 1}")
            try:
                stages, res, violations = one_run(inputs, real, Path(tmp) / f"run{r}")
            except Exception as exc:  # a run that fails is a result, not a crash
                row.update(status=f"error: {type(exc).__name__}", verified=False, proven_optimal=False)
                notes.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
                break
            runs.append(stages)
            floors.append(lp_floor(res.problem) if not real else None)
            statuses.add(res.solve.status.value)
            for tr in res.solve.trace:
                if tr.name in levels:
                    levels[tr.name].append(tr.seconds)
                else:
                    extra_levels.add(tr.name)
            if violations:
                verified = False
                if not any(n_.startswith("verify:") for n_ in notes):
                    notes.append(f"verify: {len(violations)} violation(s), first: {violations[0][:300]}")
            elapsed = time.perf_counter() - start
            last = sum(v for k, v in stages.items() if k != "cpu")
            if r + 1 < repeats and elapsed + last > budget:
                notes.append(f"{r + 1} run(s), not {repeats}: one takes {last:.0f} s (budget {budget:.0f} s)")
                break
        if profile_dir and res is not None:
            where, top = profile_one(inputs, real, Path(tmp) / "profiled", Path(profile_dir), label(n, m))
            notes.append(f"profile: {where}")
            row["profile_top"] = top
    if res is not None:
        inp, prob = res.inputs, res.problem
        row.update(contributors=len(inp.contributors), beneficiaries=len(inp.beneficiaries),
                   variables=prob.n_vars, rows=prob.n_rows, nonzeros=int(prob.A.nnz))
        row["status"] = row["status"] or "/".join(sorted(statuses))
        row["proven_optimal"] = row["status"] == "optimal"
        row["verified"] = verified if row["verified"] is None else row["verified"]
    else:
        row.update(contributors=n, beneficiaries=m)
    row["runs"] = len(runs)
    for s in STAGES:
        row[f"{s}_s"] = median([r.get(s, 0.0) for r in runs]) if runs else None
    for lv in LEVELS:
        row[f"level_{lv}_s"] = median(levels[lv])
    row["total_s"] = median([sum(v for k, v in r.items() if k != "cpu") for r in runs]) if runs else None
    row["cpu_s"] = median([r["cpu"] for r in runs]) if runs else None
    if extra_levels:
        notes.append("levels not in the columns: " + ", ".join(sorted(extra_levels)))
    if gen_s:
        notes.append(f"generated in {gen_s:.2f} s (not timed)")
    row["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if not isolated:
        notes.append("peak memory of the whole process (not a fresh one)")
    known = [f for f in floors if f is not None]
    if known and row["build_s"] is not None and row["solve_s"] is not None:
        row["baseline_s"] = median(known)
        row["time_s"] = row["build_s"] + row["solve_s"]
        row["ratio"] = row["time_s"] / row["baseline_s"]
        row["ratio_of"] = "build+solve / LP floor (the levels' LP sequence, same run)"
    target = SIZE_TARGETS.get((n, m))
    if target and not real:
        what, limit = target
        t = (row["build_s"] or 0) + (row["solve_s"] or 0) if what == "build+solve" else row["total_s"]
        row["target"] = f"{what} <= {limit:g} s" + (", proven optimal" if what == "build+solve" else "")
        ok = t is not None and t <= limit and (what != "build+solve" or bool(row["proven_optimal"]))
        row["meets_target"] = ok
    row["note"] = "; ".join(notes)
    return row


def profile_one(inputs, real: bool, outdir: Path, profile_dir: Path, name: str) -> tuple[str, list[str]]:
    """One more run under cProfile; the stats and a text summary go to
    ``profile_dir``. Returns the summary's path and the functions with the
    most time of their own, as lines."""
    import cProfile
    import io
    import pstats

    profile_dir.mkdir(parents=True, exist_ok=True)
    pr = cProfile.Profile()
    pr.enable()
    try:
        one_run(inputs, real, outdir)
    finally:
        pr.disable()
    pr.dump_stats(str(profile_dir / f"{name}.prof"))
    text = io.StringIO()
    st = pstats.Stats(pr, stream=text)
    st.sort_stats("tottime").print_stats(30)
    st.sort_stats("cumulative").print_stats(60)
    (profile_dir / f"{name}.txt").write_text(text.getvalue())
    return str(profile_dir / f"{name}.txt"), top_functions(st)


def top_functions(st, k: int = 8) -> list[str]:
    """The ``k`` functions with the most time of their own, and the
    package's functions with the most time in total (``stats`` as pstats)."""
    def where(func) -> str:
        file, line, fn = func
        short = file.split("/site-packages/")[-1].replace(str(ROOT) + "/", "")
        return fn if file == "~" else f"{short}:{line}({fn})"
    items = st.stats.items()  # func -> (cc, nc, tottime, cumtime, callers)
    own = sorted(items, key=lambda kv: -kv[1][2])[:k]
    ours = sorted(((f, v) for f, v in items if "/solidarity/" in f[0] and "synthetic.py" not in f[0]),
                  key=lambda kv: -kv[1][3])[:k]
    return ([f"own {v[2]:8.3f} s  {where(f)}" for f, v in own]
            + [f"cum {v[3]:8.3f} s  {where(f)}" for f, v in ours])


# --- the stages after the solver, without it ---------------------------------------------

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


# --- pairwise ---------------------------------------------------------------------------

def _model_input_for(row: dict, n: int, m: int, seed: int, synthetic_only: bool):
    """The model input of size n x m (the real cycle for 26 x 4), its source in ``row``."""
    from solidarity.pipeline import compute_shares, model_input

    real = is_real(n, m, synthetic_only)
    inputs, source, _ = inputs_for(n, m, seed, real, None)
    if real:
        inputs = _load_real(Timer())
    row["source"] = source
    sc = inputs.scenario
    return model_input(sc, compute_shares(sc, inputs.population, inputs.gdp))


def bench_pairwise(n: int, m: int, limit: float = 300.0, seed: int = 0, repeats: int = 3,
                   synthetic_only: bool = False) -> dict:
    """The pairwise formulation against the aggregate one at one size:
    build and solve, the pairwise one with a solver time limit."""
    from solidarity.optimise.model import build
    from solidarity.optimise.pairwise import build_pairwise, solve_pairwise
    from solidarity.optimise.solve import solve
    from solidarity.schema import SolveStatus

    _preimport()
    row = empty_row("pairwise", label(n, m))
    inp = _model_input_for(row, n, m, seed, synthetic_only)
    row.update(contributors=len(inp.contributors), beneficiaries=len(inp.beneficiaries))
    agg_times, agg = [], None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        agg = solve(build(inp))
        agg_times.append(time.perf_counter() - t0)
    row["time_s"] = median(agg_times)
    t0 = time.perf_counter()
    pw = build_pairwise(inp)
    built = time.perf_counter() - t0
    res = solve_pairwise(pw, time_limit=limit)
    took = time.perf_counter() - t0
    row.update(variables=pw.n_vars, rows=pw.n_rows, nonzeros=int(pw.A.nnz), runs=1,
               status=res.status.value, proven_optimal=res.status is SolveStatus.OPTIMAL,
               ratio_of="pairwise / aggregate (build + solve)", target=">= 10x")
    milp = sum(t.seconds for t in res.trace if t.method == "milp")
    exact = sum(t.seconds for t in res.trace if t.method == "exact")
    detail = f"pairwise build {built:.2f} s, MILP levels {milp:.2f} s, exact levels {exact:.2f} s"
    if res.status is SolveStatus.OPTIMAL:
        row["baseline_s"] = took
        row["ratio"] = took / row["time_s"]
        row["meets_target"] = row["ratio"] >= 10
        same = agg is not None and agg.objective == res.objective
        row["verified"] = bool(same)
        row["note"] = detail + ("" if same else f"; level values differ: aggregate {agg.objective} "
                                f"pairwise {res.objective}")
    else:
        row["verified"] = False
        row["meets_target"] = took / row["time_s"] >= 10
        row["note"] = (f"did not finish in {limit:g} s (solver time limit; status {res.status.value} "
                       f"at level {res.level or '?'}); ratio at least {took / row['time_s']:.0f}x; " + detail)
    return row


# --- PuLP objects vs numpy assembly ------------------------------------------------------

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


# --- batched key -----------------------------------------------------------------------------

def bench_key(scenarios: int = 10_000, repeats: int = 5) -> dict:
    """``batched_key`` for many scenarios at once against one ``reference_key``
    call per scenario (26 states, bundled data, population weights 0.3-0.7)."""
    import numpy as np
    import pandas as pd

    from solidarity.inputs.data import load_indicator
    from solidarity.pact.key import batched_key, reference_key
    from solidarity.schema import DEFAULT_PARTICIPANTS, GDP, POPULATION

    parts = list(DEFAULT_PARTICIPANTS)
    ind = pd.DataFrame({POPULATION: load_indicator(POPULATION, require=parts).values[parts],
                        GDP: load_indicator(GDP, require=parts).values[parts]})
    wp = np.linspace(0.3, 0.7, scenarios)
    W = np.column_stack([wp, 1 - wp])
    vals = ind.to_numpy()
    batch_times, loop_times = [], []
    out = loop = None
    for _ in range(max(5, repeats)):
        t0 = time.perf_counter()
        out = batched_key(vals, W)
        batch_times.append(time.perf_counter() - t0)
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        loop = np.array([reference_key(ind, {POPULATION: a, GDP: b}).to_numpy() for a, b in W.tolist()])
        loop_times.append(time.perf_counter() - t0)
    diff = float(np.abs(out - loop).max())
    row = empty_row("batched_key", f"{scenarios}x{len(parts)}")
    row.update(source="bundled data", runs=len(loop_times), time_s=median(batch_times),
               baseline_s=median(loop_times), ratio_of="Python loop of reference_key / batched_key",
               target="batched <= 20 ms and >= 100x", verified=diff <= 1e-12,
               note=f"{scenarios} scenarios x {len(parts)} states; batched: median of {len(batch_times)}; "
                    f"loop: median of {len(loop_times)}; largest difference {diff:.1e}")
    row["ratio"] = row["baseline_s"] / row["time_s"]
    row["meets_target"] = row["time_s"] <= 0.020 and row["ratio"] >= 100
    return row


# --- the CLI end to end ------------------------------------------------------------------------

def _cli_command() -> list[str]:
    script = Path(sys.executable).parent / "solidarity"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "solidarity"]


def _child_cpu(cmd: list[str], timeout: float = 300.0, **kw) -> tuple[float, float, int]:
    """(CPU user + sys, wall seconds, exit code) of one subprocess; exit code
    ``-9`` when it was killed after ``timeout`` seconds (its CPU time is then
    not counted: a killed child is not waited for by getrusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                              check=False, **kw).returncode
    except subprocess.TimeoutExpired:
        code = -9
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, code


def bench_cli(repeats: int = 5, timeout: float = 300.0) -> dict:
    """CPU time of the CLI on the real cycle against the import floor
    (both: interpreter start included), alternating the two."""
    cli = _cli_command()
    floor_cmd = [sys.executable, "-c", "import numpy, scipy.optimize, pandas"]
    cpu_cli, cpu_floor, wall_cli, wall_floor, codes, written = [], [], [], [], [], True
    with tempfile.TemporaryDirectory(prefix="solidarity-cli-") as tmp:
        for r in range(max(1, repeats)):
            c, w, code = _child_cpu(floor_cmd, cwd=ROOT)
            cpu_floor.append(c), wall_floor.append(w), codes.append(code)
            out = Path(tmp) / f"run{r}"
            c, w, code = _child_cpu([*cli, "run", str(REAL), "-o", str(out), "-f", "parquet", "--quiet"],
                                    timeout=timeout, cwd=ROOT)
            cpu_cli.append(c), wall_cli.append(w), codes.append(code)
            written = written and (out / "manifest.json").is_file() and (out / "pool.parquet").is_file()
    row = empty_row("cli", "26x4")
    row.update(source=f"real: {REAL.relative_to(ROOT)}", contributors=26, beneficiaries=4,
               runs=len(cpu_cli), time_s=median(cpu_cli), baseline_s=median(cpu_floor),
               ratio_of="CLI CPU / import floor CPU", target="<= 1.3x the import floor",
               verified=all(c == 0 for c in codes) and written,
               note=f"CPU user+sys, medians of {len(cpu_cli)}; wall: CLI {median(wall_cli):.2f} s, "
                    f"floor {median(wall_floor):.2f} s; command: {Path(cli[0]).name} "
                    f"{' '.join(cli[1:]) + ' ' if len(cli) > 1 else ''}run ... -f parquet --quiet"
                    + ("" if all(c == 0 for c in codes) else
                                                    f"; exit codes {sorted(set(codes))}"))
    row["ratio"] = row["time_s"] / row["baseline_s"]
    row["meets_target"] = row["ratio"] <= 1.3
    return row


# --- isolation --------------------------------------------------------------------------------

_KINDS: dict[str, Callable[..., dict]] = {"size": bench_size, "pairwise": bench_pairwise,
                                          "pulp": bench_pulp, "key": bench_key, "post_solve": bench_post_solve}


def isolated(kind: str, kwargs: dict, timeout: float, highs_log: str | None = None) -> tuple[dict | None, str]:
    """Run ``_KINDS[kind](**kwargs)`` in a fresh interpreter; (row, "") or
    (None, why not)."""
    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as tmp:
        out, prog = Path(tmp) / "row.json", Path(tmp) / "progress.txt"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child",
               json.dumps({"kind": kind, "kwargs": kwargs, "out": str(out), "progress": str(prog),
                           "highs_log": highs_log})]
        try:
            proc = subprocess.run(cmd, cwd=ROOT, timeout=timeout, capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            return None, (f"did not finish in {timeout:g} s (wall-clock limit; killed); "
                          + progress_summary(prog))
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no message"]
            return None, f"failed (exit code {proc.returncode}): {tail[0][:300]}"
        return json.loads(out.read_text()), ""


def _child(spec: str) -> None:
    job = json.loads(spec)
    kwargs = dict(job["kwargs"])
    if job["kind"] in ("size", "post_solve"):
        kwargs["isolated"] = True
    if job.get("progress"):
        _PROGRESS["path"] = Path(job["progress"])
    tag = f"{job['kind']}-{kwargs.get('n', '')}x{kwargs.get('m', '')}"
    with level_progress(job.get("highs_log"), tag):
        row = _KINDS[job["kind"]](**kwargs)
    Path(job["out"]).write_text(json.dumps(_plain(row)))


def _plain(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if hasattr(v, "item"):  # numpy scalars
            v = v.item()
        out[k] = v
    return out


# --- estimates for sizes not yet measured -----------------------------------------------------

#: Memory model for sizes not measured: bytes per contributor-beneficiary
#: pair above the largest measured size's peak. Counted from the arrays that
#: grow with ``n x m``: the flows ((n, m, 3) int64, 24 B), the flow
#: apportionment's dense temporaries (about 48 B per pair and type), the flows
#: table (up to 3 rows per pair, about 50 B each) and the verifier's per-pair
#: Python integers (about 40 B per pair and type).
BYTES_PER_PAIR = 400


def estimate(measured: list[dict], n: int, m: int) -> tuple[float, float] | None:
    """(peak MB, seconds of one run) at ``n x m``: the largest measured
    synthetic size's peak plus :data:`BYTES_PER_PAIR` per additional pair
    (measured peaks at small sizes are mostly the solver's and the imports',
    so they do not extrapolate), and its time scaled by a power of ``n x m``
    fitted on the two largest measured sizes (at least linear). None if
    fewer than two are measured."""
    pts = sorted((r["contributors"] * r["beneficiaries"], r["peak_rss_mb"], r["total_s"]) for r in measured
                  if r["benchmark"] == "size" and r.get("total_s") and r.get("peak_rss_mb")
                  and not str(r.get("source", "")).startswith("real"))
    if len(pts) < 2:
        return None
    (c1, _, t1), (c2, p2, t2) = pts[-2], pts[-1]
    cells = n * m
    if c2 <= c1:
        return None
    mem = p2 + BYTES_PER_PAIR * max(0, cells - c2) / 2**20
    k = math.log(t2 / t1) / math.log(c2 / c1) if t1 > 0 and t2 > 0 else 1.0
    return mem, t2 * (cells / c2) ** max(k, 1.0)


# --- the suite ---------------------------------------------------------------------------------

def run_suite(sizes: list[tuple[int, int]], repeats: int = 5, seed: int = 0, isolate: bool = True,
              pairwise_limit: float = 300.0, timeout: float = 3600.0, budget: float = 600.0,
              solve_limit: float | None = None, key_scenarios: int = 10_000,
              pulp_size: tuple[int, int] = (1000, 100), cli_repeats: int = 5,
              profile_dir: str | None = None, synthetic_only: bool = False, highs_log: str | None = None,
              post_solve: list[tuple[int, int]] | None = None,
              log: Callable[[str], None] = print, only: Sequence[str] = ()) -> list[dict]:
    """Every benchmark (or those named in ``only``, from :data:`BENCHMARKS`); one row each
    (see :data:`COLUMNS`)."""
    rows: list[dict] = []

    def want(kind: str) -> bool:
        return not only or kind in only
    size_rows: list[dict] = []

    def call(kind: str, kwargs: dict, what: str, wall: float) -> dict | None:
        log(f"... {what}")
        if not isolate:
            return _KINDS[kind](**kwargs)
        row, why = isolated(kind, kwargs, wall, highs_log)
        if row is None:
            log(f"    {why}")
        return row if row is not None else {"_failed": why}

    avail = mem_available_mb()
    unfinished = ""
    for n, m in sorted(sizes, key=lambda s: s[0] * s[1]):
        if not want("size"):
            break
        if unfinished:
            row = empty_row("size", label(n, m))
            row.update(contributors=n, beneficiaries=m, source=f"synthetic seed {seed}", runs=0,
                       verified=False, status="not run", note=f"not run: {unfinished}")
            rows.append(row)
            log(f"    {label(n, m)} not run: {unfinished}")
            continue
        est = estimate(size_rows, n, m) if isolate else None
        if est is not None:
            mem, secs = est
            fits = avail is None or mem < 0.8 * avail
            log(f"    estimate for {label(n, m)}: peak about {mem / 1024:.1f} GB (available "
                f"{'?' if avail is None else f'{avail / 1024:.1f}'} GB), one run about {secs:.0f} s")
            if not fits or secs > timeout:
                row = empty_row("size", label(n, m))
                row.update(contributors=n, beneficiaries=m, source=f"synthetic seed {seed}", runs=0,
                           verified=False, status="not run",
                           note=(f"not run: estimated peak {mem / 1024:.1f} GB does not fit in 80 % of "
                                 f"the {avail / 1024:.1f} GB available" if not fits else
                                 f"not run: estimated {secs:.0f} s for one run exceeds --timeout {timeout:g} s")
                                + f" (memory: the largest measured peak + {BYTES_PER_PAIR} B per added pair; "
                                  "time: a power of n x m fitted on the two largest sizes measured)")
                rows.append(row)
                continue
        got = call("size", dict(n=n, m=m, repeats=repeats, seed=seed, budget=budget, solve_limit=solve_limit,
                                synthetic_only=synthetic_only, profile_dir=profile_dir),
                   f"size {label(n, m)}", timeout)
        if "_failed" in got:
            row = empty_row("size", label(n, m))
            row.update(contributors=n, beneficiaries=m, runs=0, verified=False, status="not finished",
                       note=got["_failed"])
            if est is not None:
                row["note"] += f"; estimate was {est[0] / 1024:.1f} GB, {est[1]:.0f} s"
            got = row
            unfinished = f"{label(n, m)} did not finish in {timeout:g} s"
        elif est is not None:
            got["note"] = "; ".join(filter(None, [got["note"], f"estimated beforehand: {est[0] / 1024:.1f} GB, "
                                                                f"{est[1]:.0f} s"]))
        rows.append(got)
        size_rows.append(got)

    # the pairwise formulation, smallest first, until a size does not finish
    stop = ""
    for n, m in sorted(sizes, key=lambda s: s[0] * s[1]):
        if not want("pairwise"):
            break
        agg = next((r for r in size_rows if r["size"] == label(n, m)), None)
        if agg is None or not agg.get("runs"):
            continue
        if stop:
            row = empty_row("pairwise", label(n, m))
            row.update(contributors=n, beneficiaries=m, runs=0, verified=False, status="not run",
                       ratio_of="pairwise / aggregate (build + solve)", target=">= 10x",
                       note=f"not tried: {stop}")
            rows.append(row)
            continue
        wall = 2 * pairwise_limit + 120
        got = call("pairwise", dict(n=n, m=m, limit=pairwise_limit, seed=seed, synthetic_only=synthetic_only),
                   f"pairwise {label(n, m)} (solver limit {pairwise_limit:g} s)", wall)
        if "_failed" in got:
            row = empty_row("pairwise", label(n, m))
            row.update(contributors=n, beneficiaries=m, runs=0, verified=False, status="not finished",
                       ratio_of="pairwise / aggregate (build + solve)", target=">= 10x", note=got["_failed"])
            got = row
        rows.append(got)
        if got["status"] != "optimal":
            stop = f"did not finish at {label(n, m)}"

    # the stages after the solver, on a heuristic solution, where asked
    for n, m in sorted(post_solve or [], key=lambda s: s[0] * s[1]):
        got = call("post_solve", dict(n=n, m=m, seed=seed, synthetic_only=synthetic_only),
                   f"stages after the solver at {label(n, m)} (heuristic solution)", timeout)
        if "_failed" in got:
            row = empty_row("post_solve", label(n, m))
            row.update(contributors=n, beneficiaries=m, runs=0, verified=False, status="not finished",
                       note=got["_failed"])
            got = row
        rows.append(got)

    if want("pulp_vs_numpy"):
        got = call("pulp", dict(n=pulp_size[0], m=pulp_size[1], repeats=repeats, seed=seed,
                                synthetic_only=synthetic_only), f"PuLP vs numpy at {label(*pulp_size)}", timeout)
        if "_failed" in got:
            row = empty_row("pulp_vs_numpy", label(*pulp_size))
            row.update(verified=False, note=got["_failed"])
            got = row
        rows.append(got)
    if want("batched_key"):
        got = call("key", dict(scenarios=key_scenarios, repeats=repeats),
                   f"batched key, {key_scenarios} scenarios", timeout)
        if "_failed" in got:
            row = empty_row("batched_key", f"{key_scenarios}x26")
            row.update(verified=False, note=got["_failed"])
            got = row
        rows.append(got)
    if want("cli"):
        log(f"... CLI on the real cycle ({cli_repeats} runs each)")
        rows.append(bench_cli(cli_repeats))
    return rows


# --- output ------------------------------------------------------------------------------------

def fmt_s(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if v < 1e-3:
        return f"{v * 1e6:.0f} us"
    if v < 1:
        return f"{v * 1e3:.3g} ms"
    return f"{v:.3g} s"


def fmt_n(v) -> str:
    return "-" if v is None else f"{int(v):,}".replace(",", " ")


def fmt_b(v) -> str:
    return "-" if v is None else ("yes" if v else "NO")


def text_table(headers: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)])


def render_tables(rows: list[dict]) -> str:
    sizes = [r for r in rows if r["benchmark"] == "size"]
    out = ["Per size: medians of the runs (runs = how many); wall-clock seconds per stage, and the "
           "process's CPU seconds (all threads) for a whole run",
           text_table(["size", "source", "runs", *STAGES, "total", "CPU", "peak MB", "vars", "rows", "nonzeros",
                       "optimal", "verified", "target"],
                      [[r["size"], "real" if str(r["source"]).startswith("real") else "synthetic",
                        str(r["runs"] or 0), *(fmt_s(r[f"{s}_s"]) for s in STAGES),
                        fmt_s(r["total_s"]), fmt_s(r["cpu_s"]),
                        "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}", fmt_n(r["variables"]),
                        fmt_n(r["rows"]), fmt_n(r["nonzeros"]), fmt_b(r["proven_optimal"]), fmt_b(r["verified"]),
                        "" if r["target"] is None else f"{r['target']}: {'met' if r['meets_target'] else 'NOT met'}"]
                       for r in sizes]),
           "",
           "Per size: seconds per solver level (SolveResult.trace; medians)",
           text_table(["size", *LEVELS], [[r["size"], *(fmt_s(r[f"level_{lv}_s"]) for lv in LEVELS)]
                                          for r in sizes]),
           "",
           *(["Stages after the solver on a heuristic solution (--post-solve; no solver, one run)",
              text_table(["size", "runs", "shares", "build", "calls", "flows", "tables", "verify", "write", "total",
                          "peak MB", "flows rows"],
                         [[r["size"], str(r["runs"] or 0), *(fmt_s(r[f"{s}_s"]) for s in
                                                             ("shares", "build", "calls", "flows", "tables",
                                                              "verify", "write")),
                           fmt_s(r["total_s"]), "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}",
                           fmt_n(r.get("flows_rows"))]
                          for r in rows if r["benchmark"] == "post_solve"]), ""]
             if any(r["benchmark"] == "post_solve" for r in rows) else []),
           "Ratios",
           text_table(["benchmark", "size", "runs", "time", "baseline", "ratio", "ratio of", "verified", "target"],
                      [[r["benchmark"], r["size"], str(r["runs"] or 0),
                        fmt_s(r["time_s"]) if r["benchmark"] != "cli" else f"{fmt_s(r['time_s'])} CPU",
                        fmt_s(r["baseline_s"]) if r["benchmark"] != "cli" else f"{fmt_s(r['baseline_s'])} CPU",
                        "-" if r["ratio"] is None else f"{r['ratio']:.1f}x", r["ratio_of"] or "",
                        fmt_b(r["verified"]),
                        "" if r["target"] is None else f"{r['target']}: {'met' if r['meets_target'] else 'NOT met'}"]
                       for r in rows if r["benchmark"] not in ("size", "post_solve")
                       or (r["benchmark"] == "size" and r["ratio"] is not None)]),
           "",
           "Notes"]
    out += [f"- {r['benchmark']} {r['size']}: {r['note']}" for r in rows if r.get("note")]
    profiled = [r for r in rows if r.get("profile_top")]
    if profiled:
        out += ["", "Where the time goes (cProfile, one more run per size): functions with the most time of "
                    "their own, then the package's functions with the most time in total"]
        for r in profiled:
            out += [f"{r['size']}:"] + [f"    {line}" for line in r["profile_top"]]
    return "\n".join(out)


def write_csv(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS})


def code_version() -> str:
    """The commit measured, and how many tracked files differ from it (read only)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (f" + {len(dirty)} modified file(s)" if dirty else "")


def source_digest() -> str:
    """SHA-256 of the package's source files, to notice a change during a run."""
    import hashlib
    h = hashlib.sha256()
    for f in sorted((ROOT / "solidarity").rglob("*.py")):
        h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def machine() -> str:
    from importlib import metadata

    avail = mem_available_mb()
    return (f"{platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
            f"highspy {metadata.version('highspy')}; numpy {metadata.version('numpy')}; "
            f"memory available {'?' if avail is None else f'{avail / 1024:.1f} GB'}")


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=parse_size, metavar="NxM",
                    help=f"pool sizes (default: {' '.join(DEFAULT_SIZES)}); 26x4 is the real 2026 cycle")
    ap.add_argument("--repeats", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--csv", type=Path, default=HERE / "last-run.csv", help="CSV to write (default %(default)s)")
    ap.add_argument("--smoke", action="store_true",
                    help="every benchmark once on the smallest size, in this process (for tests)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pairwise-limit", type=float, default=300.0,
                    help="solver time limit of the pairwise formulation, seconds (default 300)")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="wall-clock limit per size, seconds (default 3600)")
    ap.add_argument("--budget", type=float, default=600.0,
                    help="seconds per size after which no more repeats start (default 600)")
    ap.add_argument("--solve-limit", type=float, default=None,
                    help="solver time limit put in the synthetic scenarios (default none)")
    ap.add_argument("--profile", metavar="DIR", help="also profile one run per size (cProfile) into DIR")
    ap.add_argument("--post-solve", nargs="+", type=parse_size, metavar="NxM",
                    help="also time every stage but the solver at these sizes, on a heuristic solution")
    ap.add_argument("--highs-log", metavar="DIR",
                    help="HiGHS writes its log of every solver level into DIR (isolated runs only)")
    ap.add_argument("--synthetic-only", action="store_true", help="26x4 synthetic too (not the real cycle)")
    ap.add_argument("--in-process", action="store_true", help="no fresh process per size")
    ap.add_argument("--only", nargs="+", choices=BENCHMARKS, default=(),
                    help="run only these benchmarks (default: all)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child)
        return []
    sizes = args.sizes or [parse_size(s) for s in DEFAULT_SIZES]
    if args.smoke:
        smallest = min(sizes, key=lambda s: s[0] * s[1])
        kw = dict(sizes=[smallest], repeats=1, isolate=False, key_scenarios=200, pulp_size=smallest,
                  cli_repeats=1, pairwise_limit=args.pairwise_limit)
    else:
        kw = dict(sizes=sizes, repeats=args.repeats, isolate=not args.in_process,
                  pairwise_limit=args.pairwise_limit, cli_repeats=args.repeats)
    print(f"solidarity benchmark suite{' (smoke)' if args.smoke else ''}: {machine()}", flush=True)
    code, digest = code_version(), source_digest()
    print(f"code: {code}; package source sha256 {digest}", flush=True)
    t0 = time.perf_counter()
    rows = run_suite(**kw, seed=args.seed, timeout=args.timeout, budget=args.budget, solve_limit=args.solve_limit,
                     profile_dir=args.profile, synthetic_only=args.synthetic_only, highs_log=args.highs_log,
                     post_solve=args.post_solve, only=args.only,
                     log=lambda s: print(s, flush=True))
    after = source_digest()
    if after != digest:
        code += f"; the package's source CHANGED during the run (sha256 {digest} -> {after})"
        print(f"warning: the package's source changed during the run ({digest} -> {after}): "
              "sizes measured at different times ran different code", flush=True)
    for r in rows:
        r["code"] = f"{code}; source sha256 {digest}" if after == digest else code
    print()
    print(render_tables(rows))
    write_csv(rows, args.csv)
    print(f"\nwrote {args.csv} ({len(rows)} rows) in {time.perf_counter() - t0:.0f} s")
    return rows


if __name__ == "__main__":
    main()
