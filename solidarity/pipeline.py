"""One call that chains the stages: data -> key -> model -> solve -> allocate
-> rules -> tables -> verify.

Each stage is also usable alone; see the modules of the same names.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from .designs import DesignResult, run_design
from .errors import (
    ConflictError,
    InputError,
    LimitError,
    Problem,
    SolveError,
    VerificationError,
)
from .inputs.data import Indicator, load_data
from .inputs.scenario import Scenario, StateSettings
from .numbers import eur
from .optimise.allocate import calls, flows
from .optimise.earmark import gross_solution, net_input
from .optimise.model import ALT, REL, MilpProblem, ModelInput, Solution, build, check_exact
from .optimise.solve import SolveResult, solve
from .pact.key import FairShares, ceil_div, fair_shares, half_up
from .pact.rules import Crisis, OffsetParams, Offsets, capped_apportion, crisis_plan, offsets
from .schema import TYPES, Design, Priority, SolverName, SolveStatus


@dataclass(frozen=True, eq=False)
class Allocation:
    """Who is called on for what, and who sends what to whom (int64)."""

    called: np.ndarray  # (n, 3)
    flows: np.ndarray  # (n, m, 3)


@dataclass(frozen=True, eq=False)
class Rules:
    """Outcomes of the rules applied after pledging."""

    offsets: Offsets
    crisis: Crisis | None
    implemented: dict[str, int]  #: relocations implemented in the cycle, per state
    available: dict[str, int]  #: relocation pledges not allocated or not implemented (CR Art 8)
    headroom: dict[str, int]  #: fair share in persons minus relocations pledged and offsets owed


@dataclass(frozen=True, eq=False)
class Result:
    """Everything a run produced; ``tables`` are what the report writes,
    each indexed by its primary key."""

    scenario: Scenario
    population: Indicator
    gdp: Indicator
    shares: FairShares
    inputs: ModelInput
    problem: MilpProblem
    solve: SolveResult
    solution: Solution
    allocation: Allocation
    rules: Rules
    tables: dict[str, pd.DataFrame]

    def __repr__(self) -> str:
        pool = self.tables["pool"]
        pledged = int(cast(int, pool.loc["pledged_value", "amount"])) if "pledged_value" in pool.index else 0
        assumed = int(cast(int, pool.loc["assumed_value", "amount"])) if "assumed_value" in pool.index else 0
        return (f"<Result {self.scenario.name!r} ({self.scenario.year}): {len(self.inputs.contributors)} "
                f"contributors, {len(self.inputs.beneficiaries)} beneficiaries; "
                f"{self.solve.status.value} with {self.solve.solver}, verified\n"
                f"  pledged value {eur(pledged)}, of which assumed {eur(assumed)}\n"
                f"  tables: {', '.join(self.tables)}>")

    def status_line(self) -> str:
        """What the CLI says after a run: solver status and that it was verified."""
        return f"{self.solve.status.value} with {self.solve.solver}, verified"

    def _repr_html_(self) -> str:
        """The run in a paragraph (as ``summary.md`` opens) and its main tables, shortened."""
        from .outputs.notebook import block
        from .outputs.summary import intro

        shown: dict[str, pd.DataFrame] = {k: self.tables[k] for k in ("obligations", "pool") if k in self.tables}
        return block(f"{self.scenario.name} ({self.scenario.year})", [intro(self)], shown,
                     hint=f"{self.solve.status.value} with {self.solve.solver}, verified. Every table: "
                          f".tables[name] ({', '.join(self.tables)}); a state: explain(result, 'DE').")


def compute_shares(scenario: Scenario, population: Indicator, gdp: Indicator, key=None) -> FairShares:
    """Fair shares, deductions and obligations (stage 2); ``key`` as in
    :func:`~solidarity.pact.key.fair_shares`."""
    parts = list(scenario.participants)
    pool = scenario.pool
    return fair_shares(population.values[parts], gdp.values[parts], scenario.key.weights,
                       pool.value_eur, pool.relocations, pool.rate, method=scenario.key.method,
                       deductions={g: s.deduction for g, s in scenario.states.items()},
                       redistribute=pool.redistribute_deductions,
                       credits={g: s.credit_eur for g, s in scenario.states.items() if s.credit_eur},
                       key=key)


def preferred_pledge(st: StateSettings, obligation: int, rate: int) -> list[int]:
    """A state's stated preference as whole amounts (persons, EUR, EUR).

    ``mix``: relocations are the smallest number of persons whose value
    covers their share of the obligation (``ceil``, as the published
    relocation equivalents), alternative measures their share in whole euros
    (halves up), money the rest. ``preferred``: the amounts given; missing
    relocations and alternative measures are 0, missing money is the rest
    of the obligation. A state that stated nothing has no preference (0).
    """
    if st.mix is not None:
        r = ceil_div(math.ceil(st.mix[TYPES[REL]] * obligation), rate) if st.mix[TYPES[REL]] else 0
        a = half_up(st.mix[TYPES[ALT]] * obligation)
        return [r, max(0, obligation - rate * r - a), a]
    if st.preferred.given():
        r = st.preferred.relocation or 0
        a = st.preferred.alternative or 0
        f = st.preferred.financial
        return [r, max(0, obligation - rate * r - a) if f is None else f, a]
    return [0, 0, 0]


def earmarks(scenario: Scenario, geos) -> np.ndarray:
    """(n,) EUR of each state's money earmarked for third-country actions
    (Art 56(2)(b), Art 64; see :mod:`solidarity.optimise.earmark`)."""
    return np.array([scenario.state(g).third_country_eur for g in geos], dtype=np.int64)


def model_input(scenario: Scenario, shares: FairShares) -> ModelInput:
    """Turn a scenario and its fair shares into the programme's arrays."""
    t = shares.table
    geos = tuple(t.index)
    rate = shares.rate
    u = np.array([rate, 1, 1], dtype=np.int64)
    needs_priority = scenario.allocation.priority is Priority.NEEDS
    pref, lower, upper, stated, recorded, free = [], [], [], [], [], []
    for g in geos:
        st = scenario.state(g)
        o = int(cast(int, t.at[g, "obligation_eur"]))
        if st.fixed is not None:
            vals = [st.fixed.get(k) or 0 for k in TYPES]
            pref.append(vals)
            lower.append(vals)
            upper.append(vals)
            stated.append(False)
            recorded.append(True)
            free.append(False)
            continue
        pref.append(preferred_pledge(st, o, rate))
        lower.append([st.minimum.get(k) or 0 for k in TYPES])
        upper.append([-1 if (mx := st.maximum.get(k)) is None else mx for k in TYPES])
        stated.append(st.states_preference)
        recorded.append(False)
        free.append(needs_priority or not st.states_preference)
    n, m = len(geos), len(scenario.beneficiaries)
    P = np.array(pref, dtype=np.int64).reshape(n, 3)
    L = np.array(lower, dtype=np.int64).reshape(n, 3)
    U = np.array(upper, dtype=np.int64).reshape(n, 3)
    S = np.array(stated, dtype=bool)
    O = t["obligation_eur"].to_numpy(np.int64)
    benef = tuple(scenario.beneficiaries)
    needs = np.array([[scenario.beneficiaries[b].needs.get(k) for k in TYPES] for b in benef],
                     dtype=np.int64).reshape(m, 3)
    rec = np.array(recorded, dtype=bool)
    _check_conflicts(scenario, geos, benef, L, needs)
    U = _cut_alternative(geos, O, P, S, rec, L, U, needs)
    # A state may pledge above its obligation only as far as its own floors,
    # recorded pledge or stated preference imply (whole persons round up).
    over = np.maximum(0, np.maximum((P * u).sum(axis=1), (L * u).sum(axis=1)) - O)
    over = np.where(S | rec, over, np.maximum(0, (L * u).sum(axis=1) - O))
    sar_target = half_up(scenario.pool.sar_share * int(O.sum()))
    return ModelInput(
        contributors=geos, beneficiaries=benef, rate=rate, obligation=O, preferred=P, lower=L,
        upper=U, over_max=over, stated=S, recorded=rec, free=np.array(free, dtype=bool),
        needs=needs, sar=np.array([scenario.beneficiaries[b].sar for b in benef], dtype=bool),
        sar_target=sar_target, priority=scenario.allocation.priority)


def _cut_alternative(geos, O, P, S, rec, L, U, needs) -> np.ndarray:
    """Art 57(2): alternative measures only up to what beneficiaries
    requested. When the stated preferences exceed what is left after the
    recorded pledges, the cut is shared pro rata to obligations (largest
    remainder, each state down to its floor at most); what the states with
    an obligation cannot absorb falls on those without one, each only for
    the part the others cannot take. The stated amounts less the cuts become
    caps; the value cut goes to other types."""
    want = np.flatnonzero(S & (P[:, ALT] > 0))
    room = int(needs[:, ALT].sum()) - int(P[rec, ALT].sum())
    if want.size == 0 or int(P[want, ALT].sum()) <= room:
        return U
    floors = L[want, ALT]
    room = max(room, int(floors.sum()))
    cut_total = int(P[want, ALT].sum()) - room
    names = [geos[i] for i in want]
    cut = capped_apportion(cut_total, {g: Fraction(int(o)) for g, o in zip(names, O[want])},
                           {g: int(c) for g, c in zip(names, np.maximum(P[want, ALT] - floors, 0))})
    cuts = np.array([cut[g] for g in names], dtype=np.int64)
    rest = cut_total - int(cuts.sum())
    if rest > 0:
        left = np.maximum(P[want, ALT] - floors, 0) - cuts
        cuts = cuts + np.maximum(0, rest - (int(left.sum()) - left))
    U = U.copy()
    caps = P[want, ALT] - cuts
    U[want, ALT] = np.where(U[want, ALT] < 0, caps, np.minimum(U[want, ALT], caps))
    return U


def _check_conflicts(scenario: Scenario, geos, benef, L, needs) -> None:
    """Say in domain words why a scenario's hard constraints cannot hold."""
    from .optimise.conflicts import explain
    reasons = explain(scenario, geos, benef, L, needs)
    if reasons:
        raise ConflictError(reasons, scenario.path)


def apply_rules(scenario: Scenario, shares: FairShares, inp: ModelInput, sol: Solution,
                alloc: Allocation) -> Rules:
    """Responsibility offsets (Art 63) and a crisis response plan (CR Art 8, 9)."""
    geos = inp.contributors
    t = shares.table
    rel = dict(zip(geos, sol.pledges[:, REL].tolist()))
    called = dict(zip(geos, alloc.called[:, REL].tolist()))
    fair = {g: int(cast(int, t.at[g, "obligation_relocations"])) for g in geos}
    o, pool = scenario.offsets, scenario.pool
    params = OffsetParams(
        proposal_relocations=pool.proposal[0], voluntary_share=o.voluntary_share,
        state_share=o.state_share, needs_share=o.needs_share,
        identified_needs=o.identified_needs if o.identified_needs is not None else int(inp.needs[:, REL].sum()),
        reference_relocations=o.reference_relocations if o.reference_relocations is not None
        else pool.relocations)
    uncovered = int(sol.need_shortfall[:, REL].sum())
    off = offsets(fair, rel, {g: shares.key[g] for g in geos}, uncovered, params,
                  {g: int(cast(int, t.at[g, "obligation_eur"])) for g in geos}, shares.rate)
    implemented = {g: math.floor(scenario.state(g).implemented * called[g]) for g in geos}
    available = {g: rel[g] - implemented[g] + scenario.state(g).carried_relocations for g in geos}
    headroom = {g: max(0, fair[g] - rel[g] - off.owed[g]) for g in geos}
    crisis = None
    if scenario.crisis is not None:
        c = scenario.crisis
        crisis = crisis_plan(c.state, c.relocations, available, c.additional, headroom,
                             {g: shares.key[g] for g in geos}, shares.rate,
                             benefitting=frozenset(scenario.beneficiaries))
    return Rules(offsets=off, crisis=crisis, implemented=implemented, available=available,
                 headroom=headroom)


def _no_timer(stage: str) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext()


def run(scenario: Scenario, solver: SolverName | str | None = None,
        write_lp: str | Path | None = None, allow_suboptimal: bool = False,
        data: tuple[Indicator, Indicator] | None = None, key=None,
        timer: Callable[[str], contextlib.AbstractContextManager] | None = None,
        verify: bool = True, progress=None) -> Result | DesignResult:
    """Run a scenario end to end and return verified tables.

    A scenario of the adopted Pact runs through :func:`run_pact` (the
    arguments are described there). A scenario of another design
    (``[design] kind``) runs by that design's rules (:mod:`solidarity.designs`)
    and gives a :class:`~solidarity.designs.DesignResult`; only ``data`` and
    ``verify`` apply to it.
    """
    if scenario.design is not Design.AMMR:  # another design: its own rules, not the optimiser
        return run_design(scenario, data, verify)
    return run_pact(scenario, solver=solver, write_lp=write_lp, allow_suboptimal=allow_suboptimal, data=data,
                    key=key, timer=timer, verify=verify, progress=progress)


def run_pact(scenario: Scenario, solver: SolverName | str | None = None,
        write_lp: str | Path | None = None, allow_suboptimal: bool = False,
        data: tuple[Indicator, Indicator] | None = None, key=None,
        timer: Callable[[str], contextlib.AbstractContextManager] | None = None,
        verify: bool = True, progress=None) -> Result:
    """Run a scenario of the adopted Pact end to end and return verified tables.

    ``data`` (population, GDP) and ``key`` (see :func:`compute_shares`) may
    be given when already loaded, as a sweep does for many points.
    ``timer(stage)`` is entered around each stage (``data``, ``shares``,
    ``model_input``, ``build``, ``solve``, ``calls``, ``flows``, ``rules``,
    ``tables``, ``verify``): the benchmarks time a run through it.
    ``verify=False`` skips the independent verifier (benchmarks time it
    separately); the result is then not verified. ``progress`` is passed to
    :func:`solidarity.optimise.solve.solve` (the CLI's level display).

    Raises
    ------
    InputError : bad data for the scenario.
    ConflictError : the scenario's hard constraints conflict.
    LimitError : a time or gap limit stopped the solver (unless ``allow_suboptimal``).
    SolveError : no usable solution.
    VerificationError : a rule's outcome, re-derived independently, differs.
    """
    from .outputs.report import build_tables
    from .pact.verify import verify_outcomes

    if scenario.design is not Design.AMMR:
        raise InputError(Problem(scenario.path, "design.kind", scenario.design.value,
                                 "this command runs the adopted Pact only", '"ammr" (or no [design] table)'))
    t = timer or _no_timer
    with t("data"):
        population, gdp = data if data is not None else load_data(scenario)
    with t("shares"):
        shares = compute_shares(scenario, population, gdp, key)
    with t("model_input"):
        inputs = model_input(scenario, shares)
        earmark = earmarks(scenario, inputs.contributors)
        distributable = net_input(inputs, earmark)  # Art 64: earmarked money is not distributed
    with t("build"):
        problem = build(distributable)
        too_big = check_exact(problem)
    if too_big:
        raise InputError(Problem(scenario.path, "pool, needs", "; ".join(too_big),
                                 "amounts too large for exact arithmetic in the solver",
                                 "pools and needs whose total value in EUR stays below about 10**15"))
    name = SolverName(solver) if solver is not None else scenario.solver.name
    with t("solve"):
        result = solve(problem, name, time_limit=scenario.solver.time_limit,
                       mip_gap=scenario.solver.mip_gap, write_lp=write_lp, progress=progress)
    limited = result.status is SolveStatus.FEASIBLE or (
        result.status is SolveStatus.NOT_SOLVED and "limit" in result.message.lower())
    if limited and not (allow_suboptimal and result.ok):
        raise LimitError(f"{result.solver}: stopped by a limit at level '{result.level or 'last'}' "
                         f"(status {result.status.value}; best bound and gap per level in the trace)"
                         + ("" if result.ok else "; no solution to accept")
                         + ("; rerun with --allow-suboptimal to write it" if result.ok else ""))
    if not result.ok:
        raise SolveError(f"{result.solver}: no usable solution at level '{result.level}' "
                         f"(status {result.status.value}: {result.message})")
    assert result.solution is not None
    net = result.solution
    with t("calls"):
        called = calls(distributable, net.pledges, net.received)
    with t("flows"):
        alloc = Allocation(called=called,
                           flows=flows(distributable, called, net.received, scenario.allocation.flows))
    sol = gross_solution(inputs, net, earmark)
    with t("rules"):
        rules = apply_rules(scenario, shares, inputs, sol, alloc)
    with t("tables"):
        tables = build_tables(scenario, population, gdp, shares, inputs, result, sol, alloc, rules)
    if verify:
        with t("verify"):
            violations = verify_outcomes(scenario, population, gdp, tables)
        if violations:
            raise VerificationError(violations)
    return Result(scenario=scenario, population=population, gdp=gdp, shares=shares, inputs=inputs,
                  problem=problem, solve=result, solution=sol, allocation=alloc, rules=rules,
                  tables=tables)


__all__ = [
    "Allocation",
    "Result",
    "Rules",
    "apply_rules",
    "compute_shares",
    "earmarks",
    "load_data",
    "model_input",
    "preferred_pledge",
    "run",
    "run_pact",
]


def run_stages(inputs, timer: Callable[[str], contextlib.AbstractContextManager] | None = None,
               allow_suboptimal: bool = False, verify: bool = True) -> Result:
    """:func:`run` on in-memory inputs (a
    :class:`~solidarity.inputs.synthetic.SyntheticInputs`: scenario, population,
    GDP): the same stages in the same order, ``timer(stage)`` entered around
    each (see there). With ``allow_suboptimal`` a solution stopped by a time
    limit is kept (``result.solve.status`` says so)."""
    return run_pact(inputs.scenario, data=(inputs.population, inputs.gdp), timer=timer,
               allow_suboptimal=allow_suboptimal, verify=verify)
