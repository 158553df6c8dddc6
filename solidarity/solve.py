"""Stage 5: solve a :class:`~solidarity.model.MilpProblem` lexicographically.

Each objective level is solved in turn; its optimum is then added as a
constraint for the next level. Integer-valued levels are fixed at their exact
value, computed in integers from the rounded solution (never from the
solver's floating-point objective).

Backends:

``highs``       HiGHS through :func:`scipy.optimize.milp` on the sparse
                matrix (default: no model objects are built).
``cbc``         CBC as bundled with PuLP.
``pulp-highs``  HiGHS through PuLP (highspy).

Every outcome comes back as a :class:`SolveResult`; a solver status this
module does not know maps to ``unknown``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .model import MilpProblem
from .schema import SolveStatus, SolverName

#: Largest distance from an integer accepted for an integer variable.
INTEGRALITY_TOL = 1e-4
_USABLE = (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, eq=False)
class SolveResult:
    """Outcome of a lexicographic solve."""

    status: SolveStatus
    objective: dict  #: level name -> value of that level at the solution
    gap: float | None  #: relative MIP gap of the last level solved
    runtime: float  #: seconds, all levels
    solver: str
    version: str
    x: np.ndarray | None  #: solution, integer variables rounded
    message: str = ""
    level: str = ""  #: level at which solving stopped (if not all solved)

    @property
    def ok(self) -> bool:
        return self.status in _USABLE and self.x is not None


@dataclass(frozen=True)
class _Raw:
    status: SolveStatus
    x: np.ndarray | None
    gap: float | None
    message: str


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def solver_version(name: SolverName) -> tuple[str, str]:
    """(solver, version) as recorded in outputs."""
    if name is SolverName.HIGHS:
        return "HiGHS via scipy.optimize.milp", f"scipy {_version('scipy')}"
    if name is SolverName.CBC:
        return "CBC bundled with PuLP", f"pulp {_version('pulp')}"
    return "HiGHS via PuLP", f"pulp {_version('pulp')}, highspy {_version('highspy')}"


def solve(problem: MilpProblem, solver: SolverName | str = SolverName.HIGHS,
          time_limit: float | None = None, mip_gap: float = 0.0,
          write_lp: str | Path | None = None) -> SolveResult:
    """Solve all objective levels in order.

    Parameters
    ----------
    solver : backend name.
    time_limit : seconds for all levels together; None for no limit.
    mip_gap : relative MIP gap per level (0: prove optimality).
    write_lp : if given, the final level's model (earlier levels fixed as
        constraints) is written there as an LP file through PuLP.
    """
    name = SolverName(solver)
    backend = _BACKENDS[name]
    label, version = solver_version(name)
    A, rlb, rub = problem.A, problem.row_lb, problem.row_ub
    start = time.perf_counter()
    x, gap, values = None, None, {}
    levels = list(problem.objectives)
    trial = None  # (level index, row count before) while a shortcut is being tried
    refused: set[int] = set()  # levels whose shortcut the full model rejected

    def stop(raw: _Raw, level: str, status=None, message=None) -> SolveResult:
        return SolveResult(status=status or raw.status, objective=values, gap=raw.gap,
                           runtime=time.perf_counter() - start, solver=label, version=version,
                           x=None, message=message or raw.message, level=level)

    k = 0
    while k < len(levels):
        level, c = levels[k], problem.objectives[levels[k]]
        fresh = x is not None and trial is None and k not in refused
        # 1. A complete solution for the remaining levels, checked on every row.
        done = problem.finish(level, x) if fresh and problem.finish is not None else None
        if done is not None and _feasible(problem, done, A, rlb, rub):
            x = done
            exact = problem.evaluate(x) if problem.evaluate is not None else {}
            values.update({lv: exact.get(lv, float(problem.objectives[lv] @ x)) for lv in levels})
            if write_lp is not None:
                _write_lp(problem, problem.objectives[levels[-1]], A, rlb, rub, Path(write_lp))
            break
        # 2. Rows that impose this level's optimum; tried with the next solve.
        rows = (problem.shortcut(level, x) if fresh and problem.shortcut is not None
                and k < len(levels) - 1 else None)
        if rows is not None:
            trial = (k, A.shape[0])
            A, rlb, rub = _stack(A, rlb, rub, rows)
            k += 1
            continue
        # 3. Solve this level.
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - start), 1e-3)
        raw = backend(problem, c, A, rlb, rub, left, mip_gap)
        if raw.status is SolveStatus.INFEASIBLE and trial is not None:
            k, n_rows = trial  # the shortcut's rows cannot be met: solve that level instead
            A, rlb, rub = A[:n_rows], rlb[:n_rows], rub[:n_rows]
            refused.add(k)
            trial = None
            continue
        trial = None
        if raw.status not in _USABLE or raw.x is None:
            return stop(raw, level)
        x = _round(problem, raw.x)
        if x is None:
            return stop(raw, level, SolveStatus.NOT_SOLVED,
                        "solver returned fractional values for integer variables")
        gap = raw.gap
        exact = problem.evaluate(x) if problem.evaluate is not None else {}
        values.update({lv: exact[lv] for lv in levels[:k + 1] if lv in exact})
        value = exact.get(level, float(c @ x))
        values[level] = value
        if k < len(levels) - 1:
            rows = problem.fix(level, x) if problem.fix is not None else None
            if rows is None:
                bound = value + (0.5 if level in problem.integral_levels
                                 else 1e-9 * max(1.0, abs(value)))
                rows = (sp.csr_array(c[None, :]), [-np.inf], [bound])
            A, rlb, rub = _stack(A, rlb, rub, rows)
        elif write_lp is not None:
            _write_lp(problem, c, A, rlb, rub, Path(write_lp))
        k += 1
    status = SolveStatus.OPTIMAL if (gap is None or gap <= max(mip_gap, 1e-9)) else SolveStatus.FEASIBLE
    return SolveResult(status=status, objective=values, gap=gap,
                       runtime=time.perf_counter() - start, solver=label, version=version, x=x)


def _feasible(problem: MilpProblem, x: np.ndarray, A, rlb, rub, tol: float = 1e-6) -> bool:
    """Does ``x`` meet every bound and row (including the fixed levels)?"""
    if np.any(x < problem.lb - tol) or np.any(x > problem.ub + tol):
        return False
    r = A @ x
    scale = np.maximum(1.0, np.abs(r))
    return bool(np.all(r >= rlb - tol * scale) and np.all(r <= rub + tol * scale))


def _stack(A, rlb, rub, rows):
    return (sp.vstack([A, rows[0]], format="csr"), np.append(rlb, rows[1]), np.append(rub, rows[2]))


def _round(problem: MilpProblem, x: np.ndarray) -> np.ndarray | None:
    x = np.asarray(x, dtype=float).copy()
    ints = problem.integrality.astype(bool)
    if np.any(np.abs(x[ints] - np.rint(x[ints])) > INTEGRALITY_TOL):
        return None
    x[ints] = np.rint(x[ints])
    # Continuous deviation variables are integral at any vertex of this model;
    # snap values within tolerance so that published numbers are exact.
    near = np.abs(x - np.rint(x)) <= INTEGRALITY_TOL
    x[near] = np.rint(x[near])
    return x + 0.0  # no negative zeros


# --- scipy / HiGHS -----------------------------------------------------------

@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS's MIP solver can print diagnostics from C++ straight to file
    descriptor 1; stdout carries our data, so it is closed to them."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded use): nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)

def _scipy(problem, c, A, rlb, rub, time_limit, mip_gap) -> _Raw:
    from scipy.optimize import Bounds, LinearConstraint, milp

    options = {"mip_rel_gap": mip_gap, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = time_limit
    with _quiet_stdout():
        res = milp(c, integrality=problem.integrality, bounds=Bounds(problem.lb, problem.ub),
                   constraints=LinearConstraint(A, rlb, rub), options=options)
    status = {0: SolveStatus.OPTIMAL, 2: SolveStatus.INFEASIBLE,
              3: SolveStatus.UNBOUNDED}.get(res.status, SolveStatus.UNKNOWN)
    if res.status == 1:  # iteration or time limit
        status = SolveStatus.FEASIBLE if res.x is not None else SolveStatus.NOT_SOLVED
    gap = getattr(res, "mip_gap", None)
    return _Raw(status, res.x, None if gap is None else float(gap), str(res.message))


# --- PuLP (CBC or HiGHS) -----------------------------------------------------

#: CBC 2.10, as bundled with PuLP, prints solutions with 8 significant digits
#: (``%15.8g``), so integers above 99 999 999 come back rounded. For CBC each
#: integer variable that may exceed that is written as ``SPLIT hi + lo`` with
#: ``0 <= lo < SPLIT``; both parts print exactly. Only those: splitting
#: weakens CBC's relaxation.
SPLIT = 10_000
_SPLIT_ABOVE = 99_999_999


def to_pulp(problem: MilpProblem, c: np.ndarray, A: sp.csr_array, rlb, rub, split: bool = False):
    """The programme as a :class:`pulp.LpProblem`.

    Returns the problem and a function that reads the solution vector back.
    ``split`` applies the CBC precision workaround described at :data:`SPLIT`.
    """
    import pulp

    names = problem.var_names()
    lp = pulp.LpProblem("solidarity", pulp.LpMinimize)
    terms: list[list[tuple]] = []  # per variable: [(pulp var, multiplier)]
    for nm, lo, hi, integ in zip(names, problem.lb, problem.ub, problem.integrality):
        lo_b = None if np.isinf(lo) else float(lo)
        hi_b = None if np.isinf(hi) else float(hi)
        if split and integ and (hi_b is None or hi_b > _SPLIT_ABOVE):
            high = lp.add_variable(f"{nm}__hi", lowBound=None if lo_b is None else np.floor(lo_b / SPLIT),
                                   upBound=None if hi_b is None else np.ceil(hi_b / SPLIT), cat=pulp.LpInteger)
            low = lp.add_variable(f"{nm}__lo", lowBound=0, upBound=SPLIT - 1, cat=pulp.LpInteger)
            pair = [(high, SPLIT), (low, 1)]
            expr = pulp.LpAffineExpression(pair)
            if lo_b is not None:
                lp += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"{nm}__lb", lo_b)
            if hi_b is not None:
                lp += pulp.LpConstraint(expr, pulp.LpConstraintLE, f"{nm}__ub", hi_b)
            terms.append(pair)
        else:
            var = lp.add_variable(nm, lowBound=lo_b, upBound=hi_b,
                                  cat=pulp.LpInteger if integ else pulp.LpContinuous)
            terms.append([(var, 1)])

    def affine(cols, coefs):
        return pulp.LpAffineExpression([(v, float(k) * mult) for j, k in zip(cols, coefs)
                                        for v, mult in terms[j]])

    nz = np.flatnonzero(c)
    lp += affine(nz, c[nz]), "objective"
    A = sp.csr_array(A)
    for i in range(A.shape[0]):
        lo, hi = A.indptr[i], A.indptr[i + 1]
        expr = affine(A.indices[lo:hi], A.data[lo:hi])
        if rlb[i] == rub[i]:
            lp += pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{i}", float(rlb[i]))
            continue
        if not np.isinf(rlb[i]):
            lp += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{i}_lo", float(rlb[i]))
        if not np.isinf(rub[i]):
            lp += pulp.LpConstraint(expr, pulp.LpConstraintLE, f"r{i}_hi", float(rub[i]))

    used = set(np.flatnonzero(c)) | set(A.indices.tolist())

    def values() -> np.ndarray:
        out = np.empty(len(terms))
        for j, pair in enumerate(terms):
            vals = [v.varValue for v, _ in pair]
            if j not in used:
                # In no row and not in the objective: PuLP does not pass it to
                # the solver; any value within bounds is optimal, take 0.
                out[j] = min(max(0.0, problem.lb[j]), problem.ub[j])
            else:
                out[j] = np.nan if any(v is None for v in vals) else sum(
                    float(v) * mult for v, (_, mult) in zip(vals, pair))
        return out

    return lp, values


def _pulp_with(make_solver, split: bool):
    def run(problem, c, A, rlb, rub, time_limit, mip_gap) -> _Raw:
        import pulp

        lp, values = to_pulp(problem, c, A, rlb, rub, split=split)
        lp.solve(make_solver(time_limit, mip_gap))
        status = {1: SolveStatus.OPTIMAL, -1: SolveStatus.INFEASIBLE, -2: SolveStatus.UNBOUNDED,
                  0: SolveStatus.NOT_SOLVED}.get(lp.status, SolveStatus.UNKNOWN)
        # PuLP reports "Not Solved" with fractional values when CBC stops
        # early: only an optimal or integer-feasible solution is used.
        if lp.status == 1 and lp.sol_status == pulp.LpSolutionIntegerFeasible:
            status = SolveStatus.FEASIBLE
        if lp.status == 0 and lp.sol_status == pulp.LpSolutionIntegerFeasible:
            status = SolveStatus.FEASIBLE
        x = values()
        if np.isnan(x).any():
            return _Raw(status if status not in _USABLE else SolveStatus.NOT_SOLVED, None, None,
                        pulp.LpStatus.get(lp.status, "unknown"))
        return _Raw(status, x, None, pulp.LpStatus.get(lp.status, "unknown"))
    return run


def _cbc(time_limit, mip_gap):
    import warnings

    import pulp
    # PuLP 3.3 marks its bundled CBC as deprecated for 4.0; we pin PuLP < 3.4
    # precisely to keep the bundled binary, so the warning is not the user's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap, gapAbs=0)


def _pulp_highs(time_limit, mip_gap):
    import pulp
    return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=mip_gap, gapAbs=0)


def _write_lp(problem, c, A, rlb, rub, path: Path) -> None:
    lp, _ = to_pulp(problem, c, A, rlb, rub)
    path.parent.mkdir(parents=True, exist_ok=True)
    lp.writeLP(str(path))


_BACKENDS = {SolverName.HIGHS: _scipy, SolverName.CBC: _pulp_with(_cbc, split=True),
             SolverName.PULP_HIGHS: _pulp_with(_pulp_highs, split=False)}
