"""What every benchmark shares: the suite's columns, sizes, rows and inputs."""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from .progress import Timer

#: The folder ``benchmarks``; the suite's entry script is ``HERE / "suite.py"``.
HERE = Path(__file__).resolve().parent.parent
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
