"""The pairwise formulation (solidarity.optimise.pairwise) as the oracle of the aggregate one.

The aggregate model (solidarity.optimise.model) replaces who-sends-to-whom by two rows
per type and claims, by Hall's theorem, that this loses nothing. Here the two
formulations are solved level by level on random inputs (tests/strategies.py)
and on worked examples, and must reach the same exact value at every level.

The pairwise run *replays* the aggregate run's exact steps (fairness,
balance): an exact step starts from whichever optimum the solver returned,
so without the replay a tie at an earlier level would be compared rather
than the formulations. Every MILP level is still solved by both, with the
same earlier optima kept; and each replayed step must also pass the
pairwise model's rows, i.e. its pledges and receipts must be realisable by
flows without self-flows.

The oracle found five core bugs (tests at the end, each a minimal
reproduction); the fairness step is checked on every input for the faults
it once had.

Also here: worked examples with hand-computed values, the bundled scenarios
(real sizes), and the calls and flows of solidarity.optimise.allocate realising the
aggregate solution.
"""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from solidarity.optimise.allocate import EXACT_STEPS, calls, flows
from solidarity.optimise.model import ALT, IN_KIND, REL, ModelInput, build, value_deviation
from solidarity.optimise.pairwise import build_pairwise, flows_for, solve_pairwise
from solidarity.optimise.solve import solve
from solidarity.optimise.sparse import Matrix
from solidarity.pact.apportionment import bounded
from solidarity.schema import FlowsMode, Priority, SolverName

from .conftest import BUNDLED
from .strategies import check_valid, model_inputs

OTHER_BACKENDS = [SolverName.SCIPY, SolverName.CBC, SolverName.PULP_HIGHS]
QUICK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- lockstep: the aggregate run, and the pairwise run replaying its exact steps ---

def _fairness_faults(inp: ModelInput, before, after) -> list[str]:
    """What the fairness step must never do (the oracle once found each):
    change a type's total (bug A), leave a beneficiary only its own money
    (bug D), undo the deviation level (bug B)."""
    free = inp.free
    out = []
    if (before.pledges[free].sum(axis=0) != after.pledges[free].sum(axis=0))[list(IN_KIND)].any():
        out.append("bounded() does not add up to the total")
    try:
        flows_for(inp, after.pledges, after.received)
    except ValueError:
        out.append("fairness_step leaves a beneficiary only its own money")
    if value_deviation(inp, after) > value_deviation(inp, before):
        out.append("fairness_step undoes the deviation level")
    return out


def _recording(inp: ModelInput, problem):
    """The problem with each exact level recording its output (and the
    fairness step checked against the faults it once had)."""
    steps: dict = {}
    bugs: list[str] = []

    def wrap(lv):
        def compute(prob, sol):
            out = (lv.compute or EXACT_STEPS[lv.name])(prob, sol)
            if lv.name == "fairness":
                bugs.extend(_fairness_faults(inp, sol, out))
            steps[lv.name] = out
            return out
        return dataclasses.replace(lv, compute=compute)

    return dataclasses.replace(problem, levels=tuple(
        wrap(lv) if lv.kind == "exact" else lv for lv in problem.levels)), steps, bugs


def _replaying(problem, steps: dict):
    """The problem with each exact level returning the recorded output."""
    return dataclasses.replace(problem, levels=tuple(
        dataclasses.replace(lv, compute=lambda prob, sol, out=steps[lv.name]: out) if lv.name in steps else lv
        for lv in problem.levels))


@dataclasses.dataclass
class Lockstep:
    agg: object  #: SolveResult of the aggregate model
    pw: object  #: SolveResult of the pairwise model, replaying the aggregate's exact steps
    flows: np.ndarray | None  #: the pairwise model's flows x (n, m, 3)
    bugs: list[str]  #: faults of the fairness step met (none expected)


def solve_guarded(inp: ModelInput, solver=SolverName.HIGHS):
    """The aggregate model solved: (result, recorded exact steps, faults met)."""
    problem, steps, bugs = _recording(inp, build(inp))
    return solve(problem, solver), steps, bugs


def lockstep(inp: ModelInput, solver=SolverName.HIGHS) -> Lockstep:
    """Solve both formulations, the pairwise one replaying the aggregate's exact steps."""
    agg, steps, bugs = solve_guarded(inp, solver)
    pairwise = _replaying(build_pairwise(inp), steps)
    pw = solve_pairwise(pairwise, solver)
    return Lockstep(agg, pw, None if pw.x is None else pairwise.flows(pw.x), bugs)


def check_lockstep(inp: ModelInput, solver=SolverName.HIGHS):
    """Assert that both formulations agree at every level; return the
    aggregate result."""
    run = lockstep(inp, solver)
    assert not run.bugs, run.bugs
    agg, pw = run.agg, run.pw
    assert agg.ok, (agg.status, agg.level, agg.message)
    assert pw.ok, (pw.status, pw.level, pw.message)
    assert pw.objective == agg.objective, {k: (v, pw.objective.get(k)) for k, v in agg.objective.items()}
    # which levels ran (a "shortcut" instead of a solve depends on ties: not compared)
    assert [t.name for t in pw.trace] == [t.name for t in agg.trace]
    assert (pw.solution.pledges == agg.solution.pledges).all()
    assert (pw.solution.received == agg.solution.received).all()
    check_flows(inp, agg.solution.pledges, agg.solution.received, run.flows)
    return agg


def check_flows(inp: ModelInput, p: np.ndarray, y: np.ndarray, x: np.ndarray) -> None:
    """Integer flows whose columns are the receipts, rows within the pledges
    (alternative measures: exactly), nobody sending to itself."""
    assert np.issubdtype(x.dtype, np.integer) and (x >= 0).all()
    assert (x.sum(axis=0) == y).all()
    assert (x.sum(axis=1) <= p).all() and (x[:, :, ALT].sum(axis=1) == p[:, ALT]).all()
    for b, i in enumerate(inp.self_index):
        if i >= 0:
            assert (x[i, b] == 0).all()


# --- random inputs ---------------------------------------------------------------

@settings(QUICK, max_examples=200)
@given(model_inputs())
def test_same_optimum_at_every_level(inp):
    check_valid(inp)
    check_lockstep(inp)


@settings(QUICK, max_examples=40)
@given(model_inputs(max_contributors=6, max_beneficiaries=3))
def test_same_optimum_with_every_backend(inp):
    ref = check_lockstep(inp)
    for solver in OTHER_BACKENDS:
        agg = check_lockstep(inp, solver)
        # Every level, the fairness and balance steps included, and the
        # decisions themselves: the fairness step's bounds follow from what
        # the earlier levels fixed, not from where a solver put the receipts
        # (issue 13), so no backend's tie reaches the tables.
        assert agg.objective == ref.objective, solver
        assert (agg.solution.pledges == ref.solution.pledges).all(), solver
        assert (agg.solution.received == ref.solution.received).all(), solver


@settings(QUICK, max_examples=30)
@given(model_inputs())
def test_aggregate_solution_is_realisable(inp):
    """The calls and flows of solidarity.optimise.allocate serve the aggregate
    solution: integer, margins equal to the calls and the receipts, nobody
    sending to itself, in both flow modes."""
    res, _, _ = solve_guarded(inp)
    assert res.ok, res.message
    p, y = res.solution.pledges, res.solution.received
    called = calls(inp, p, y)
    assert ((called >= 0) & (called <= p)).all()
    assert (called.sum(axis=0) == y.sum(axis=0)).all() and (called[:, ALT] == p[:, ALT]).all()
    for mode in FlowsMode:
        x = flows(inp, called, y, mode)
        check_flows(inp, called, y, x)
        assert (x.sum(axis=1) == called).all(), mode


# --- worked examples (hand-computed; both formulations, every backend) ----------------

def model_input(contributors, beneficiaries, rate, obligation, preferred, lower, upper, kinds, needs,
                sar=None, sar_target=0, priority=Priority.PREFERENCES) -> ModelInput:
    """A ModelInput with ``stated``, ``recorded``, ``free`` and ``over_max``
    set from each state's kind as pipeline.model_input sets them."""
    u = np.array([rate, 1, 1])
    O, P, L = np.array(obligation), np.array(preferred), np.array(lower)
    S = np.array([k == "stated" for k in kinds])
    R = np.array([k == "recorded" for k in kinds])
    over = np.maximum(0, np.maximum((P * u).sum(axis=1), (L * u).sum(axis=1)) - O)
    over = np.where(S | R, over, np.maximum(0, (L * u).sum(axis=1) - O))
    return ModelInput(
        contributors=tuple(contributors), beneficiaries=tuple(beneficiaries), rate=rate, obligation=O,
        preferred=P, lower=L, upper=np.array(upper), over_max=over, stated=S, recorded=R,
        free=~R & ((priority is Priority.NEEDS) | ~S), needs=np.array(needs),
        sar=np.zeros(len(beneficiaries), dtype=bool) if sar is None else np.array(sar),
        sar_target=sar_target, priority=priority)


NONE = [-1, -1, -1]


def self_pledge() -> ModelInput:
    """AT pledges 5 relocations (recorded, obligation 500 at rate 100) and
    needs 6; BE owes 300 and stated nothing."""
    return model_input(["AT", "BE"], ["AT"], 100, [500, 300], [[5, 0, 0], [0, 0, 0]],
                       [[5, 0, 0], [0, 0, 0]], [[5, 0, 0], NONE], ["recorded", "free"], [[6, 0, 0]])


def alternative_all_allocated() -> ModelInput:
    """AT owes 1000 and prefers 600 EUR money + 400 EUR alternative; BE's
    recorded pledge is 200 EUR alternative. ES needs 1000 EUR money, IT
    requests 500 EUR alternative measures."""
    return model_input(["AT", "BE"], ["ES", "IT"], 100, [1000, 200], [[0, 600, 400], [0, 0, 200]],
                       [[0, 0, 0], [0, 0, 200]], [NONE, [0, 0, 200]], ["stated", "recorded"],
                       [[0, 1000, 0], [0, 0, 500]])


def sar_target() -> ModelInput:
    """AT's recorded pledge is 600 EUR. ES needs 800 EUR, IT (SAR) 400 EUR;
    the SAR target is 300 EUR."""
    return model_input(["AT"], ["ES", "IT"], 100, [600], [[0, 600, 0]], [[0, 600, 0]], [[0, 600, 0]],
                       ["recorded"], [[0, 800, 0], [0, 400, 0]], sar=[False, True], sar_target=300)


WORKED = {
    # Supply is 5 + 3 = 8 relocations for a need of 6, but AT cannot receive
    # its own 5: the row y_AT <= p_BE binds at 3. BE's 300 EUR go into 3
    # relocations (value 300: needs short by 3 x 100 = 300 EUR); in_kind:
    # 3 x 100 = 300 asked of BE; people_first: 6 relocations needed, 3
    # received, 3 not; fairness: BE alone, 300 / 300 = 1; balance: AT gets
    # 3 of 6 = 1/2; state_order: BE (rank 2, the model chooses for it)
    # (3 + 2) x 100 per relocation x 3 = 1500.
    "self_pledge": (self_pledge, {"unmet": 0, "unmet_order": 0, "needs": 300, "in_kind": 300,
                                  "people_first": 3, "state_order": 1500, "fairness": Fraction(1),
                                  "balance": Fraction(1, 2)},
                    [[5, 0, 0], [3, 0, 0]], [[3, 0, 0]]),
    # Every alternative measure pledged must reach a requester: AT + 200 <=
    # 500, so AT moves 100 EUR out of its 400. Deviation 100 (alternative) +
    # 100 (elsewhere) = 200 whether the 100 go to money or to 1 relocation;
    # deviation_order (money x1, alternative x2, relocation x3 per EUR):
    # money 100 + alternative 200 = 300 < relocation 300 + 200. So AT pledges
    # 0 / 700 / 300; IT gets all 500 EUR of alternative measures, ES 700 of
    # its 1000 EUR: needs short by 300; coverage money 7/10, alternative 1,
    # so type_balance = balance = 7/10; state_order: AT (rank 1) the same
    # 300 as deviation_order (BE is recorded).
    "alternative_all_allocated": (alternative_all_allocated,
                                  {"unmet": 0, "unmet_order": 0, "deviation": 200, "deviation_order": 300,
                                   "needs": 300, "state_order": 300,
                                   "type_balance": Fraction(7, 10), "balance": Fraction(7, 10)},
                                  [[0, 700, 300], [0, 0, 200]], [[0, 700, 0], [0, 0, 500]]),
    # 600 EUR for needs of 1200: short by 600. Leximin alone would give
    # 600/1200 = 1/2 of each need (ES 400, IT 200), but the SAR state IT
    # must get 300: IT 300, ES the other 300; balance min(300/800, 300/400) = 3/8.
    "sar_target": (sar_target, {"unmet": 0, "unmet_order": 0, "needs": 600, "balance": Fraction(3, 8)},
                   [[0, 600, 0]], [[0, 300, 0], [0, 300, 0]]),
}


@pytest.mark.parametrize("solver", list(SolverName))
@pytest.mark.parametrize("name", list(WORKED))
def test_worked_example(name, solver):
    make, values, pledges, received = WORKED[name]
    agg = check_lockstep(make(), solver)
    assert agg.objective == values
    assert agg.solution.pledges.tolist() == pledges
    assert agg.solution.received.tolist() == received


def test_self_pledge_row_binds():
    """The aggregate row y_AT <= sum_{i != AT} p_i is what costs 300 EUR:
    it holds with equality at the optimum, and without it the need is met."""
    inp = self_pledge()
    prob = build(inp)
    res = solve(prob)
    A = np.asarray(Matrix.coerce(prob.A))  # dense: a few rows and columns
    y, p = prob.blocks["y"][0, REL], prob.blocks["p"][:, REL]
    rows = [r for r in range(prob.n_rows) if A[r, y] == 1 and A[r, p[0]] == 0 and A[r, p[1]] == -1]
    assert len(rows) == 1
    r = rows[0]
    assert A[r] @ res.x == prob.row_ub[r] == 0  # y_AT - p_BE = 0: binding
    keep = np.arange(prob.n_rows) != r
    loose = dataclasses.replace(prob, A=Matrix.coerce(prob.A).rows_of(keep), row_lb=prob.row_lb[keep],
                                row_ub=prob.row_ub[keep])
    assert solve(loose).objective["needs"] == 0  # 8 relocations for 6 once AT may serve itself
    x = build_pairwise(inp)
    pw = solve_pairwise(x)
    assert x.flows(pw.x)[:, 0, REL].tolist() == [0, 3]  # BE -> AT: 3; AT -> AT: 0


# --- the bundled scenarios ------------------------------------------------------------

def bundled_input(path) -> ModelInput:
    from solidarity import pipeline
    from solidarity.inputs.scenario import load_scenario

    scenario = load_scenario(path)
    shares = pipeline.compute_shares(scenario, *pipeline.load_data(scenario))
    return pipeline.model_input(scenario, shares)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario(path):
    """Real sizes (26 contributors, amounts up to 1e8 EUR), with CBC: the
    backend that solves every bundled pairwise model fast and right (highspy
    does not: test_highs_tolerance_on_the_pairwise_model)."""
    check_lockstep(bundled_input(path), SolverName.CBC)


# --- the pairwise problem itself ---------------------------------------------------------

def test_pairwise_shape_and_names(tmp_path):
    inp = self_pledge()
    agg, pw = build(inp), build_pairwise(inp)
    n, m = len(inp.contributors), len(inp.beneficiaries)
    assert pw.n_vars == agg.n_vars + 3 * n * m
    # 3 supply rows and 1 self row (AT, relocations: AT can pledge them and needs them) replaced
    assert pw.n_rows == agg.n_rows - 4 + 3 * (n + m)
    x = pw.blocks["x"]
    assert (pw.ub[x[0, 0]] == 0).all()  # AT -> AT fixed to 0
    assert pw.ub[x[1, 0, REL]] == 3  # BE -> AT: at most BE's pledge bound, 300 / 100
    assert all((lv.cost is None) == (lw.cost is None) for lv, lw in zip(agg.levels, pw.levels))
    names = pw.var_names()
    assert len(set(names)) == len(names) and "x_BE_AT_relocation" in names
    res = solve_pairwise(pw, write_lp=tmp_path / "pairwise.lp")
    assert res.ok and "x_BE_AT_relocation" in (tmp_path / "pairwise.lp").read_text()


def test_flows_for_refuses_self_service():
    inp = self_pledge()
    with pytest.raises(ValueError, match="without self-flows"):
        flows_for(inp, np.array([[5, 0, 0], [0, 0, 0]]), np.array([[1, 0, 0]]))
    x = flows_for(inp, np.array([[5, 0, 0], [3, 0, 0]]), np.array([[3, 0, 0]]))
    assert x[:, 0, REL].tolist() == [0, 3]


# --- core bugs found by the oracle (minimal reproductions) -------------------------------

def test_bug_a_bounded_adds_up_to_the_total():
    assert sum(bounded(2, [1, 1], [2, 0], [2, 1]).units) == 2  # gives (2, 1)
    assert sum(bounded(0, [0], [0], [1], base=[1]).units) == 0  # gives (1,)


def test_bug_a_in_a_run():
    # DE owes 1 EUR but its floor is 2 relocations (rate 34); EE owes 35 EUR.
    inp = model_input(["DE", "EE"], ["ES"], 34, [1, 35], [[0, 0, 0], [0, 0, 0]],
                      [[2, 0, 0], [0, 0, 0]], [NONE, NONE], ["free", "free"], [[0, 0, 0]])
    assert solve(build(inp)).ok
    # Priority "needs": AT owes 0 EUR (a full deduction) and states 1 EUR of
    # alternative measures; nobody requests any; ES needs 1 EUR of money.
    inp = model_input(["AT"], ["ES"], 10, [0], [[0, 0, 1]], [[0, 0, 0]], [NONE], ["stated"],
                      [[0, 1, 0]], priority=Priority.NEEDS)
    assert solve(build(inp)).ok


def test_bug_b_fairness_keeps_the_deviation_level():
    # AT owes 1 EUR and states money; CZ owes 1 EUR and states nothing;
    # IT requests 1 EUR of alternative measures. Optimum: CZ gives it.
    inp = model_input(["AT", "CZ"], ["IT"], 10, [1, 1], [[0, 1, 0], [0, 0, 0]],
                      [[0, 0, 0], [0, 0, 0]], [NONE, NONE], ["stated", "free"], [[0, 0, 1]],
                      priority=Priority.NEEDS)
    assert solve(build(inp)).ok


def test_bug_c_fairness_bounds_of_relocations():
    """Bug C, found by the oracle and fixed since (allocate.FAIRNESS_ORDERS):
    fair_bounds took a state's alternative measures at their cap for the
    lower end of its relocations, though none can be pledged (none
    requested): FR (no money allowed) lost its relocation and the
    alternative step raised 'total 0 outside the sum of the bounds'."""
    # BE and FR each owe 10 EUR = 1 relocation; FR may pay no money; nothing is needed.
    inp = model_input(["BE", "FR"], ["ES"], 10, [10, 10], [[0, 0, 0], [0, 0, 0]],
                      [[0, 0, 0], [0, 0, 0]], [NONE, [-1, 0, -1]], ["free", "free"], [[0, 0, 0]])
    assert solve(build(inp)).ok


def test_bug_d_fairness_keeps_money_from_others():
    # AT (owes 2 EUR) also needs 1 EUR of money; BE owes 1 EUR; CY requests
    # 2 EUR of alternative measures. Only optimum: BE 1 EUR money to AT, AT 2 EUR alternative.
    inp = model_input(["AT", "BE"], ["AT", "CY"], 10, [2, 1], [[0, 0, 0], [0, 0, 0]],
                      [[0, 0, 0], [0, 0, 0]], [NONE, NONE], ["free", "free"], [[0, 1, 0], [0, 0, 2]])
    assert solve(build(inp)).ok


def test_bug_e_ties_left_to_the_backend():
    # AT and BE each owe 1 EUR and may pay no money; a relocation is worth
    # 10; CY requests 1 EUR of alternative measures: only one can pledge.
    inp = model_input(["AT", "BE"], ["CY"], 10, [1, 1], [[0, 0, 0], [0, 0, 0]],
                      [[0, 0, 0], [0, 0, 0]], [[-1, 0, -1], [-1, 0, -1]], ["free", "free"], [[0, 0, 1]])
    prob = build(inp)
    pledges = {s: solve(prob, s).solution.pledges.tolist() for s in SolverName}
    assert len({str(v) for v in pledges.values()}) == 1, pledges


def test_highs_tolerance_on_the_pairwise_model():
    inp = bundled_input(next(p for p in BUNDLED if p.stem == "2026-adopted"))
    names = [lv.name for lv in build(inp).levels]

    def upto_type_balance(prob):
        return dataclasses.replace(prob, levels=prob.levels[:names.index("type_balance") + 1])

    agg = solve(upto_type_balance(build(inp)))
    pw = solve_pairwise(upto_type_balance(build_pairwise(inp)))
    assert agg.objective["type_balance"] == Fraction(42418801, 200000000)
    assert pw.objective == agg.objective


def test_highs_start_solution_is_not_taken_for_the_optimum():
    """highspy 1.16.0 reported this needs level optimal, with HiGHS's own
    objective right (EUR 2 122 703 received), while getSolution() returned
    the start solution passed to it (EUR 8 182 received); the oracle saw it
    as pairwise and aggregate optima that differ. RO (obligation
    3 234 938, stated EUR 8 182 of alternative measures, the rest money) is
    the only state that pledges; SI (obligation 0) needs EUR 2 114 521 of
    money and 1 000 000 of alternative measures, RO cannot receive its own.
    Received: 8 182 + 2 114 521; needs short by 601 x 20 000 + 330 +
    2 114 521 + 2 000 000 - 2 122 703 = 14 012 148."""
    from solidarity.inputs.scenario import parse_scenario
    from solidarity.pipeline import compute_shares, load_data
    from solidarity.pipeline import model_input as pipeline_input

    sc = parse_scenario(HIGHS_START_SCENARIO, file="start.toml")
    inp = pipeline_input(sc, compute_shares(sc, *load_data(sc)))
    for solver in SolverName:
        res = solve(build(inp), solver)
        assert res.objective["needs"] == 14_012_148, solver
        assert res.solution.received[list(inp.beneficiaries).index("SI")].tolist() == [0, 2_114_521, 8182]


HIGHS_START_SCENARIO = """
participants = ["RO", "SI"]
[scenario]
name = "start"
year = 2026
[pool]
relocations = 248
financial_eur = 4960000
sar_share = 0.0
[beneficiaries.SI]
needs = { relocations = 330, financial_eur = 2114521, alternative_eur = 1000000 }
sar = true
[beneficiaries.RO]
needs = { relocations = 271, financial_eur = 330, alternative_eur = 1000000 }
sar = false
[states.SI]
implemented = 1.0
[states.RO]
preferred = { alternative_eur = 8182 }
deduction = 0.25
"""
