"""One call that chains the stages: data -> key -> model -> solve -> verify -> report.

Each stage is also usable alone; see the modules of the same names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from .data import Indicator, load_indicator
from .errors import InputError, Problem, SolveError, VerificationError
from .key import FairShares, fair_shares
from .model import ALT, REL, ModelInput, MilpProblem, Solution, build, extract, objective_values
from .rules import Crisis, OffsetParams, Offsets, crisis_plan, offsets
from .scenario import Scenario, StateSettings
from .schema import GDP, POPULATION, TYPES, SolverName
from .solve import SolveResult, solve
from .verify import verify, verify_rules


@dataclass(frozen=True, eq=False)
class Result:
    """Everything a run produced; ``tables`` are what the report writes."""

    scenario: Scenario
    population: Indicator
    gdp: Indicator
    shares: FairShares
    inputs: ModelInput
    problem: MilpProblem
    solve: SolveResult
    solution: Solution
    rules: "Rules"
    tables: dict[str, pd.DataFrame]


@dataclass(frozen=True, eq=False)
class Rules:
    """Outcomes of the rules applied after pledging."""

    offsets: Offsets
    crisis: Crisis | None
    implemented: dict[str, int]  #: relocations implemented in the cycle, per state
    available: dict[str, int]  #: relocation pledges unallocated or unimplemented (CR Art 8)
    headroom: dict[str, int]  #: fair share minus relocations pledged and offsets owed


def apply_rules(scenario: Scenario, shares: FairShares, inp: ModelInput, sol: Solution) -> Rules:
    """Responsibility offsets (Art 63) and a crisis response plan (CR Art 8, 9)."""
    geos = inp.contributors
    rel = dict(zip(geos, sol.pledges[:, REL].tolist()))
    allocated = dict(zip(geos, sol.flows[:, :, REL].sum(axis=1).tolist()))
    fair = {g: int(shares.table.at[g, "indicative_relocations"]) for g in geos}
    o = scenario.offsets
    params = OffsetParams(
        proposal_relocations=o.proposal_relocations if o.proposal_relocations is not None
        else scenario.pool.relocations, voluntary_share=o.voluntary_share,
        state_share=o.state_share, needs_share=o.needs_share,
        minimum_relocations=o.minimum_relocations, identified_needs=o.identified_needs)
    off = offsets(fair, rel, {g: shares.key[g] for g in geos}, int(inp.needs[:, REL].sum()), params)
    implemented = {g: math.floor(scenario.state(g).implemented * min(rel[g], allocated[g])) for g in geos}
    available = {g: rel[g] - implemented[g] + scenario.state(g).carried_relocations for g in geos}
    headroom = {g: max(0, fair[g] - rel[g] - off.owed[g]) for g in geos}
    crisis = None
    if scenario.crisis is not None:
        c = scenario.crisis
        crisis = crisis_plan(c.state, c.relocations, available, c.additional, headroom,
                             {g: shares.key[g] for g in geos}, shares.rate)
    return Rules(offsets=off, crisis=crisis, implemented=implemented, available=available,
                 headroom=headroom)


def load_data(scenario: Scenario) -> tuple[Indicator, Indicator]:
    """Population and GDP for the scenario's participants and years."""
    d = scenario.data
    problems: list[Problem] = []
    out = []
    for name, year, file, filters, vintage in (
            (POPULATION, d.population_year, d.population_file, d.population_filters, d.population_vintage),
            (GDP, d.gdp_year, d.gdp_file, d.gdp_filters, d.gdp_vintage)):
        try:
            out.append(load_indicator(name, year=year, path=file, filters=filters, vintage=vintage,
                                      require=scenario.participants))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return out[0], out[1]


def compute_shares(scenario: Scenario, population: Indicator, gdp: Indicator) -> FairShares:
    """Fair shares, deductions and obligations (stage 2-3)."""
    parts = list(scenario.participants)
    return fair_shares(population.values[parts], gdp.values[parts], scenario.key.weights,
                       scenario.pool.relocations, scenario.pool.financial_eur, scenario.pool.rate,
                       method=scenario.key.method,
                       deductions={g: s.deduction for g, s in scenario.states.items()},
                       redistribute=scenario.pool.redistribute_deductions,
                       credits={g: s.credit_eur for g, s in scenario.states.items() if s.credit_eur})


def _preferred(st: StateSettings, obligation: int, rate: int, rel: int, fin: int) -> list[int]:
    """A state's preferred pledge (persons, EUR, EUR); see the README."""
    if st.mix is not None:
        r = math.floor(st.mix[TYPES[REL]] * obligation / rate + Fraction(1, 2)) if rate else 0
        a = math.floor(st.mix[TYPES[ALT]] * obligation + Fraction(1, 2))
        return [r, max(0, obligation - rate * r - a), a]
    if st.preferred.given():
        a = st.preferred.alternative or 0
        r = st.preferred.relocation
        if r is None:
            r = min(rel, max(0, obligation - a) // rate) if rate else 0
        f = st.preferred.financial
        if f is None:
            f = max(0, obligation - rate * r - a)
        return [r, f, a]
    return [rel, fin, 0]


def model_input(scenario: Scenario, shares: FairShares) -> ModelInput:
    """Turn a scenario and its fair shares into the programme's arrays."""
    t = shares.table
    geos = tuple(t.index)
    rate = shares.rate
    pref, lower, upper = [], [], []
    for g in geos:
        st = scenario.state(g)
        o = int(t.at[g, "obligation_eur"])
        if st.fixed is not None:
            vals = [st.fixed.get(k) or 0 for k in TYPES]
            pref.append(vals), lower.append(vals), upper.append(vals)
            continue
        pref.append(_preferred(st, o, rate, int(t.at[g, "indicative_relocations"]),
                               int(t.at[g, "indicative_financial_eur"])))
        lower.append([st.minimum.get(k) or 0 for k in TYPES])
        upper.append([-1 if st.maximum.get(k) is None else st.maximum.get(k) for k in TYPES])
    benef = tuple(scenario.beneficiaries)
    needs = np.array([[scenario.beneficiaries[b].needs.get(k) for k in TYPES] for b in benef],
                     dtype=np.int64).reshape(len(benef), 3)
    target_r = int(t["indicative_relocations"].sum())
    target_f = int(t["indicative_financial_eur"].sum())
    reserve = math.floor(scenario.pool.sar_share * (rate * target_r + target_f) + Fraction(1, 2))
    inp = ModelInput(
        contributors=geos, beneficiaries=benef, rate=rate,
        obligation=t["obligation_eur"].to_numpy(np.int64),
        preferred=np.array(pref, dtype=np.int64).reshape(len(geos), 3),
        lower=np.array(lower, dtype=np.int64).reshape(len(geos), 3),
        upper=np.array(upper, dtype=np.int64).reshape(len(geos), 3),
        needs=needs, sar=np.array([scenario.beneficiaries[b].sar for b in benef], dtype=bool),
        target_relocations=target_r, target_money=target_f, sar_reserve=reserve)
    _check_feasible(scenario, inp)
    return inp


def _check_feasible(scenario: Scenario, inp: ModelInput) -> None:
    """Say in domain words why a scenario cannot have any solution."""
    forced_alt = int(inp.lower[:, ALT].sum())
    requested = int(inp.needs[:, ALT].sum())
    if forced_alt > requested:
        who = [g for g, v in zip(inp.contributors, inp.lower[:, ALT].tolist()) if v > 0]
        raise InputError(Problem(
            scenario.path, "states.*.fixed/min.alternative_eur", forced_alt,
            f"alternative measures fixed or required by {', '.join(who)} exceed the "
            f"{requested} EUR beneficiaries requested; Art 57(2) allows them only up to requests",
            f"at most {requested} EUR in total"))


def run(scenario: Scenario, solver: SolverName | str | None = None,
        write_lp: str | Path | None = None) -> Result:
    """Run a scenario end to end and return verified tables.

    Raises
    ------
    InputError : bad data for the scenario.
    SolveError : no usable solution.
    VerificationError : the solution broke a rule when recomputed.
    """
    from .report import build_tables  # report depends on Result's parts

    population, gdp = load_data(scenario)
    shares = compute_shares(scenario, population, gdp)
    inputs = model_input(scenario, shares)
    problem = build(inputs)
    name = SolverName(solver) if solver is not None else scenario.solver.name
    result = solve(problem, name, time_limit=scenario.solver.time_limit,
                   mip_gap=scenario.solver.mip_gap, write_lp=write_lp)
    if not result.ok:
        raise SolveError(f"{result.solver}: no usable solution at level '{result.level}' "
                         f"(status {result.status.value}: {result.message})")
    solution = extract(problem, result.x, inputs)
    result = replace(result, objective=objective_values(problem, inputs, solution))
    rules = apply_rules(scenario, shares, inputs, solution)
    violations = verify(inputs, solution, shares) + verify_rules(scenario, shares, inputs, solution, rules)
    if violations:
        raise VerificationError(violations)
    tables = build_tables(scenario, population, gdp, shares, inputs, result, solution, rules)
    return Result(scenario=scenario, population=population, gdp=gdp, shares=shares, inputs=inputs,
                  problem=problem, solve=result, solution=solution, rules=rules, tables=tables)
