"""Multi-year cycles: run consecutive annual scenarios and carry state between them.

What is carried from one cycle to the next (through the scenario document
layer, so each year's effective scenario records it as ``key: old -> new
(carried from YEAR)``):

* crisis credits (CR Art 9): a state's offsets above its fair share, valued
  at the equivalence rate, spread evenly over the next ``credit_years``
  cycles; a credit not usable in its cycle (the obligation is smaller) stays
  available in the next ones (``states.X.credit_eur``);
* relocation pledges not implemented within the year (Art 60(3)): each state
  implements ``implemented`` (a scenario share, default 1) of the relocations
  it was called on for; what it pledged and did not implement (uncalled
  pledges included) is carried (``states.X.carried_relocations``) and is the
  first source of a later crisis plan (CR Art 8); money is paid in full;
* deductions granted are recorded.

The ``ledger`` table has one row per state and year.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd

from ..errors import InputError, Problem, VerificationError
from ..inputs.scenario import Scenario, from_document, load_scenario
from ..optimise.model import ALT, FIN
from ..outputs.tables import frame
from ..pact.rules import spread_credit
from ..pipeline import Result, run_pact
from ..schema import GEO, YEAR


@dataclass(frozen=True, eq=False)
class CycleResult:
    results: tuple[Result, ...]
    ledger: pd.DataFrame

    def __repr__(self) -> str:
        years = [r.scenario.year for r in self.results]
        return f"<CycleResult {years[0]}-{years[-1]}: {len(years)} cycles, ledger of {len(self.ledger)} rows>"


def load_cycle(path: str | Path, sets: Sequence[str] = (), variant: str | None = None) -> list[Scenario]:
    """Scenarios of a cycle, in year order, each validated with the overrides.

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
            doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(Problem(str(path), "file", str(path), f"cannot read a cycle file ({exc})",
                                     "a directory of yearly scenario files, or a TOML file with a [cycle] table")
                             ) from exc
        cyc = doc.get("cycle")
        if not isinstance(cyc, dict) or not isinstance(cyc.get("scenarios"), list) or set(cyc) - {"scenarios"}:
            raise InputError(Problem(str(path), "cycle", doc.get("cycle"), "not a cycle file",
                                     "a [cycle] table with scenarios = [\"file.toml\", ...], or a directory"))
        from ..inputs.trust import refusal, roots
        bad = [Problem(str(path), f"cycle.scenarios[{i}]", f, "not a file name",
                       "a string in quotes: a scenario file relative to the cycle file")
               for i, f in enumerate(cyc["scenarios"]) if not isinstance(f, str)]
        bad += [Problem(str(path), f"cycle.scenarios[{i}]", f, why, "a scenario file relative to the cycle file")
                for i, f in enumerate(cyc["scenarios"]) if isinstance(f, str)
                for why in [refusal(path.parent / f, roots(path.parent))] if why]
        if bad:
            raise InputError(bad)
        files = [path.parent / f for f in cyc["scenarios"]]
        where = f"{path}: cycle.scenarios"
    if not files:
        raise InputError(Problem(str(path), "scenarios", [], "no scenario files", "one or more *.toml"))
    problems, scenarios = [], []
    for f in files:
        try:
            scenarios.append(load_scenario(f, sets, variant))
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


def with_carry(sc: Scenario, credit: dict[str, int], carried: dict[str, int], year: int) -> Scenario:
    """The year's scenario with carried credits and pledges added, through the
    document layer (then the year's own overrides again, which still win)."""
    from ..inputs.document import apply_overrides, with_values

    raw = sc.source
    states = raw.data.get("states", {}) if isinstance(raw.data.get("states"), dict) else {}
    values: dict[str, int] = {}
    for g in sc.participants:
        body = states.get(g, {}) if isinstance(states.get(g), dict) else {}
        if credit.get(g):
            values[f"states.{g}.credit_eur"] = int(body.get("credit_eur", 0)) + credit[g]
        if carried.get(g):
            values[f"states.{g}.carried_relocations"] = int(body.get("carried_relocations", 0)) + carried[g]
    if not values:
        return sc
    doc = with_values(raw, values, f"carried from {year - 1}")
    eff = apply_overrides(doc, sc.sets, sc.variant) if sc.sets or sc.variant else doc
    return from_document(eff, source=raw, sets=sc.sets, variant=sc.variant)


def run_cycle(scenarios: list[Scenario], solver=None) -> CycleResult:
    """Run the years in order, carrying credits and unimplemented pledges."""
    schedule: dict[int, dict[str, int]] = {}  # year -> state -> credit becoming usable
    unused: dict[str, int] = {}
    carried: dict[str, int] = {}
    results, rows = [], []
    for sc in scenarios:
        avail = {g: unused.get(g, 0) + schedule.get(sc.year, {}).get(g, 0) for g in sc.participants}
        eff = with_carry(sc, avail, carried, sc.year)
        res = run_pact(eff, solver=solver)
        t = res.shares.table
        inp, sol, rules = res.inputs, res.solution, res.rules
        e = inp.rate
        crisis = rules.crisis
        next_carried = {}
        for i, g in enumerate(inp.contributors):
            used = int(cast(int, t.at[g, "credit_used_eur"]))
            alt_done = math.floor(eff.state(g).implemented * int(res.allocation.called[i, ALT]))
            taken = crisis.from_unallocated.get(g, 0) if crisis else 0
            next_carried[g] = rules.available[g] - taken
            earned = crisis.credit_eur.get(g, 0) if crisis else 0
            rows.append({
                GEO: g, YEAR: sc.year, "deduction": float(cast(float, t.at[g, "deduction"])),
                "obligation_eur": int(cast(int, t.at[g, "obligation_eur"])),
                "credit_available_eur": eff.state(g).credit_eur, "credit_used_eur": used,
                "pledged_value_eur": int((sol.pledges[i] * inp.unit_value).sum()),
                "implemented_value_eur": e * rules.implemented[g] + int(sol.pledges[i, FIN]) + alt_done,
                "carried_in_relocations": eff.state(g).carried_relocations,
                "carried_out_relocations": next_carried[g], "credit_earned_eur": earned,
            })
            unused[g] = eff.state(g).credit_eur - used
            if earned:
                assert eff.crisis is not None  # credits are earned only under its crisis plan
                for k, part in enumerate(spread_credit(earned, eff.crisis.credit_years)):
                    yr = schedule.setdefault(sc.year + 1 + k, {})
                    yr[g] = yr.get(g, 0) + part
        carried = next_carried
        results.append(res)
    ledger = frame("ledger", rows)
    from ..pact.verify import ledger_instalments, verify_ledger
    own = {(g, sc.year): sc.state(g).credit_eur for sc in scenarios for g in sc.participants}  # before carrying
    credits = {r.scenario.year: r.tables["credits"] for r in results if "credits" in r.tables}
    violations = verify_ledger(ledger, ledger_instalments(credits), own)
    if violations:
        raise VerificationError(violations)
    return CycleResult(results=tuple(results), ledger=ledger)
