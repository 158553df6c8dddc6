"""The levels' LP relaxations in one HiGHS instance, each warm-started from
the basis the one before left (see "LP first" in :mod:`solidarity.optimise.solve`).

The chain mirrors the programme :func:`solidarity.optimise.solve.solve` holds
(matrix, row and column bounds, with every level's optimum kept as a row or
as fixed bounds) without integrality: :meth:`LpChain.sync` appends the rows
kept since the last call and sets the column bounds, :meth:`LpChain.solve`
changes the objective and re-solves. HiGHS keeps the simplex basis between
runs, so each level's LP starts from the previous optimum (primal feasible
after a cost change; after new rows, the dual simplex starts from it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .sparse import Matrix


@dataclass(frozen=True)
class LpResult:
    """An LP relaxation's outcome: ``status`` is ``optimal``, ``infeasible``
    or ``other`` (anything else: unbounded, a limit, an error)."""

    status: str
    x: np.ndarray | None = None
    objective: float | None = None
    row_dual: np.ndarray | None = None  #: per row of the solve's matrix (the probe rows left out)


class LpChain:
    """One HiGHS LP, its rows and bounds kept in step with the solve."""

    def __init__(self, highspy, A: Matrix, rlb: np.ndarray, rub: np.ndarray, lb: np.ndarray,
                 ub: np.ndarray, options=None):
        self._hs = highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for key, value in (options or {}).items():
            if key != "presolve":  # the levels' options are for the MILPs
                h.setOptionValue(key, value)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_ = np.zeros(A.shape[1])
        lp.col_lower_, lp.col_upper_ = lb, ub
        lp.row_lower_, lp.row_upper_ = self._inf(rlb), self._inf(rub)
        start, index, value = A.csc()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, value
        h.passModel(lp)
        self.h = h
        self.synced = A.shape[0]  #: rows of the solve's matrix the chain holds
        self.rows = A.shape[0]  #: rows in the chain (the probe floors too)
        self.probe: np.ndarray | None = None  #: the ratio search's floor rows, once added
        #: the chain's row of each row of the solve's matrix (the probe rows sit between)
        self.a_rows = np.arange(A.shape[0])
        self._cols = np.arange(A.shape[1], dtype=np.int32)
        self._lb, self._ub = lb.copy(), ub.copy()

    def _inf(self, a: np.ndarray) -> np.ndarray:
        inf = self._hs.kHighsInf
        return np.where(np.isposinf(a), inf, np.where(np.isneginf(a), -inf, a)).astype(float)

    def sync(self, A: Matrix, rlb: np.ndarray, rub: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> None:
        """Append the rows of ``A`` beyond those the chain has; take the
        column bounds if they changed (a level that fixes values)."""
        if A.shape[0] > self.synced:
            new = self.add_rows(A.rows_of(np.arange(self.synced, A.shape[0])), rlb[self.synced:],
                                rub[self.synced:])
            self.a_rows = np.concatenate([self.a_rows, new])
            self.synced = A.shape[0]
        if not (np.array_equal(lb, self._lb) and np.array_equal(ub, self._ub)):
            self.h.changeColsBounds(self._cols.size, self._cols, lb, ub)
            self._lb, self._ub = lb.copy(), ub.copy()

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the bounds of rows the chain has (the ratio search's probe floors)."""
        self.h.changeRowsBounds(len(rows), np.asarray(rows, dtype=np.int32), self._inf(np.asarray(lower, float)),
                                self._inf(np.asarray(upper, float)))

    def add_rows(self, M: Matrix, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Rows the solve does not hold (the ratio search's probe floors):
        their indices. They stay in the chain; relax them when done."""
        start, index, value = M.csr()
        self.h.addRows(M.shape[0], self._inf(np.asarray(lower, float)), self._inf(np.asarray(upper, float)),
                       int(index.size), start[:-1].astype(np.int32), index.astype(np.int32), value)
        first = self.rows
        self.rows += M.shape[0]
        return np.arange(first, self.rows)

    def solve(self, c: np.ndarray, time_limit: float | None = None) -> LpResult:
        """Minimise ``c @ x`` over the chain's polyhedron (within
        ``time_limit`` seconds if given: else status ``other``)."""
        self.h.setOptionValue("time_limit", float("inf") if time_limit is None else float(max(time_limit, 1e-3)))
        self.h.changeColsCost(self._cols.size, self._cols, np.asarray(c, dtype=float))
        self.h.run()
        S = self._hs.HighsModelStatus
        ms = self.h.getModelStatus()
        if ms == S.kOptimal:
            info = self.h.getInfo()
            got = self.h.getSolution()
            return LpResult("optimal", np.array(got.col_value), float(info.objective_function_value),
                            np.array(got.row_dual)[self.a_rows])
        if ms == S.kInfeasible:
            return LpResult("infeasible")
        return LpResult("other")


#: Unit roundoff of float64.
_U = 2.0 ** -53


def safe_bound(c: np.ndarray, A: Matrix, rlb: np.ndarray, rub: np.ndarray, lb: np.ndarray, ub: np.ndarray,
               rows: int, row_dual: np.ndarray) -> float | None:
    """A lower bound on ``min c @ x`` over ``rlb <= A x <= rub, lb <= x <= ub``
    (the first ``rows`` rows of ``A``) that float error cannot overstate, or
    None.

    Any row multipliers ``y`` give ``c @ x = y @ (A x) + d @ x`` with
    ``d = c - A^T y``, so ``c @ x >= sum_i min(y_i rlb_i, y_i rub_i) +
    sum_j min(d_j lb_j, d_j ub_j)`` (weak duality; Neumaier and Shcherbina,
    "Safe bounds in linear and mixed-integer programming", Math. Program.
    99, 2004). The LP solver's duals are only used as ``y``: a multiplier
    whose sign asks for an infinite row bound is set to 0, which keeps the
    inequality. Every sum is computed in float64 and the bound lowered by
    ``gamma_k`` times the sum of the absolute values of its terms (``k`` the
    most terms any sum has, plus two for the products), a rigorous bound on
    the rounding error (Higham, Accuracy and Stability of Numerical
    Algorithms, 2nd ed., Lemma 3.1). None when a reduced cost asks for an
    infinite column bound.
    """
    y = np.asarray(row_dual, dtype=float)[:rows].copy()
    lo, hi = rlb[:rows], rub[:rows]
    y[(y > 0) & np.isneginf(lo)] = 0.0
    y[(y < 0) & np.isposinf(hi)] = 0.0
    keep = A.rows < rows
    r, col, v = A.rows[keep], A.cols[keep], A.vals[keep]
    prod = v * y[r]
    d = np.asarray(c, dtype=float) - np.bincount(col, weights=prod, minlength=A.shape[1])
    row_side = np.where(y > 0, lo, np.where(y < 0, hi, 0.0))
    col_side = np.where(d > 0, lb, np.where(d < 0, ub, 0.0))
    if not (np.isfinite(row_side).all() and np.isfinite(col_side).all()):
        return None
    terms = np.concatenate([y * row_side, d * col_side])
    # Rounding error, each part bounded by gamma_k = k u / (1 - k u) times the
    # sum of the absolute values involved (Higham, Lemma 3.1): d_j from its
    # column's k_j products and sums; each product of the final sum; the
    # final sum itself, computed by math.fsum (correctly rounded: one ulp).
    k = np.bincount(col, minlength=A.shape[1]) + 2
    gamma = k * _U / (1 - k * _U)
    err_d = gamma * (np.abs(c) + np.bincount(col, weights=np.abs(prod), minlength=A.shape[1]))
    total = math.fsum(terms.tolist())
    err = _U * float(np.abs(terms).sum()) * 1.01 + float((err_d * np.abs(col_side)).sum()) * 1.01
    return total - err - 2 * math.ulp(total)
