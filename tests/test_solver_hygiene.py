"""Solver limits and hygiene: time limits across levels, killed solvers.

A killed or interrupted run ends its solver's child process and leaves no
temporary file; a run stopped by a limit reports it (exit 6) and writes
tables only when asked to.
"""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest

import solidarity
from solidarity.errors import ExitCode, LimitError
from solidarity.optimise import solve as S
from solidarity.schema import SolverName, SolveStatus

from .conftest import SCENARIOS

# A market-split instance (Cornuejols and Dawande 1998): a few equality rows
# on binaries with random coefficients; branch and bound needs a long time.
HARD_CBC = textwrap.dedent("""
    import os, sys, random
    sys.path.insert(0, {root!r})
    import pulp
    from solidarity.optimise.solve import _cbc
    random.seed(1)
    n, m = 40, 5
    lp = pulp.LpProblem("split", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{{j}}", cat="Binary") for j in range(n)]
    s = [pulp.LpVariable(f"s{{i}}", lowBound=-1000, upBound=1000) for i in range(m)]
    t = [pulp.LpVariable(f"t{{i}}", lowBound=0) for i in range(m)]
    for i in range(m):
        a = [random.randint(0, 99) for _ in range(n)]
        lp += pulp.lpSum(a[j] * x[j] for j in range(n)) + s[i] == sum(a) // 2
        lp += t[i] >= s[i]
        lp += t[i] >= -s[i]
    lp += pulp.lpSum(t)
    print(os.getpid(), flush=True)
    lp.solve(_cbc(None, 0.0))
""")


def _cbc_children(pid: int) -> list[str]:
    """Processes whose command line names /proc/PID/fd (our CBC's model file)."""
    out = subprocess.run(["ps", "-eo", "pid,args", "-ww"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if f"/proc/{pid}/fd/" in line]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_killed_run_leaves_no_solver_and_no_file(sig, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-c", HARD_CBC.format(root=root)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        pid = int(proc.stdout.readline())
        deadline = time.time() + 30
        while not _cbc_children(pid) and time.time() < deadline:  # wait for CBC to start
            time.sleep(0.05)
        assert _cbc_children(pid), "CBC did not start"
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
    deadline = time.time() + 5
    while _cbc_children(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert _cbc_children(pid) == []
    assert list(tmp_path.iterdir()) == []  # nameless files: nothing left in TMPDIR


def test_time_limit_holds_across_levels(monkeypatch):
    """Each level gets what is left of the limit; the whole solve ends within
    10 % of it, and a run stopped by it is a LimitError (exit 6)."""
    real = S._BACKENDS[SolverName.HIGHS]
    seen = []

    def slow(problem, c, A, rlb, rub, lb, ub, left, gap, x0, abs_gap=0.0):
        seen.append(left)
        time.sleep(min(left, 0.4) if left is not None else 0.4)
        raw = real(problem, c, A, rlb, rub, lb, ub, left, gap, x0, abs_gap)
        if left is not None and left <= 0.4:  # what a solver does when time is up
            return S._Raw(SolveStatus.NOT_SOLVED, None, None, "time limit reached")
        return raw

    monkeypatch.setitem(S._BACKENDS, SolverName.HIGHS, slow)
    monkeypatch.setattr(S, "_chain", lambda *a: None)  # every level through the (slow) MILP backend
    sc = solidarity.load_scenario(SCENARIOS / "2026-adopted.toml")
    from solidarity.optimise.model import build
    from solidarity.pipeline import compute_shares, load_data, model_input
    prob = build(model_input(sc, compute_shares(sc, *load_data(sc))))
    t0 = time.perf_counter()
    res = S.solve(prob, SolverName.HIGHS, time_limit=1.0)
    took = time.perf_counter() - t0
    assert took <= 1.1, took
    assert res.status is SolveStatus.NOT_SOLVED and res.level
    assert all(b < a for a, b in zip(seen, seen[1:])) and seen[0] <= 1.0
    with pytest.raises(LimitError) as err:
        solidarity.run(sc.__class__(**{**sc.__dict__, "solver": sc.solver.__class__(
            name=sc.solver.name, time_limit=1.0, mip_gap=0.0)}))
    assert err.value.exit_code == ExitCode.LIMIT


def test_missing_solver_names_the_available_ones(monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("No module named 'highspy'")

    monkeypatch.setitem(S._BACKENDS, SolverName.HIGHS, missing)
    monkeypatch.setattr(S, "_silent_highspy", missing)  # the LP chain imports it too
    from solidarity.errors import SolverUnavailable
    with pytest.raises(SolverUnavailable) as err:
        solidarity.run(solidarity.load_scenario(SCENARIOS / "sar-binding.toml"))
    assert "available solvers:" in str(err.value) and err.value.exit_code == ExitCode.SOLVER


def test_nameless_files_vanish():
    fd = S._nameless(tempfile.gettempdir())
    os.write(fd, b"x")
    assert os.readlink(f"/proc/{os.getpid()}/fd/{fd}").endswith("(deleted)")
    os.close(fd)
    assert np.isfinite(1.0)


def _descendants(pid: int) -> list[str]:
    """Processes descended from ``pid`` (by the parent links ps shows; orphans
    are found by their session, which a killed command's children keep)."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,sid,args", "-ww"], capture_output=True, text=True).stdout
    rows = [line.split(None, 3) for line in out.splitlines()[1:]]
    return [" ".join(r) for r in rows if len(r) == 4 and int(r[2]) == pid and int(r[0]) != pid]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_sweep_leaves_no_worker_fork_server_or_tracker(sig, tmp_path):
    """``sweep --jobs 2`` killed mid-run: its workers, the fork server and
    the resource tracker all end (issue 19)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "solidarity", "sweep", str(SCENARIOS / "2026-adopted.toml"),
         "--vary", "pool.relocations=10000:40000:100", "--jobs", "2", "-o", str(tmp_path / "o"), "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path, start_new_session=True,
        env={**os.environ, "PYTHONPATH": root})
    try:
        deadline = time.time() + 60
        while len(_descendants(proc.pid)) < 3 and time.time() < deadline:  # workers started
            time.sleep(0.1)
        assert len(_descendants(proc.pid)) >= 3, _descendants(proc.pid)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    deadline = time.time() + 10
    while _descendants(proc.pid) and time.time() < deadline:
        time.sleep(0.1)
    left = _descendants(proc.pid)
    for line in left:  # never leave them to the next test, even when failing
        os.kill(int(line.split()[0]), signal.SIGKILL)
    assert left == []
