"""`explain` for the 2015 relocation schemes: which rule of which act gave a state its number.

Reads only the run's tables (``design_states``, ``relocation2015_key``,
``relocation2015_allocation``, ``pool``, ``meta``): every number in the text
is a :class:`~solidarity.studies.explain.Value` taken from them.
"""

from __future__ import annotations

import pandas as pd

from ..schema import EU27, GEO
from .explain import Explanation, Fact, Section, Value


def states(scenario) -> tuple[str, ...]:
    """Every state the run's ``design_states`` holds: the EU-27 and the participants."""
    return tuple(sorted(set(EU27) | set(scenario.participants)))


def _p(n) -> Value:
    return Value(int(n), "persons")


def _key_section(g: str, t: dict[str, pd.DataFrame]) -> Section:
    k = t["relocation2015_key"].loc[g].to_dict()
    meta = t["meta"]["value"]
    facts = [
        Fact("criteria", "Its criteria: population {pop}, GDP {gdp}, {asy} asylum applications plus resettled "
             "refugees a year per million inhabitants, unemployment {une} % ({years}; population and GDP: {data}).",
             {"pop": Value(int(k["population"]), "count"), "gdp": Value(float(k["gdp_meur"]), "million EUR"),
              "asy": Value(round(float(k["asylum_per_million"]), 1), "weight"),
              "years": Value(str(meta.get("criteria_years", "")), "text"),
              "une": Value(float(k["unemployment_rate"]), "weight"),
              "data": Value("the bundled 2015 inputs" if meta.get("key_data") == "2015"
                            else "the scenario's [data]", "text")}),
        Fact("parts", "Shares of the bound states: population {p}, GDP {g}; inverse asylum {a}, inverse "
             "unemployment {u}{cap}.",
             {"p": Value(float(k["population_share"]), "fraction"),
              "g": Value(float(k["gdp_share"]), "fraction"),
              "a": Value(float(k["asylum_effect"]), "fraction"),
              "u": Value(float(k["unemployment_effect"]), "fraction"),
              "cap": Value("" if pd.isna(k["cap_limit"]) else f" (each capped at {100 * float(k['cap_limit']):.4f} %)",
                           "text")}),
        Fact("key", "The Commission's key (COM(2015) 286, Annex; weights {w}; cap {cap}, base {base}; capped mass "
             "re-spread by {spread}) gives it {share}, published to two decimals as {pct} %.",
             {"w": Value(str(meta.get("weights", "")), "text"), "cap": Value(str(meta.get("cap", "")), "text"),
              "base": Value(str(meta.get("cap_base", "")), "text"),
              "spread": Value(str(meta.get("respread", "")), "text"),
              "share": Value(float(k["key_share"]), "fraction"), "pct": Value(float(k["key_percent"]), "weight")}),
    ]
    return Section("key", "The key", tuple(facts))


def _volumes_act(t: dict[str, pd.DataFrame]) -> str:
    """Where the run's volumes come from, as its meta says (``act``)."""
    meta = t["meta"]["value"]
    text = str(meta.get("act", ""))
    return text.partition("volumes from ")[2] or "Decision (EU) 2015/1601 Art 4, Annexes I and II"


def _bound(g: str, t: dict[str, pd.DataFrame]) -> list[Section]:
    al = t["relocation2015_allocation"].xs(g, level=GEO)
    rounding = str(t["meta"]["value"].get("rounding", ""))
    act = _volumes_act(t)
    facts = []
    for b, series in al.iterrows():
        r = series.to_dict()
        if pd.isna(r["quota"]):
            facts.append(Fact(f"from_{b}", "From {b}: its pledge counted {n} (2015/1523; pledges split between "
                              "the beneficiaries, each part rounded half up).", {"b": Value(str(b), "text"),
                                                                                  "n": _p(r["allocated"])}))
        else:
            facts.append(Fact(f"from_{b}", "From {b}: key x volume = {q} persons exactly, {n} whole ({rounding}; "
                              "volume: {act}).",
                              {"b": Value(str(b), "text"), "q": Value(round(float(r["quota"]), 3), "weight"),
                               "n": _p(r["allocated"]), "rounding": Value(rounding, "text"),
                               "act": Value(act, "text")}))
        if int(r["suspended"]):
            full = int(r["suspended"]) == int(r["allocated"])
            facts.append(Fact(f"suspended_{b}", "Of these, {s} are suspended (" + (
                "its obligations in full, Art 9 of both decisions: Council Decision (EU) 2016/946 for Sweden)."
                if full else "up to 30 %, Art 4(5) of 2015/1601: Council Implementing Decision (EU) 2016/408 "
                "for Austria)."), {"s": _p(r["suspended"])}))
    st = t["design_states"].loc[g].to_dict()
    facts.append(Fact("total", "In all it takes {n} and receives {eur}: the lump sum per relocated person (Art 10 "
                      "of 2015/1523 and 2015/1601).", {"n": _p(st["persons"]), "eur": Value(int(st["receives_eur"]),
                                                                                           "EUR")}))
    return [_key_section(g, t), Section("allocation", "Its allocation", tuple(facts))]


def _beneficiary(g: str, t: dict[str, pd.DataFrame]) -> list[Section]:
    pool = t["pool"]
    al = t["relocation2015_allocation"].xs(g, level="beneficiary")
    item = f"allocated_from_{g}"
    facts = [Fact("volume", "It is a benefitting state: {vol} are to be relocated from it ({act}); it takes in "
                  "none.", {"vol": _p(pool.at[item, "reference"]), "act": Value(_volumes_act(t), "text")}),
             Fact("apportioned", "The bound states' allocations from it add up to {alloc} ({n} states; the volume "
                  "of {act} by the Commission's key (COM(2015) 286, Annex), rounded {rounding}), of which {sus} "
                  "suspended: {moved} to be relocated.",
                  {"alloc": _p(pool.at[item, "amount"]), "n": Value(len(al), "count"),
                   "act": Value(_volumes_act(t), "text"),
                   "rounding": Value(str(t["meta"]["value"].get("rounding", "")), "text"),
                   "sus": _p(pool.at[f"suspended_from_{g}", "amount"]),
                   "moved": _p(t["design_states"].at[g, "relocated_from"])})]
    if len(al):
        top = al["persons"].sort_values(ascending=False, kind="stable")
        facts.append(Fact("largest", "The largest share goes to {top}: {n}.",
                          {"top": Value(str(top.index[0]), "text"), "n": _p(top.iloc[0])}))
    return [Section("beneficiary", "Relocated from it", tuple(facts))]


def _outside(g: str, t: dict[str, pd.DataFrame]) -> list[Section]:
    return [Section("outside", "Outside the scheme", (Fact(
        "why", "{g} is not bound: it takes no one under the decisions ({rule}).",
        {"g": Value(g, "text"), "rule": Value(str(t["design_states"].at[g, "rule"]), "text")}),))]


def explain_design(result, state: str) -> Explanation:
    """Which rule of which act gave ``state`` its number under the 2015 schemes."""
    t = result.tables
    st = t["design_states"]
    role = str(st.at[state, "role"])
    sections = (_bound if role == "bound" else _beneficiary if role == "beneficiary" else _outside)(state, t)
    acts = Section("acts", "The design", (Fact("acts", "Design {d}: {acts}.", {
        "d": Value(result.design.value, "text"), "acts": Value(str(t["meta"]["value"].get("design_acts", "")),
                                                                "text")}),))
    return Explanation(state=state, country=str(st.at[state, "country"]), scenario=result.scenario.name,
                       year=result.scenario.year, sections=(acts, *sections))


__all__ = ["explain_design", "states"]
