"""Inputs that ask for a lot: amounts beyond 32 bits, deep documents, huge grids and pools (issue 19)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.allocate import _fill_any, _fill_any_exact


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**62), st.data())
def test_exact_fill_meets_the_margins_of_any_feasible_matrix(R, C, scale, data):
    """Margins taken from a matrix with some forbidden cells are met exactly,
    in Python integers, whatever their size (csgraph stops at 2**31)."""
    allowed = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=C, max_size=C),
                                          min_size=R, max_size=R)), dtype=bool)
    cells = data.draw(st.lists(st.integers(0, 1000), min_size=R * C, max_size=R * C))
    x = np.array(cells, dtype=object).reshape(R, C) * (scale // 1000 + 1) * allowed
    a, y = x.sum(axis=1).astype(np.int64), x.sum(axis=0).astype(np.int64)
    got = _fill_any_exact(a, y, allowed)
    assert (got.sum(axis=1) == a).all() and (got.sum(axis=0) == y).all()
    assert (got[~allowed] == 0).all() and (got >= 0).all()


def test_fill_beyond_two_to_the_31_does_not_overflow():
    a = np.array([41_438_298_399, 49_311_135_770, 3_000_000_000], dtype=np.int64)
    y = np.array([49_311_135_770 + 3_000_000_000, 41_438_298_399], dtype=np.int64)
    allowed = np.array([[False, True], [True, False], [True, True]])
    got = _fill_any(a, y, allowed)
    assert (got.sum(axis=1) == a).all() and (got.sum(axis=0) == y).all() and got[0, 0] == got[1, 1] == 0
