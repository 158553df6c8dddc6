"""Explain one state's numbers under the 2020 Pact proposal (COM(2020) 610 Part IV, COM(2020) 613).

Every number is read from the run's tables (``design_states``,
``sponsorship``, ``sponsorship_flows``, ``pool``), with the rule and article
that gave it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..schema import BENEFICIARY, KNOWN_CODES
from .explain import Explanation, Fact, Section, Value


def _p(x: Any) -> Value:
    return Value(0 if pd.isna(x) else int(x), "persons")


def _pool_section(pool: pd.DataFrame) -> Section:
    c = pool.loc["correction"]
    return Section("pool", "The pool and the correction (COM(2020) 610 Art 52-53)", (
        Fact("need", "The pool needs relocations and sponsored returns for {need}; pledges cover "
             "{pledged} ({short}).", {"need": _p(pool.at["need", "amount"]),
                                      "pledged": _p(pool.at["pledged", "amount"]),
                                      "short": Value(str(pool.at["pledged", "status"]), "text")}),
        Fact("correction", "The correction is {status}: the shortfall of {gap} is compared with {limit} "
             "(more than that triggers it).", {"status": Value(str(c["status"]), "text"),
                                               "gap": _p(c["amount"]), "limit": _p(c["reference"])}),
    ))


def _bound(sp: pd.Series, st: pd.Series, deadline: int) -> tuple[Section, ...]:
    key = Section("key", "Key and fair share (COM(2020) 610 Art 54 [unverified])", (
        Fact("key", "Its key share is {share}: 50 % its share of the bound states' population, 50 % its "
             "share of their GDP.", {"share": Value(float(sp["key_share"]), "fraction")}),
        Fact("fair_share", "Its fair share of the pool is {fair}.", {"fair": _p(sp["fair_share"])}),
    ))
    stated = sp["pledge_source"] == "scenario"
    pledge = Section("pledges", "Pledges (Art 45(1))", (
        Fact("pledged", ("It pledged" if stated else "It stated no pledge, so it pledges nothing (nothing is "
             "assumed):") + " relocation of {rel}, return sponsorship for {spo}, and capacity measures worth "
             "{cap} (Art 45(1)(d), not counted against the need).",
             {"rel": _p(sp["pledged_relocations"]), "spo": _p(sp["pledged_sponsorships"]),
              "cap": Value(int(sp["capacity_eur"]), "EUR")}),
    ))
    top = int(sp["topup"])
    corr = Section("correction", "Correction (Art 52-53)", (
        Fact("topup", "Its floor is {floor}; the correction adds {topup}: {trel} by relocation and {tspo} by "
             "return sponsorship ({how}).",
             {"floor": _p(sp["correction_floor"]), "topup": _p(top), "trel": _p(sp["topup_relocations"]),
              "tspo": _p(sp["topup_sponsorships"]),
              "how": Value(str(sp["topup_type"]) or "no top-up", "text")}),
    ))
    spon = Section("sponsorship", f"Return sponsorship (Art 55; deadline {deadline} months)", (
        Fact("outcome", "It sponsors the return of {spo}; {ret} of them are expected to be returned within "
             "{months} months; the other {tra} are transferred to it (Art 55).",
             {"spo": _p(sp["sponsorships"]), "ret": _p(sp["returns_expected"]), "tra": _p(sp["transfers"]),
              "months": Value(deadline, "count")}),
    ))
    total = Section("persons", "Persons it takes in", (
        Fact("persons", "It takes in {persons}: {rel} relocated, {tra} transferred after the deadline and "
             "{sar} from the search-and-rescue pool (Art 47-49, same key). Rule: {rule}.",
             {"persons": _p(st["persons"]), "rel": _p(sp["relocations"]), "tra": _p(sp["transfers"]),
              "sar": _p(sp["sar_relocations"]), "rule": Value(str(st["rule"]), "text")}),
    ))
    return key, pledge, corr, spon, total


def _beneficiary(result, state: str, st: pd.Series) -> tuple[Section, ...]:
    fl = result.tables["sponsorship_flows"]
    mine = fl[fl.index.get_level_values(BENEFICIARY) == state]
    need = int(result.scenario.beneficiaries[state].needs.relocation or 0)
    return (Section("beneficiary", "What it receives (COM(2020) 610 Art 57 [unverified])", (
        Fact("need", "Its relocation need, {need}, weights its share of every contributor's relocations and "
             "return sponsorships.", {"need": _p(need)}),
        Fact("received", "{n} states relocate {rel} from it and sponsor the return of {spo}; of those, "
             "{tra} are expected to be transferred to the sponsors after the deadline; {sar} leave by the "
             "SAR pool. Persons leaving it: {away}.",
             {"n": Value(int((mine.sum(axis=1) > 0).sum()), "count"), "rel": _p(mine["relocations"].sum()),
              "spo": _p(mine["sponsorships"].sum()), "tra": _p(mine["transfers"].sum()),
              "sar": _p(mine["sar_relocations"].sum()), "away": _p(st["relocated_from"])}),
        Fact("rule", "Rule: {rule}.", {"rule": Value(str(st["rule"]), "text")}),
    )),)


def explain_design(result, state: str) -> Explanation:
    """The state's numbers under the 2020 proposal, rule by rule (bound state or beneficiary)."""
    st = result.tables["design_states"].loc[state]
    pool = result.tables["pool"]
    deadline = int(pool.at["deadline", "amount"])
    if st["role"] == "bound":
        body = _bound(result.tables["sponsorship"].loc[state], st, deadline)
    else:
        body = _beneficiary(result, state, st)
    sc = result.scenario
    return Explanation(state=state, country=KNOWN_CODES.get(state, state), scenario=sc.name, year=sc.year,
                       sections=(_pool_section(pool), *body))


__all__ = ["explain_design"]
