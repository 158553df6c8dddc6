"""The command line: ``python benchmarks/suite.py [options]``."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

from . import __doc__ as SUITE_DOC
from .common import BENCHMARKS, DEFAULT_SIZES, HERE, ROOT, mem_available_mb, parse_size
from .runner import _child, run_suite
from .tables import render_tables, write_csv


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
    ap = argparse.ArgumentParser(description=SUITE_DOC.split("\n\n")[0],
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
