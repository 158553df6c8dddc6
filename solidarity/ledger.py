"""Multi-year cycles: run consecutive annual scenarios and carry state between them.

What is carried from one cycle to the next:

* crisis credits (CR Art 9): a state's offsets above its fair share, valued
  at the equivalence rate, spread evenly over the next ``credit_years``
  cycles; a credit not usable in its cycle (the obligation is smaller) stays
  available in the next ones;
* relocation pledges not implemented within the year (Art 60(3)): each state
  implements ``implemented`` (a scenario share, default 1) of the relocations
  allocated to beneficiaries, financial contributions are paid in full; what
  is left is carried and is the first source of a later crisis plan (CR Art 8);
* deductions granted are recorded.

The ``ledger`` table has one row per state and year.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from .errors import InputError, Problem, VerificationError
from .model import ALT, FIN
from .pipeline import Result, run
from .rules import spread_credit
from .scenario import Scenario, StateSettings, load_scenario
from .schema import GEO, YEAR
from .verify import verify_ledger

LEDGER_COLUMNS = {
    GEO: "Eurostat country code", YEAR: "cycle year",
    "deduction": "deduction granted in the cycle (fraction)",
    "obligation_eur": "obligation after deduction, redistribution and credit, EUR",
    "credit_available_eur": "crisis credit available in the cycle, EUR",
    "credit_used_eur": "crisis credit used against the obligation, EUR",
    "pledged_value_eur": "value of all pledges, EUR",
    "implemented_value_eur": "value implemented in the cycle (Art 60(3)), EUR",
    "carried_in_relocations": "unimplemented relocation pledges from earlier cycles, persons",
    "carried_out_relocations": "relocation pledges left unimplemented, carried forward, persons",
    "credit_earned_eur": "crisis credit earned in the cycle (CR Art 9), EUR",
}


@dataclass(frozen=True, eq=False)
class CycleResult:
    results: tuple[Result, ...]
    ledger: pd.DataFrame


def load_cycle(path: str | Path) -> list[Scenario]:
    """Scenarios of a cycle, in year order.

    ``path`` is a directory (every ``*.toml`` in it is one year) or a TOML file
    with ``[cycle] scenarios = ["2026.toml", ...]`` (paths relative to it).
    Years must be consecutive and distinct.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        where = str(path)
    else:
        try:
            doc = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(Problem(str(path), "file", str(path), f"cannot read a cycle file ({exc})"))
        cyc = doc.get("cycle")
        if not isinstance(cyc, dict) or not isinstance(cyc.get("scenarios"), list) or set(cyc) - {"scenarios"}:
            raise InputError(Problem(str(path), "cycle", doc.get("cycle"), "not a cycle file",
                                     "a [cycle] table with scenarios = [\"file.toml\", ...], or a directory"))
        files = [path.parent / f for f in cyc["scenarios"]]
        where = f"{path}: cycle.scenarios"
    if not files:
        raise InputError(Problem(str(path), "scenarios", [], "no scenario files", "one or more *.toml"))
    problems, scenarios = [], []
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    scenarios.sort(key=lambda s: s.year)
    years = [s.year for s in scenarios]
    if years != list(range(years[0], years[0] + len(years))):
        raise InputError(Problem(where, "scenario.year", years, "years are not consecutive and distinct",
                                 "one scenario per year, without gaps"))
    return scenarios


def _with_carry(sc: Scenario, credit: dict[str, int], carried: dict[str, int]) -> Scenario:
    states = dict(sc.states)
    for g in sc.participants:
        st = states.get(g) or StateSettings(geo=g)
        if credit.get(g) or carried.get(g):
            states[g] = replace(st, credit_eur=st.credit_eur + credit.get(g, 0),
                                carried_relocations=st.carried_relocations + carried.get(g, 0))
    return replace(sc, states=MappingProxyType(dict(sorted(states.items()))))


def run_cycle(scenarios: list[Scenario], solver=None) -> CycleResult:
    """Run the years in order, carrying credits and unimplemented pledges."""
    schedule: dict[int, dict[str, int]] = {}  # year -> state -> credit becoming usable
    unused: dict[str, int] = {}
    carried: dict[str, int] = {}
    results, rows = [], []
    for sc in scenarios:
        avail = {g: unused.get(g, 0) + schedule.get(sc.year, {}).get(g, 0) for g in sc.participants}
        res = run(_with_carry(sc, avail, carried), solver=solver)
        t = res.shares.table
        inp, sol, rules = res.inputs, res.solution, res.rules
        e = inp.rate
        crisis = rules.crisis
        next_carried = {}
        for i, g in enumerate(inp.contributors):
            used = int(t.at[g, "credit_used_eur"])
            alt_done = math.floor(res.scenario.state(g).implemented * int(sol.pledges[i, ALT]))
            taken = crisis.from_unallocated.get(g, 0) if crisis else 0
            next_carried[g] = rules.available[g] - taken
            earned = crisis.credit_eur.get(g, 0) if crisis else 0
            rows.append({
                GEO: g, YEAR: sc.year, "deduction": float(t.at[g, "deduction"]),
                "obligation_eur": int(t.at[g, "obligation_eur"]),
                "credit_available_eur": avail.get(g, 0) + sc.state(g).credit_eur,
                "credit_used_eur": used,
                "pledged_value_eur": int((sol.pledges[i] * inp.unit_value).sum()),
                "implemented_value_eur": e * rules.implemented[g] + int(sol.pledges[i, FIN]) + alt_done,
                "carried_in_relocations": carried.get(g, 0) + sc.state(g).carried_relocations,
                "carried_out_relocations": next_carried[g], "credit_earned_eur": earned,
            })
            unused[g] = avail.get(g, 0) + sc.state(g).credit_eur - used
            if earned:
                for k, part in enumerate(spread_credit(earned, res.scenario.crisis.credit_years)):
                    yr = schedule.setdefault(sc.year + 1 + k, {})
                    yr[g] = yr.get(g, 0) + part
        carried = next_carried
        results.append(res)
    ledger = pd.DataFrame(rows, columns=list(LEDGER_COLUMNS))
    ints = [c for c in LEDGER_COLUMNS if c not in (GEO, YEAR, "deduction")]
    ledger = ledger.astype({c: np.int64 for c in ints} | {YEAR: np.int64})
    violations = verify_ledger(ledger)
    if violations:
        raise VerificationError(violations)
    return CycleResult(results=tuple(results), ledger=ledger)
