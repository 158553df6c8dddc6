"""The suite's runner: every benchmark, each in a fresh process, sizes estimated first."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .batched_key import bench_key
from .cli import bench_cli
from .common import HERE, ROOT, empty_row, label, mem_available_mb
from .pairwise import bench_pairwise
from .post_solve import bench_post_solve
from .progress import _PROGRESS, level_progress, progress_summary
from .pulp_vs_numpy import bench_pulp
from .size import bench_size

_KINDS: dict[str, Callable[..., dict]] = {"size": bench_size, "pairwise": bench_pairwise,
                                          "pulp": bench_pulp, "key": bench_key, "post_solve": bench_post_solve}


def isolated(kind: str, kwargs: dict, timeout: float, highs_log: str | None = None) -> tuple[dict | None, str]:
    """Run ``_KINDS[kind](**kwargs)`` in a fresh interpreter; (row, "") or
    (None, why not)."""
    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as tmp:
        out, prog = Path(tmp) / "row.json", Path(tmp) / "progress.txt"
        cmd = [sys.executable, str(HERE / "suite.py"), "--child",
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
    suite = _Suite(isolate=isolate, highs_log=highs_log, log=log, only=only)
    rows, size_rows = _size_rows(suite, sizes, repeats=repeats, seed=seed, budget=budget,
                                 solve_limit=solve_limit, synthetic_only=synthetic_only,
                                 profile_dir=profile_dir, timeout=timeout)
    rows += _pairwise_rows(suite, sizes, size_rows, pairwise_limit, seed, synthetic_only)
    rows += _post_solve_rows(suite, post_solve, seed, synthetic_only, timeout)
    rows += _ratio_rows(suite, repeats=repeats, seed=seed, synthetic_only=synthetic_only, timeout=timeout,
                        pulp_size=pulp_size, key_scenarios=key_scenarios, cli_repeats=cli_repeats)
    return rows


@dataclass
class _Suite:
    """What every step of :func:`run_suite` shares: which benchmarks to run,
    whether each runs in a fresh process, and where to say what it does."""

    isolate: bool
    highs_log: str | None
    log: Callable[[str], None]
    only: Sequence[str]

    def want(self, kind: str) -> bool:
        return not self.only or kind in self.only

    def call(self, kind: str, kwargs: dict, what: str, wall: float) -> dict:
        """``_KINDS[kind](**kwargs)``, in a fresh process if isolated; a run
        that did not finish is ``{"_failed": why}``."""
        self.log(f"... {what}")
        if not self.isolate:
            return _KINDS[kind](**kwargs)
        row, why = isolated(kind, kwargs, wall, self.highs_log)
        if row is None:
            self.log(f"    {why}")
        return row if row is not None else {"_failed": why}


def _size_rows(suite: _Suite, sizes: list[tuple[int, int]], repeats: int, seed: int, budget: float,
               solve_limit: float | None, synthetic_only: bool, profile_dir: str | None,
               timeout: float) -> tuple[list[dict], list[dict]]:
    """The ``size`` benchmark, smallest size first: (every row, the rows of
    the sizes tried). A size is not run after one that did not finish, nor
    when its estimate (from the sizes tried) does not fit."""
    rows: list[dict] = []
    size_rows: list[dict] = []
    avail = mem_available_mb()
    unfinished = ""
    for n, m in sorted(sizes, key=lambda s: s[0] * s[1]):
        if not suite.want("size"):
            break
        if unfinished:
            rows.append(_not_run(n, m, seed, f"not run: {unfinished}"))
            suite.log(f"    {label(n, m)} not run: {unfinished}")
            continue
        est = estimate(size_rows, n, m) if suite.isolate else None
        if est is not None:
            skipped = _skip_by_estimate(suite, n, m, est, avail, timeout, seed)
            if skipped is not None:
                rows.append(skipped)
                continue
        got = suite.call("size", dict(n=n, m=m, repeats=repeats, seed=seed, budget=budget, solve_limit=solve_limit,
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
    return rows, size_rows


def _not_run(n: int, m: int, seed: int, note: str) -> dict:
    """The row of a size not run, saying why."""
    row = empty_row("size", label(n, m))
    row.update(contributors=n, beneficiaries=m, source=f"synthetic seed {seed}", runs=0,
               verified=False, status="not run", note=note)
    return row


def _skip_by_estimate(suite: _Suite, n: int, m: int, est: tuple[float, float], avail: float | None,
                      timeout: float, seed: int) -> dict | None:
    """Say the estimate for ``n x m``; the row of a size not run when its
    peak memory would not fit or one run would exceed ``timeout``, else None."""
    mem, secs = est
    fits = avail is None or mem < 0.8 * avail
    suite.log(f"    estimate for {label(n, m)}: peak about {mem / 1024:.1f} GB (available "
              f"{'?' if avail is None else f'{avail / 1024:.1f}'} GB), one run about {secs:.0f} s")
    if not fits or secs > timeout:
        return _not_run(n, m, seed,
                        (f"not run: estimated peak {mem / 1024:.1f} GB does not fit in 80 % of "
                         f"the {avail / 1024:.1f} GB available" if not fits else
                         f"not run: estimated {secs:.0f} s for one run exceeds --timeout {timeout:g} s")
                        + f" (memory: the largest measured peak + {BYTES_PER_PAIR} B per added pair; "
                          "time: a power of n x m fitted on the two largest sizes measured)")
    return None


def _pairwise_rows(suite: _Suite, sizes: list[tuple[int, int]], size_rows: list[dict], pairwise_limit: float,
                   seed: int, synthetic_only: bool) -> list[dict]:
    """The pairwise formulation, smallest first, at the sizes the ``size``
    benchmark ran, until a size does not finish."""
    rows: list[dict] = []
    stop = ""
    for n, m in sorted(sizes, key=lambda s: s[0] * s[1]):
        if not suite.want("pairwise"):
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
        got = suite.call("pairwise", dict(n=n, m=m, limit=pairwise_limit, seed=seed, synthetic_only=synthetic_only),
                         f"pairwise {label(n, m)} (solver limit {pairwise_limit:g} s)", wall)
        if "_failed" in got:
            row = empty_row("pairwise", label(n, m))
            row.update(contributors=n, beneficiaries=m, runs=0, verified=False, status="not finished",
                       ratio_of="pairwise / aggregate (build + solve)", target=">= 10x", note=got["_failed"])
            got = row
        rows.append(got)
        if got["status"] != "optimal":
            stop = f"did not finish at {label(n, m)}"
    return rows


def _post_solve_rows(suite: _Suite, post_solve: list[tuple[int, int]] | None, seed: int, synthetic_only: bool,
                     timeout: float) -> list[dict]:
    """The stages after the solver, on a heuristic solution, where asked."""
    rows: list[dict] = []
    for n, m in sorted(post_solve or [], key=lambda s: s[0] * s[1]):
        got = suite.call("post_solve", dict(n=n, m=m, seed=seed, synthetic_only=synthetic_only),
                         f"stages after the solver at {label(n, m)} (heuristic solution)", timeout)
        if "_failed" in got:
            row = empty_row("post_solve", label(n, m))
            row.update(contributors=n, beneficiaries=m, runs=0, verified=False, status="not finished",
                       note=got["_failed"])
            got = row
        rows.append(got)
    return rows


def _ratio_rows(suite: _Suite, repeats: int, seed: int, synthetic_only: bool, timeout: float,
                pulp_size: tuple[int, int], key_scenarios: int, cli_repeats: int) -> list[dict]:
    """PuLP against numpy, the batched key and the CLI, where wanted."""
    rows: list[dict] = []
    if suite.want("pulp_vs_numpy"):
        got = suite.call("pulp", dict(n=pulp_size[0], m=pulp_size[1], repeats=repeats, seed=seed,
                                      synthetic_only=synthetic_only), f"PuLP vs numpy at {label(*pulp_size)}",
                         timeout)
        if "_failed" in got:
            row = empty_row("pulp_vs_numpy", label(*pulp_size))
            row.update(verified=False, note=got["_failed"])
            got = row
        rows.append(got)
    if suite.want("batched_key"):
        got = suite.call("key", dict(scenarios=key_scenarios, repeats=repeats),
                         f"batched key, {key_scenarios} scenarios", timeout)
        if "_failed" in got:
            row = empty_row("batched_key", f"{key_scenarios}x26")
            row.update(verified=False, note=got["_failed"])
            got = row
        rows.append(got)
    if suite.want("cli"):
        suite.log(f"... CLI on the real cycle ({cli_repeats} runs each)")
        rows.append(bench_cli(cli_repeats))
    return rows
