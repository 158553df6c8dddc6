"""Reference key and fair shares on the real Eurostat data and small cases."""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarity.inputs.data import load_indicator
from solidarity.pact.apportionment import check
from solidarity.pact.key import batched_key, exact_key, fair_shares, reference_key
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
    fs = fair_shares(pop, gdp, HALF, 420_000_000, 21_000, 20_000)
    t = fs.table
    assert len(t) == 26 and "DK" not in t.index
    assert abs(t["key_share"].sum() - 1) < 1e-12
    # one obligation per state: the euros add up to F, not to F + e x R
    assert t["fair_share_eur"].sum() == 420_000_000 == t["obligation_eur"].sum()
    assert t["relocations_apportioned"].sum() == 21_000
    assert check(fs.relocations).quota_ok and check(fs.euros).quota_ok


def test_real_key_germany_and_belgium(real):
    """The published form of a fair share (SPEC section 3): "4 555 relocations
    or about EUR 91.09 million" for DE; BE's money-only EUR 12.9 million is
    its whole fair share (3.07 % x EUR 420 million), not half of it."""
    pop, gdp = real
    t = fair_shares(pop, gdp, HALF, 420_000_000, 21_000, 20_000).table
    assert t["key_share"].idxmax() == "DE"
    assert t.loc["DE", "key_share"] == pytest.approx(0.216857, abs=1e-6)
    # 0.216857 x 420 000 000 = 91 080 039 (largest remainder); / 20 000 =
    # 4 554.002 persons, rounded up: the relocation equivalent 4 555.
    assert t.loc["DE", "fair_share_eur"] == 91_080_039
    assert t.loc["DE", "fair_share_relocations"] == 4_555
    assert t.loc["DE", "relocations_apportioned"] == 4_554  # adds up to R, a column of its own
    assert t.loc["BE", "fair_share_eur"] == 13_014_787
    assert 12_900_000 / t.loc["BE", "fair_share_eur"] > 0.99


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
    base = fair_shares(pop, gdp, HALF, 420_000_000, 21_000, 20_000).table
    ded = fair_shares(pop, gdp, HALF, 420_000_000, 21_000, 20_000,
                      deductions={"AT": Fraction(1, 2)}).table
    # AT: fair share EUR 10 233 876 -> deduct half: 5 116 938; its relocation
    # equivalent falls from ceil(511.69) = 512 to ceil(255.85) = 256.
    assert base.loc["AT", "fair_share_eur"] == 10_233_876
    assert ded.loc["AT", "deduction_eur"] == 5_116_938
    assert ded.loc["AT", "obligation_eur"] == 5_116_938
    assert (base.loc["AT", "obligation_relocations"], ded.loc["AT", "obligation_relocations"]) == (512, 256)
    others = base.index != "AT"
    assert (ded.loc[others, "obligation_eur"] == base.loc[others, "obligation_eur"]).all()


def test_redistributed_deduction_worked_example():
    # key 0.5 / 0.3 / 0.2, pool EUR 1 000: fair shares 500 / 300 / 200.
    # AA fully deducted. Off: the pool shrinks to 500. On: AA's 500 go to BB
    # and CC by 0.3 : 0.2 -> 300 and 200: obligations 0 / 600 / 400 = 1 000.
    toy = pd.Series({"AA": 5.0, "BB": 3.0, "CC": 2.0})
    off = fair_shares(toy, toy, HALF, 1000, 10, 100, deductions={"AA": Fraction(1)}).table
    assert off["obligation_eur"].tolist() == [0, 300, 200]
    on = fair_shares(toy, toy, HALF, 1000, 10, 100, deductions={"AA": Fraction(1)}, redistribute=True).table
    assert on["redistributed_eur"].tolist() == [0, 300, 200]
    assert on["obligation_eur"].tolist() == [0, 600, 400]


def test_credit_reduces_the_obligation_up_to_what_is_owed():
    toy = pd.Series({"AA": 5.0, "BB": 3.0, "CC": 2.0})
    t = fair_shares(toy, toy, HALF, 1000, 10, 100, credits={"AA": 120, "BB": 999}).table
    assert t["credit_used_eur"].tolist() == [120, 300, 0]
    assert t["obligation_eur"].tolist() == [380, 0, 200]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**8), st.integers(1, 10**7),
                          st.sampled_from([0, 0, Fraction(1, 4), Fraction(1, 2), Fraction(1)])),
                min_size=2, max_size=30),
       st.integers(0, 40_000), st.sampled_from(list(Method)), st.booleans())
def test_fair_shares_sum_exactly(rows, house, method, redistribute):
    idx = [f"S{i:02d}" for i in range(len(rows))]
    pop = pd.Series([float(p) for p, _, _ in rows], index=idx)
    gdp = pd.Series([g / 10 for _, g, _ in rows], index=idx)
    ded = {g: d for g, (_, _, d) in zip(idx, rows)}
    fs = fair_shares(pop, gdp, HALF, house * 20_000, house, 20_000, method=method, deductions=ded,
                     redistribute=redistribute)
    t = fs.table
    assert t["fair_share_eur"].sum() == house * 20_000
    assert (t["fair_share_relocations"] * 20_000 >= t["fair_share_eur"]).all()
    assert (t["fair_share_relocations"] * 20_000 < t["fair_share_eur"] + 20_000).all()
    if method not in (Method.CEILING, Method.PER_STATE):
        assert t["relocations_apportioned"].sum() == house
    if method is Method.HAMILTON:
        assert check(fs.relocations).quota_ok
    # deductions never raise an obligation unless redistributed; redistributed
    # deductions keep the pool whole when some state has none
    if not redistribute:
        assert (t["obligation_eur"] <= t["fair_share_eur"]).all()
    elif any(d == 0 and fs.key[g] > 0 for g, d in ded.items()):
        assert t["obligation_eur"].sum() == house * 20_000
