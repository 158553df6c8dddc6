"""A small sparse matrix in numpy: what the programme needs, without scipy.

scipy.sparse costs a tenth of a second to import (more than the real cycle's
whole solve), and the default backend (highspy) takes column-wise arrays
directly. :class:`Matrix` holds the non-zeros as triplets (duplicates
summed), multiplies a vector, stacks rows, and gives CSC/CSR arrays; the
other backends convert it with :meth:`Matrix.tocsr`, importing scipy then.
"""

from __future__ import annotations

import numpy as np


class Matrix:
    """Sparse matrix as row, column, value triplets (no duplicates)."""

    __slots__ = ("rows", "cols", "vals", "shape")

    def __init__(self, rows, cols, vals, shape: tuple[int, int], summed: bool = False):
        rows = np.asarray(rows, dtype=np.int64).ravel()
        cols = np.asarray(cols, dtype=np.int64).ravel()
        vals = np.asarray(vals, dtype=float).ravel()
        if not summed and rows.size:
            # one entry per position, in row-major order (HiGHS rejects duplicates)
            key = rows * shape[1] + cols
            uniq, inv = np.unique(key, return_inverse=True)
            vals = np.bincount(inv, weights=vals, minlength=uniq.size)
            rows, cols = uniq // shape[1], uniq % shape[1]
            keep = vals != 0
            rows, cols, vals = rows[keep], cols[keep], vals[keep]
        self.rows, self.cols, self.vals, self.shape = rows, cols, vals, (int(shape[0]), int(shape[1]))

    @classmethod
    def coerce(cls, a) -> Matrix:
        """A :class:`Matrix` from itself, a scipy sparse matrix or a dense array."""
        if isinstance(a, Matrix):
            return a
        if hasattr(a, "tocoo"):
            coo = a.tocoo()
            return cls(coo.row, coo.col, coo.data, coo.shape)
        dense = np.atleast_2d(np.asarray(a, dtype=float))
        r, c = np.nonzero(dense)
        return cls(r, c, dense[r, c], dense.shape, summed=True)

    @property
    def nnz(self) -> int:
        return int(self.vals.size)

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.bincount(self.rows, weights=self.vals * x[self.cols], minlength=self.shape[0])

    def vstack(self, other) -> Matrix:
        other = Matrix.coerce(other)
        if other.shape[1] != self.shape[1]:
            raise ValueError("column counts differ")
        return Matrix(np.concatenate([self.rows, other.rows + self.shape[0]]),
                      np.concatenate([self.cols, other.cols]), np.concatenate([self.vals, other.vals]),
                      (self.shape[0] + other.shape[0], self.shape[1]), summed=True)

    def rows_of(self, keep: np.ndarray) -> Matrix:
        """The rows ``keep`` (a boolean mask or indices), renumbered in order."""
        idx = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep)
        pos = np.full(self.shape[0], -1, dtype=np.int64)
        pos[idx] = np.arange(idx.size)
        sel = pos[self.rows] >= 0
        return Matrix(pos[self.rows[sel]], self.cols[sel], self.vals[sel], (idx.size, self.shape[1]), summed=True)

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, index, value) column-wise, as HiGHS takes them."""
        order = np.lexsort((self.rows, self.cols))
        start = np.zeros(self.shape[1] + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.cols, minlength=self.shape[1]), out=start[1:])
        return start, self.rows[order], self.vals[order]

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, index, value) row-wise."""
        order = np.lexsort((self.cols, self.rows))
        start = np.zeros(self.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.rows, minlength=self.shape[0]), out=start[1:])
        return start, self.cols[order], self.vals[order]

    def tocsr(self):
        """A scipy CSR array (imports scipy.sparse).

        Its index arrays are 32-bit where they fit: scipy's milp before 1.14
        rejects 64-bit ones ("Buffer dtype mismatch").
        """
        import scipy.sparse as sp
        out = sp.csr_array((self.vals, (self.rows, self.cols)), shape=self.shape)
        if max(out.nnz, *self.shape) < 2**31 - 1:
            out.indices = out.indices.astype(np.int32)
            out.indptr = out.indptr.astype(np.int32)
        return out

    def __array__(self, dtype=None, copy=None):
        out = np.zeros(self.shape, dtype=dtype or float)
        out[self.rows, self.cols] = self.vals
        return out

    def __repr__(self) -> str:
        return f"<Matrix {self.shape[0]} x {self.shape[1]}, {self.nnz} non-zeros>"
