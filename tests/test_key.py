"""Reference key and fair shares on the real Eurostat data and small cases."""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.apportionment import check
from solidarity.data import load_indicator
from solidarity.key import batched_key, exact_key, fair_shares, reference_key
from solidarity.schema import DEFAULT_PARTICIPANTS, GDP, POPULATION, Method

HALF = {POPULATION: Fraction(1, 2), GDP: Fraction(1, 2)}


@pytest.fixture(scope="module")
def real():
    parts = list(DEFAULT_PARTICIPANTS)
    pop = load_indicator(POPULATION, require=parts).values[parts]
    gdp = load_indicator(GDP, require=parts).values[parts]
    return pop, gdp


def test_worked_two_state_key():
    # A: pop 3, gdp 1; B: pop 1, gdp 3  ->  A = 0.5*3/4 + 0.5*1/4 = 0.5 = B
    # with weights 0.75/0.25: A = 0.75*0.75 + 0.25*0.25 = 0.625, B = 0.375
    ind = pd.DataFrame({POPULATION: [3.0, 1.0], GDP: [1.0, 3.0]}, index=["A", "B"])
    assert reference_key(ind, {POPULATION: 0.5, GDP: 0.5}).tolist() == [0.5, 0.5]
    assert reference_key(ind, {POPULATION: 0.75, GDP: 0.25}).tolist() == [0.625, 0.375]


def test_real_key_26_states(real):
    pop, gdp = real
    fs = fair_shares(pop, gdp, HALF, 21_000, 420_000_000, 20_000)
    t = fs.table
    assert len(t) == 26 and "DK" not in t.index
    assert abs(t["key_share"].sum() - 1) < 1e-12
    assert t["fair_relocations"].sum() == 21_000
    assert t["fair_financial_eur"].sum() == 420_000_000
    assert t["obligation_eur"].sum() == 20_000 * 21_000 + 420_000_000
    assert check(fs.relocations).quota_ok and check(fs.relocations).sum_ok


def test_real_key_germany_largest(real):
    pop, gdp = real
    t = fair_shares(pop, gdp, HALF, 21_000, 420_000_000, 20_000).table
    # DE 2025 population 83 577 140 of 444.4 million; GDP 2024 4 328 970 of 17.6 trillion
    assert t["key_share"].idxmax() == "DE"
    assert t.loc["DE", "key_share"] == pytest.approx(0.216857, abs=1e-6)
    assert t.loc["DE", "fair_relocations"] == 4554


def test_exact_key_matches_float(real):
    pop, gdp = real
    ind = pd.DataFrame({POPULATION: pop, GDP: gdp})
    ex = exact_key({k: {g: Fraction(repr(float(v))) for g, v in ind[k].items()} for k in HALF}, HALF)
    assert sum(ex.values()) == 1
    fl = reference_key(ind, {k: 0.5 for k in HALF})
    assert max(abs(float(ex[g]) - fl[g]) for g in fl.index) < 1e-15


def test_batched_matches_single_and_masks(real):
    pop, gdp = real
    vals = np.column_stack([pop.to_numpy(), gdp.to_numpy()])
    w = np.array([[0.5, 0.5], [0.4, 0.6], [1.0, 0.0]])
    mask = np.ones((3, 26), dtype=bool)
    mask[2, 0] = False  # scenario 3 without the first state
    out = batched_key(vals, w, mask)
    ind = pd.DataFrame({POPULATION: pop, GDP: gdp})
    np.testing.assert_allclose(out[1], reference_key(ind, {POPULATION: 0.4, GDP: 0.6}).to_numpy(), rtol=1e-13)
    assert out[2, 0] == 0 and abs(out[2].sum() - 1) < 1e-12
    np.testing.assert_allclose(out.sum(axis=1), 1, atol=1e-12)


def test_deductions_shrink_obligation_only_for_that_state(real):
    pop, gdp = real
    base = fair_shares(pop, gdp, HALF, 21_000, 420_000_000, 20_000).table
    ded = fair_shares(pop, gdp, HALF, 21_000, 420_000_000, 20_000,
                      deductions={"AT": Fraction(1, 2)}).table
    # AT: r = 512, f = 10 233 876 -> deduct round(256) = 256 and 5 116 938
    assert ded.loc["AT", "deducted_relocations"] == 256
    assert ded.loc["AT", "deducted_financial_eur"] == 5_116_938
    assert ded.loc["AT", "obligation_eur"] == 20_000 * 256 + 5_116_938
    others = base.index != "AT"
    assert (ded.loc[others, "obligation_eur"] == base.loc[others, "obligation_eur"]).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**8), st.integers(1, 10**7)), min_size=2, max_size=30),
       st.integers(0, 40_000), st.sampled_from(list(Method)))
def test_fair_shares_sum_exactly(rows, house, method):
    idx = [f"S{i:02d}" for i in range(len(rows))]
    pop = pd.Series([float(p) for p, _ in rows], index=idx)
    gdp = pd.Series([g / 10 for _, g in rows], index=idx)
    fs = fair_shares(pop, gdp, HALF, house, house * 20_000, 20_000, method=method)
    assert fs.table["fair_financial_eur"].sum() == house * 20_000
    if method is not Method.CEILING:
        assert fs.table["fair_relocations"].sum() == house
    if method is Method.HAMILTON:
        assert check(fs.relocations).quota_ok
