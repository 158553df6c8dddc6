"""The ``size`` benchmark: every stage of a run at one pool size."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from .common import (
    _STAGE_OF,
    LEVELS,
    ROOT,
    SIZE_TARGETS,
    STAGES,
    _load_real,
    _preimport,
    empty_row,
    inputs_for,
    is_real,
    label,
    median,
    peak_rss_mb,
)
from .lp_floor import lp_floor
from .progress import Timer, progress


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
