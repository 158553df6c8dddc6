"""Run a scenario under the 2020 Pact proposal (COM(2020) 610 Part IV, COM(2020) 613).

Stages: data (population and GDP of the bound states), the law
(:mod:`solidarity.pact.pact2020`: key, fair shares, correction, return
sponsorship, distribution), the tables (``design_states``, ``sponsorship``,
``sponsorship_flows``, ``pool``, ``meta``), and the independent verifier
(:mod:`solidarity.pact.verify_pact2020`). No optimiser: the proposal's rules
give every number.
"""

from __future__ import annotations

from typing import cast

import pandas as pd

from ..errors import InputError, Problem
from ..inputs.data import Indicator, load_data
from ..inputs.design_pact2020 import Settings
from ..inputs.scenario import Scenario
from ..numbers import percent
from ..outputs.tables import Column, TableSpec, frame, register
from ..pact.pact2020 import Outcome, compute, shortfall_share
from ..schema import BENEFICIARY, GEO, KNOWN_CODES
from . import DesignResult

#: The acts, as ``meta`` names them.
ACTS = ("COM(2020) 610 Part IV (Art 45, 47-49, 52-55, 57; proposal, not adopted); "
        "COM(2020) 613 (crisis: Art 2(1) excludes Art 45(1)(d) and 47-49; return-sponsorship deadline)")

SPONSORSHIP = register(TableSpec(
    "sponsorship", "per state bound under the 2020 Pact proposal: fair share, pledges, the correction and "
    "what return sponsorship gives (COM(2020) 610 Art 45, 52-55)", (GEO,), (
        Column(GEO, "str", "code", "Eurostat country code"),
        Column("key_share", "float", "fraction", "Art 54 [unverified] key: 50 % population, 50 % GDP of the "
               "bound states"),
        Column("fair_share", "int", "persons", "the key's share of the pool of relocations and sponsored "
               "returns, apportioned to whole persons (meta: param_method)"),
        Column("pledge_source", "str", "text", "scenario (stated in [design.pledges.CODE]) or none (the "
               "state stated nothing and pledges nothing: nothing is assumed)"),
        Column("pledged_relocations", "int", "persons", "relocations pledged (Art 45(1)(a))"),
        Column("pledged_sponsorships", "int", "persons", "return sponsorships pledged (Art 45(1)(b))"),
        Column("correction_floor", "int", "persons", "correction_share x fair share, rounded up, when the "
               "correction is triggered (Art 52-53); 0 otherwise"),
        Column("topup", "int", "persons", "persons added by the correction: floor minus pledged relocations "
               "and sponsorships, if positive"),
        Column("topup_type", "str", "text", "how the top-up is covered: relocation, sponsorship or "
               "proportional (to its own pledges); empty without a top-up"),
        Column("topup_relocations", "int", "persons", "the top-up's relocations"),
        Column("topup_sponsorships", "int", "persons", "the top-up's return sponsorships"),
        Column("relocations", "int", "persons", "relocations after the correction"),
        Column("sponsorships", "int", "persons", "return sponsorships after the correction"),
        Column("returns_expected", "int", "persons", "sponsored persons expected to be returned within the "
               "deadline: return_rate x sponsorships, rounded down"),
        Column("transfers", "int", "persons", "sponsored persons not returned within the deadline, "
               "transferred to the state (Art 55(2)): sponsorships - returns_expected"),
        Column("sar_relocations", "int", "persons", "the state's share of the search-and-rescue pool "
               "(Art 47-49), by the same key"),
        Column("capacity_eur", "int", "EUR", "capacity-building and operational support pledged "
               "(Art 45(1)(d)); not money to other states and not counted against the need"),
    )))

FLOWS = register(TableSpec(
    "sponsorship_flows", "who relocates, sponsors and takes transfers from whom under the 2020 Pact "
    "proposal (Art 57 [unverified]: in proportion to the benefitting states' needs)", (GEO, BENEFICIARY), (
        Column(GEO, "str", "code", "contributing state"),
        Column(BENEFICIARY, "str", "code", "benefitting state"),
        Column("relocations", "int", "persons", "persons relocated from the beneficiary"),
        Column("sponsorships", "int", "persons", "return sponsorships for persons staying irregularly in "
               "the beneficiary"),
        Column("transfers", "int", "persons", "of those, expected transfers to the sponsor after the deadline"),
        Column("sar_relocations", "int", "persons", "persons relocated from the SAR pool"),
    )))


def _fail(scenario: Scenario, key: str, value, message: str, allowed: str) -> None:
    raise InputError(Problem(scenario.path, key, value, message, allowed))


def _weights(scenario: Scenario, settings: Settings) -> tuple[dict[str, int], dict[str, int]]:
    """Each beneficiary's relocation need (Art 57 weights), and the SAR pool's weights."""
    needs = {b: int(s.needs.relocation or 0) for b, s in scenario.beneficiaries.items()}
    if scenario.pool.relocations and not sum(needs.values()):
        _fail(scenario, "beneficiaries", sorted(needs), "no benefitting state with a relocation need: the "
              "pool cannot be distributed", "[beneficiaries.CODE] needs = { relocations = N }, N > 0")
    sar = {b: n for b, n in needs.items() if scenario.beneficiaries[b].sar and n > 0}
    if settings.sar_relocations and not sar:
        _fail(scenario, "design.sar_relocations", settings.sar_relocations, "no benefitting state with "
              "sar = true and a relocation need to receive the SAR pool", "0, or mark a beneficiary sar = true")
    return needs, sar


def _state_rows(outcome: Outcome, settings: Settings) -> list[dict]:
    rows = []
    for g, s in outcome.states.items():
        rows.append({GEO: g, "key_share": float(s.key_share), "fair_share": s.fair_share,
                     "pledge_source": "scenario" if s.pledge.stated else "none",
                     "pledged_relocations": s.pledge.relocations, "pledged_sponsorships": s.pledge.sponsorships,
                     "correction_floor": s.floor, "topup": s.topup,
                     "topup_type": settings.choice(g).value if s.topup else "",
                     "topup_relocations": s.topup_relocations, "topup_sponsorships": s.topup_sponsorships,
                     "relocations": s.relocations, "sponsorships": s.sponsorships,
                     "returns_expected": outcome.returns[g], "transfers": outcome.transfers[g],
                     "sar_relocations": s.sar_relocations, "capacity_eur": s.pledge.capacity_eur})
    return rows


def _design_states(outcome: Outcome, needs: dict[str, int], flows: pd.DataFrame) -> pd.DataFrame:
    rows = []
    months = outcome.deadline_months
    for g, s in outcome.states.items():
        persons = s.relocations + outcome.transfers[g] + s.sar_relocations
        rule = (f"COM(2020) 610 Art 54 key, fair share {s.fair_share}; Art 45(1) pledges"
                + (f"; Art 52-53 correction top-up {s.topup}" if s.topup else "")
                + f"; takes in relocations {s.relocations} + transfers after {months} months (Art 55(2)) "
                f"{outcome.transfers[g]}" + (f" + SAR (Art 47-49) {s.sar_relocations}" if s.sar_relocations else ""))
        rows.append({GEO: g, "country": KNOWN_CODES.get(g, g), "role": "bound", "key_share": float(s.key_share),
                     "persons": persons, "relocated_from": None, "pays_eur": None, "receives_eur": None,
                     "rule": rule})
    by_b = flows.groupby(level=BENEFICIARY).sum() if len(flows) else pd.DataFrame()
    for b in sorted(needs):
        away = sum(int(cast(int, by_b.at[b, c])) for c in ("relocations", "transfers", "sar_relocations")) \
            if b in by_b.index else 0
        rows.append({GEO: b, "country": KNOWN_CODES.get(b, b), "role": "beneficiary", "key_share": None,
                     "persons": None, "relocated_from": away, "pays_eur": None, "receives_eur": None,
                     "rule": "COM(2020) 610 Art 57 [unverified]: relocations and return sponsorships in "
                             f"proportion to its need ({needs[b]}); persons leaving it: relocations, "
                             f"transfers after {months} months (Art 55(2)) and SAR relocations"})
    return frame("design_states", sorted(rows, key=lambda r: r[GEO]))


def _pool_rows(o: Outcome, settings: Settings) -> list[dict]:
    st = o.states.values()
    rel, spo = sum(s.relocations for s in st), sum(s.sponsorships for s in st)
    short = shortfall_share(o.need, o.pledged)
    thr = settings.shortfall_trigger
    p = "persons"
    return [
        dict(item="need", unit=p, amount=o.need, rule="[pool] relocations: relocations and sponsored returns "
             "needed (COM(2020) 610 Art 52-53)"),
        dict(item="pledged", unit=p, amount=o.pledged, reference=o.need, shortfall=max(0, o.need - o.pledged),
             status=f"{percent(float(short), 1)} short", rule="Art 45(1)(a)(b): relocations + sponsorships "
             "pledged, before the correction"),
        dict(item="correction", unit=p, amount=max(0, o.need - o.pledged), reference=int(thr * o.need),
             status="triggered" if o.triggered else "not triggered",
             rule=f"Art 52-53: triggered when the shortfall exceeds {percent(float(thr), 1)} of the need"),
        dict(item="correction_topups", unit=p, amount=sum(s.topup for s in st),
             rule=f"Art 52-53: states below {percent(float(settings.correction_share), 1)} of their fair "
             "share topped up to it"),
        dict(item="relocations", unit=p, amount=rel, rule="after the correction"),
        dict(item="sponsorships", unit=p, amount=spo, rule="after the correction (Art 55)"),
        dict(item="covered", unit=p, amount=rel + spo, reference=o.need, shortfall=max(0, o.need - rel - spo),
             rule="relocations + sponsorships after the correction, against the need"),
        dict(item="returns_expected", unit=p, amount=sum(o.returns.values()), reference=spo,
             rule="return_rate x sponsorships, per state rounded down"),
        dict(item="transfers", unit=p, amount=sum(o.transfers.values()), reference=spo,
             rule=f"not returned within {o.deadline_months} months: transferred to the sponsor (Art 55(2))"),
        dict(item="deadline", unit="months", amount=o.deadline_months,
             status="crisis" if settings.crisis else "normal",
             rule="Art 55 COM(2020) 610: 8 months; COM(2020) 613: 4 months in a crisis [unverified]"),
        dict(item="sar_pool", unit=p, amount=sum(s.sar_relocations for s in st), reference=settings.sar_relocations,
             rule="Art 47-49 [unverified details]: SAR relocations by the same key"),
        dict(item="capacity_measures", unit="EUR", amount=sum(s.pledge.capacity_eur for s in st),
             rule="Art 45(1)(d): capacity building, not counted against the need"),
    ]


def _meta(scenario: Scenario, settings: Settings, population: Indicator, gdp: Indicator,
          o: Outcome) -> pd.DataFrame:
    def line(ind: Indicator) -> str:
        return f"{ind.year}; {ind.unit}; {ind.vintage}; {ind.source}"

    s = settings
    items = [
        ("scenario", scenario.name), ("year", scenario.year), ("design", scenario.design.value),
        ("design_acts", ACTS),
        ("data_population", line(population)), ("data_gdp", line(gdp)),
        ("key", "50 % population, 50 % GDP over the bound states (Art 54 [unverified])"),
        ("deductions", "none: the 2020 proposal has no deductions (the scenario's [states] settings are "
                       "not used)"),
        ("param_return_rate", f"{s.return_rate} ({float(s.return_rate):.4g}); the scenario's (required, no default)"),
        ("param_crisis", f"{str(s.crisis).lower()} (default false; in a crisis COM(2020) 613 Art 2(1) excludes "
                         "capacity building, Art 45(1)(d), and the SAR pool, Art 47-49)"),
        ("param_deadline_months", f"{o.deadline_months} (Art 55: 8; COM(2020) 613: 4 in a crisis [unverified])"),
        ("param_shortfall_trigger", f"{s.shortfall_trigger} (default 3/10, the Commission's summary)"),
        ("param_correction_share", f"{s.correction_share} (default 1/2, the Commission's summary); floor "
                                   "rounded up to whole persons"),
        ("param_method", f"{s.method.value} (default hamilton: fair shares add up to the pool)"),
        ("param_sar_relocations", f"{s.sar_relocations} (default 0)"),
        ("param_correction_default", f"{s.correction_default.value} (default proportional: in the proportion "
                                     "of the state's own pledges, sponsorships rounded halves up; relocation "
                                     "if it pledged none)"),
        ("param_correction_choice", ", ".join(f"{g}={c.value}" for g, c in sorted(s.correction_choice.items()))
         or "none stated"),
        ("pledges", f"{len(s.pledges)} states stated pledges; the others pledge nothing (not assumed)"),
        ("rounding", "returns expected rounded down per state; transfers = sponsorships - returns; flows "
                     "per contributor by largest remainder over the beneficiaries' needs"),
    ]
    return frame("meta", [{"key": k, "value": str(v)} for k, v in items])


def _flows(o: Outcome) -> pd.DataFrame:
    rows = [{GEO: g, BENEFICIARY: b, "relocations": v[0], "sponsorships": v[1], "transfers": v[2],
             "sar_relocations": v[3]} for (g, b), v in sorted(o.flows.items())]
    return frame("sponsorship_flows", rows)


def run(scenario: Scenario, data: tuple[Indicator, Indicator] | None) -> DesignResult:
    """Run a ``pact-2020`` scenario end to end (see the module docstring).

    Raises
    ------
    InputError : bad data, or no beneficiary to receive the pool.
    """
    settings: Settings = scenario.design_settings
    needs, sar = _weights(scenario, settings)
    population, gdp = data if data is not None else load_data(scenario)
    bound = [g for g in scenario.participants if g not in scenario.beneficiaries]
    pe, ge = population.exact(), gdp.exact()
    outcome = compute({g: pe[g] for g in bound}, {g: ge[g] for g in bound}, scenario.pool.relocations,
                      needs, sar, settings)
    flows = _flows(outcome)
    tables = {"design_states": _design_states(outcome, needs, flows),
              "sponsorship": frame("sponsorship", _state_rows(outcome, settings)),
              "sponsorship_flows": flows,
              "pool": frame("pool", _pool_rows(outcome, settings))}
    tables["meta"] = _meta(scenario, settings, population, gdp, outcome)
    return DesignResult(scenario, population, gdp, tables, details=outcome)


__all__ = ["ACTS", "FLOWS", "SPONSORSHIP", "run"]
