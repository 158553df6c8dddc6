"""The benchmark suite: one command, a printed table and a CSV.

The entry script of the package :mod:`benchsuite` (this folder): what each
benchmark measures, the options and how sizes are chosen are in its
docstring (``benchsuite/__init__.py``) and in ``benchmarks/README.md``.

Usage::

    python benchmarks/suite.py                        # every size, medians of 5
    python benchmarks/suite.py --smoke                # every benchmark once, smallest size

The names below are importable from here (``suite.COLUMNS``, ``suite.lp_floor``,
...), as they were when the suite was one file.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder is on sys.path already; loaded by file name
# (tests/test_benchmarks.py) it is not.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from benchsuite.batched_key import bench_key  # noqa: E402
from benchsuite.cli import bench_cli  # noqa: E402
from benchsuite.common import (  # noqa: E402
    BENCHMARKS,
    COLUMNS,
    DEFAULT_SIZES,
    LEVELS,
    REAL,
    ROOT,
    SIZE_TARGETS,
    STAGES,
    parse_size,
)
from benchsuite.lp_floor import lp_floor  # noqa: E402
from benchsuite.main import main  # noqa: E402
from benchsuite.pairwise import bench_pairwise  # noqa: E402
from benchsuite.post_solve import bench_post_solve, heuristic_solution  # noqa: E402
from benchsuite.pulp_vs_numpy import bench_pulp  # noqa: E402
from benchsuite.runner import BYTES_PER_PAIR, estimate, run_suite  # noqa: E402
from benchsuite.size import bench_size, one_run  # noqa: E402
from benchsuite.tables import render_tables, write_csv  # noqa: E402

__all__ = ["BENCHMARKS", "BYTES_PER_PAIR", "COLUMNS", "DEFAULT_SIZES", "LEVELS", "REAL", "ROOT", "SIZE_TARGETS",
           "STAGES", "bench_cli", "bench_key", "bench_pairwise", "bench_post_solve", "bench_pulp", "bench_size",
           "estimate", "heuristic_solution", "lp_floor", "main", "one_run", "parse_size", "render_tables",
           "run_suite", "write_csv"]

if __name__ == "__main__":
    main()
