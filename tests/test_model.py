"""Integer programme: a hand-computed case, the verifier, backends, edge cases."""

import dataclasses

import numpy as np
import pytest

from solidarity.model import ModelInput, build, extract
from solidarity.schema import SolverName, SolveStatus
from solidarity.solve import solve
from solidarity.verify import verify

from .conftest import relocation_pool, solved

SOLVERS = list(SolverName)


def small() -> ModelInput:
    """Three states, rate 100 EUR per relocation, one beneficiary CC.

    AA owes 1000 (prefers 5 relocations + 500 EUR), BB owes 600 (prefers 6
    relocations but may relocate nobody: cap 0), CC owes 400 (prefers money).
    Pool targets: 11 relocations and 900 EUR; CC needs 8 relocations, 700 EUR.
    """
    return ModelInput(
        contributors=("AA", "BB", "CC"), beneficiaries=("CC",), rate=100,
        obligation=np.array([1000, 600, 400]),
        preferred=np.array([[5, 500, 0], [6, 0, 0], [0, 400, 0]]),
        lower=np.zeros((3, 3), dtype=np.int64),
        upper=np.array([[-1, -1, -1], [0, -1, -1], [-1, -1, -1]]),
        needs=np.array([[8, 700, 0]]), sar=np.array([False]),
        target_relocations=11, target_money=900, sar_reserve=0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_worked_example(solver):
    # Level 1 (shortfall): pool value 11*100 + 900 = 2000 = total obligations,
    #   so both targets are met only if every euro is pledged. BB cannot
    #   relocate: it pays 600. CC cannot send to itself, so its 8 relocations
    #   must come from AA (AA >= 8) and its 700 EUR from BB (600) + AA (>= 100):
    #   AA relocates 8 or 9, CC relocates the rest of 11 (3 or 2). Shortfall 0.
    # Level 2 (deviation, EUR): BB 6*100 + 600 = 1200 either way;
    #   AA 8 rel: 300 + 300 = 600, CC 3 rel: 300 + 300 = 600 -> 2400;
    #   AA 9 rel: 400 + 400 = 800, CC 2 rel: 200 + 200 = 400 -> 2400. A tie.
    # Level 4 (tie-break): weights = obligation rank (AA 1, BB 2, CC 3)
    #   + 3 * tier (financial 0, relocation 2), times EUR per unit:
    #   AA 8/CC 3: AA 7*300 + 1*300, CC 9*300 + 3*300, BB 8*600 + 2*600 = 12000;
    #   AA 9/CC 2: AA 7*400 + 1*400, CC 9*200 + 3*200, BB 6000          = 11600.
    inp = small()
    prob = build(inp)
    res = solve(prob, solver)
    assert res.status is SolveStatus.OPTIMAL
    sol = extract(prob, res.x, inp)
    assert sol.pledges.tolist() == [[9, 100, 0], [0, 600, 0], [2, 200, 0]]
    assert sol.flows[:, 0, :].tolist() == [[8, 100, 0], [0, 600, 0], [0, 0, 0]]
    assert sol.pool_shortfall.tolist() == [0, 0] and sol.unmet.tolist() == [0, 0, 0]
    assert verify(inp, sol) == []


def test_verifier_rejects_tampered_solutions():
    inp = small()
    prob = build(inp)
    sol = extract(prob, solve(prob).x, inp)
    cases = {
        "above its cap": dataclasses.replace(sol, pledges=sol.pledges + np.array([[0, 0, 0], [1, -100, 0], [0, 0, 0]])),
        "sends solidarity to itself": dataclasses.replace(
            sol, flows=np.concatenate([sol.flows[:2], np.array([[[1, 0, 0]]])])),
        "more than its need": dataclasses.replace(sol, flows=sol.flows + np.array([[[1, 0, 0]], [[0, 0, 0]], [[0, 0, 0]]])),
        "unmet obligation reported": dataclasses.replace(sol, unmet=np.array([5, 0, 0])),
        "pool relocation shortfall": dataclasses.replace(sol, pool_shortfall=np.array([1, 0])),
        "exceed the obligation": dataclasses.replace(sol, pledges=sol.pledges + np.array([[0, 50, 0], [0, 0, 0], [0, 0, 0]]),
                                                     over=np.array([50, 0, 0])),
    }
    for words, bad in cases.items():
        found = verify(inp, bad)
        assert any(words in v for v in found), (words, found)


def test_state_pledging_nothing_is_unmet_not_infeasible():
    inp = dataclasses.replace(small(), lower=np.zeros((3, 3), dtype=np.int64),
                              upper=np.array([[0, 0, 0], [-1, -1, -1], [-1, -1, -1]]))
    prob = build(inp)
    res = solve(prob)
    sol = extract(prob, res.x, inp)
    assert res.ok and sol.unmet[0] == 1000 and sol.pledges[0].tolist() == [0, 0, 0]
    assert verify(inp, sol) == []


def test_floors_above_obligation_show_as_over():
    inp = dataclasses.replace(small(), lower=np.array([[0, 1200, 0], [0, 0, 0], [0, 0, 0]]))
    prob = build(inp)
    sol = extract(prob, solve(prob).x, inp)
    assert sol.over.tolist() == [200, 0, 0]
    assert verify(inp, sol) == []


def test_unknown_status_maps_to_unknown(monkeypatch):
    import solidarity.solve as S

    monkeypatch.setitem(S._BACKENDS, SolverName.HIGHS,
                        lambda *a: S._Raw(SolveStatus.UNKNOWN, None, None, "weird"))
    res = solve(build(small()))
    assert res.status is SolveStatus.UNKNOWN and not res.ok and res.level == "shortfall"


def test_scipy_status_mapping(monkeypatch):
    import scipy.optimize

    import solidarity.solve as S

    class Fake:
        status, x, message, mip_gap = 4, None, "other", None

    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: Fake())
    assert S._scipy(build(small()), np.zeros(1), None, None, None, None, 0).status is SolveStatus.UNKNOWN


def test_write_lp(tmp_path):
    path = tmp_path / "m.lp"
    solve(build(small()), write_lp=path)
    text = path.read_text()
    assert "Minimize" in text and "p_AA_relocation" in text and "x_AA_CC_financial" in text


# --- balanced distribution ----------------------------------------------------

import itertools  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from solidarity.model import leximin  # noqa: E402


def _leximin_key(r, needs):
    return sorted(Fraction(a, n) for a, n in zip(r, needs))


from fractions import Fraction  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=4), st.integers(0, 30))
def test_leximin_matches_brute_force(needs, total):
    names = [f"B{i}" for i in range(len(needs))]
    got = leximin(total, needs, names)
    give = min(total, sum(needs))
    assert sum(got) == give and all(0 <= g <= n for g, n in zip(got, needs))
    best = max((r for r in itertools.product(*(range(n + 1) for n in needs)) if sum(r) == give),
               key=lambda r: _leximin_key(r, needs))
    assert _leximin_key(got, needs) == _leximin_key(best, needs)


def test_leximin_worked_example():
    # needs 7500 each, 12 079 persons: quotas 3019.75, rounded up 3020 each
    # (12 080); one unit too many: the greedy served equal ratios A..Z, so the
    # last unit it gave went to IT and is taken back.
    assert leximin(12_079, [7500] * 4, ["CY", "EL", "ES", "IT"]) == [3020, 3020, 3020, 3019]
    # needs 1, 1, 2 and 2 units: proportional floors (0, 0, 1) give ratios
    # 0, 0, 1/2; leximin prefers (1, 1, 0): ratios 0, 1, 1 (the smallest is 0
    # either way, the second smallest is larger).
    assert leximin(2, [1, 1, 2], ["A", "B", "C"]) == [1, 1, 0]


def test_balance_falls_back_when_sar_reserve_overrides_proportions():
    # Two beneficiaries needing 10 relocations each, 10 pledged by AA.
    # Leximin alone would give 5 and 5; the SAR reserve (8 relocations' worth,
    # for BB only) cannot be met then, so the solver maximises the smallest
    # coverage under the reserve instead: BB 8, CC 2.
    inp = relocation_pool({"AA": 10}, {"BB": 10, "CC": 10}, rate=100, sar=("BB",), sar_reserve=800)
    sol = solved(inp)
    assert sol.flows[0, :, 0].tolist() == [8, 2] and sol.sar_shortfall == 0
    assert verify(inp, sol) == []


def test_flows_fall_back_to_solver_when_the_greedy_cannot_fill():
    # Contributors AA, BB, CC pledge 5 relocations each; beneficiaries BB
    # (need 5) and CC (need 10). The north-west greedy sends AA's 5 to BB,
    # then CC can only get BB's 5 (not its own): 5 short. A solution exists:
    # AA and BB send 5 each to CC, CC sends 5 to BB. The solver finds it.
    inp = relocation_pool({"AA": 5, "BB": 5, "CC": 5}, {"BB": 5, "CC": 10})
    sol = solved(inp)
    assert sol.flows[:, :, 0].tolist() == [[0, 5], [0, 5], [5, 0]]
    assert sol.need_shortfall.sum() == 0 and verify(inp, sol) == []
