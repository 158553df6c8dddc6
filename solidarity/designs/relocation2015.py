"""Run a scenario under the 2015 emergency relocation schemes (``kind = "relocation-2015"``).

Stages: the key's data (bundled 2015 inputs or the scenario's [data]), the
law (:mod:`solidarity.pact.relocation2015`), the tables, and the independent
verifier (:mod:`solidarity.pact.verify_relocation2015`).
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from ..errors import InputError, Problem
from ..inputs.data import Indicator, data_dir, load_data, read_table
from ..inputs.design_relocation2015 import FILES, CapBase, Relocation2015Settings
from ..inputs.scenario import Scenario
from ..outputs.tables import Column as col
from ..outputs.tables import TableSpec, frame, register
from ..pact import relocation2015 as law
from ..schema import EU27, GEO, KNOWN_CODES, Method
from . import DesignResult

#: The design's acts, as ``meta`` names them.
ACTS = ("Council Decisions (EU) 2015/1523 and 2015/1601 (amended by 2016/1754); the Commission's key, "
        "annex to COM(2015) 240 and COM(2015) 286, 450, 451; Council Implementing Decisions (EU) 2016/408 "
        "and 2016/946")
KEY_TABLE = register(TableSpec("relocation2015_key", "the Commission's 2015 key, each part per bound state "
                               "(COM(2015) 286, Annex)", (GEO,), (
    col(GEO, "str", "code", "Eurostat country code"),
    col("population", "float", "persons", "population (the key's year)"),
    col("gdp_meur", "float", "million EUR", "total GDP (the key's year)"),
    col("asylum_per_million", "float", "per million inhabitants", "average yearly asylum applications plus "
        "resettled refugees per million inhabitants over the five criteria years"),
    col("unemployment_rate", "float", "%", "unemployment rate (the criteria year)"),
    col("population_share", "float", "fraction", "p: share of the bound states' population"),
    col("gdp_share", "float", "fraction", "g: share of the bound states' GDP"),
    col("asylum_pure", "float", "fraction", "normalised inverse of asylum_per_million"),
    col("asylum_effect", "float", "fraction", "asylum_pure after the cap"),
    col("unemployment_pure", "float", "fraction", "normalised inverse of the unemployment rate"),
    col("unemployment_effect", "float", "fraction", "unemployment_pure after the cap"),
    col("cap_limit", "float", "fraction", "the cap on each inverse criterion (empty: no cap)"),
    col("key_share", "float", "fraction", "the key: weighted parts plus the re-spread capped mass"),
    col("key_percent", "float", "%", "the key in per cent, to two decimals as the Commission published it"),
)))
ALLOCATION_TABLE = register(TableSpec("relocation2015_allocation", "per bound state and benefitting state: "
                                      "the key's quota, the whole persons, the suspension, the lump sums",
                                      (GEO, "beneficiary"), (
    col(GEO, "str", "code", "the state of relocation"),
    col("beneficiary", "str", "code", "the state persons are relocated from (Annex I Italy, Annex II Greece)"),
    col("quota", "float", "persons", "the exact quota: the key share of the volume apportioned by the key "
        "(empty for a state that pledged)"),
    col("pledged", "Int", "persons", "the part of the state's pledge counted towards this beneficiary "
        "(2015/1523; empty: no pledge)"),
    col("allocated", "int", "persons", "the allocation in whole persons, before any suspension"),
    col("suspended", "int", "persons", "persons suspended (2016/408, 2016/946)"),
    col("persons", "int", "persons", "allocated less suspended"),
    col("lump_sum_eur", "int", "EUR", "lump sum for these persons (Art 10)"),
)))


def _criterion(name: str) -> tuple[dict[str, dict[int, Fraction | None]], str]:
    """A bundled criterion file as geo -> year -> exact value (None: missing), and its vintage."""
    df, _ = read_table(data_dir() / FILES[name])
    out: dict[str, dict[int, Fraction | None]] = {}
    for g, y, v in zip(df[GEO], df["year"], df["value"], strict=True):
        out.setdefault(str(g), {})[int(y)] = None if pd.isna(v) else Fraction(repr(float(v)))
    return out, "; ".join(sorted(set(df["vintage"])))


def _volumes(scenario: Scenario, s: Relocation2015Settings) -> dict[str, int]:
    vols = {b: int(st.needs.relocation or 0) for b, st in scenario.beneficiaries.items()}
    total = sum(vols.values()) + s.unallocated
    if total != scenario.pool.relocations:
        raise InputError(Problem(scenario.path, "pool.relocations", scenario.pool.relocations,
                                 f"the beneficiaries' volumes ({' + '.join(f'{b} {v:_}' for b, v in vols.items())})"
                                 f" plus design.unallocated ({s.unallocated:_}) make {total:_}",
                                 f"pool.relocations = {total:_}, or volumes adding up to it"))
    return vols


def inputs(scenario: Scenario, data: tuple[Indicator, Indicator] | None = None):
    """Everything the key needs, exact, for the bound states; the data's vintages."""
    s: Relocation2015Settings = scenario.design_settings
    bound = [g for g in scenario.participants if g not in scenario.beneficiaries]
    pop, gdp = data if data is not None else load_data(scenario)  # the design's own years: inputs.design_relocation2015
    apps, v_apps = _criterion("asylum")
    res, v_res = _criterion("resettled")
    une, v_une = _criterion("unemployment")
    years = range(s.criteria_year - 4, s.criteria_year + 1)
    problems = [Problem(f"bundled data/{FILES['unemployment']}", f"geo={g}, year={s.criteria_year}", "missing",
                        "no unemployment rate", "a number for every bound state")
                for g in bound if une.get(g, {}).get(s.criteria_year) is None]
    problems += [Problem(f"bundled data/{FILES['asylum']}", f"geo={g}, years {years.start}-{years.stop - 1}",
                         "missing", "no asylum applications", "a number for every bound state")
                 for g in bound if all(apps.get(g, {}).get(y) is None for y in years)]
    if problems:
        raise InputError(problems)
    p_ex, g_ex = pop.exact(), gdp.exact()
    population = {g: p_ex[g] for g in bound}
    asylum_pm = law.asylum_per_million(apps, res, population, years)
    return dict(population=population, gdp={g: g_ex[g] for g in bound}, asylum_pm=asylum_pm,
                unemployment={g: une[g][s.criteria_year] for g in bound}, pop=pop, gdp_ind=gdp,
                vintages={"asylum": v_apps, "resettled": v_res, "unemployment": v_une}, years=years)


def _key_table(k: law.Key, x: dict) -> pd.DataFrame:
    rows = [{GEO: g, "population": float(x["population"][g]), "gdp_meur": float(x["gdp"][g]),
             "asylum_per_million": float(x["asylum_pm"][g]), "unemployment_rate": float(x["unemployment"][g]),
             "population_share": float(k.population[g]), "gdp_share": float(k.gdp[g]),
             "asylum_pure": float(k.asylum_pure[g]), "asylum_effect": float(k.asylum[g]),
             "unemployment_pure": float(k.unemployment_pure[g]), "unemployment_effect": float(k.unemployment[g]),
             "cap_limit": float(k.cap_limit[g]) if k.cap_limit else None, "key_share": float(k.share[g]),
             "key_percent": round(float(k.share[g] * 100), 2)} for g in sorted(k.share)]
    return frame("relocation2015_key", rows)


def _allocation_table(a: law.Allocation, eur: int) -> pd.DataFrame:
    rows = [{GEO: g, "beneficiary": b, "quota": float(a.quota[g, b]) if (g, b) in a.quota else None,
             "pledged": a.pledged.get((g, b)), "allocated": n, "suspended": a.suspended[g, b],
             "persons": a.persons[g, b], "lump_sum_eur": a.persons[g, b] * eur}
            for (g, b), n in sorted(a.allocated.items())]
    return frame("relocation2015_allocation", rows)


def _rule(g: str, role: str, s: Relocation2015Settings) -> str:
    if role == "beneficiary":
        return f"benefitting state: persons are relocated from it ({s.act.volumes}); it takes none"
    if role == "outside":
        return ("not bound: Protocols 21/22 (DK, IE, UK unless opting in) or not a participant of the "
                "scenario")
    parts = [f"pledge split {', '.join(f'{b} {float(f):g}' for b, f in s.split.items())}, each half up "
             "(2015/1523, Resolution of 20 July 2015)" if g in s.pledges else
             f"the Commission's key (COM(2015) 286, Annex) x each volume ({s.act.volumes}), rounded "
             f"{s.rounding.value}"]
    if s.suspension.get(g) == 1:
        parts.append("obligations suspended in full (Art 9 of 2015/1523 and 2015/1601"
                     + ("; Council Decision (EU) 2016/946, until 16 June 2017)" if g == "SE" else ")"))
    elif s.suspension.get(g):
        parts.append(f"{float(s.suspension[g]) * 100:g} % suspended (Art 4(5) of 2015/1601"
                     + ("; Council Implementing Decision (EU) 2016/408)" if g == "AT" else ")"))
    parts.append(f"EUR {s.lump_sum_eur:_} per person (Art 10)".replace("_", " "))
    return "; ".join(parts)


def _states_table(scenario: Scenario, k: law.Key, a: law.Allocation, s: Relocation2015Settings) -> pd.DataFrame:
    geos = sorted(set(EU27) | set(scenario.participants))
    rows = []
    for g in geos:
        role = ("beneficiary" if g in scenario.beneficiaries else "bound" if g in k.share else "outside")
        mine = [n for (x, _), n in a.persons.items() if x == g]
        rows.append({GEO: g, "country": KNOWN_CODES.get(g, g), "role": role,
                     "key_share": float(k.share[g]) if role == "bound" else None,
                     "persons": sum(mine) if role == "bound" else None,
                     "relocated_from": sum(n for (_, b), n in a.persons.items() if b == g)
                     if role == "beneficiary" else None,
                     "pays_eur": None,
                     "receives_eur": sum(mine) * s.lump_sum_eur if role == "bound" else None,
                     "rule": _rule(g, role, s)})
    return frame("design_states", rows)


def _volume_status(a: law.Allocation, b: str, alloc: int, vol: int, s: Relocation2015Settings) -> str:
    """Why a volume's allocations differ from it: the rounding, or pledges that
    fall short with no state left for the key (2015/1523: the Resolution of
    20 July 2015 placed 32 256 of 40 000, and every bound state pledged)."""
    if alloc == vol:
        return ""
    if a.by_key[b] and not any(x == b for (_, x) in a.quota):
        return (f"{alloc - vol:+d} against the volume: the pledges fall short and every bound state "
                "pledged, so no state takes the rest by the key")
    return f"{alloc - vol:+d} against the volume ({s.rounding.value} rounding)"


def _pool_table(a: law.Allocation, s: Relocation2015Settings, total: int) -> pd.DataFrame:
    rel = "persons"
    rows = [{"item": "relocations", "unit": rel, "amount": total, "reference": None, "shortfall": None,
             "status": "", "rule": "pool.relocations: the beneficiaries' volumes plus any unallocated"}]
    for b, vol in sorted(a.volume.items()):
        alloc = sum(n for (_, x), n in a.allocated.items() if x == b)
        rows.append({"item": f"allocated_from_{b}", "unit": rel, "amount": alloc, "reference": vol,
                     "shortfall": max(0, vol - alloc), "status": _volume_status(a, b, alloc, vol, s),
                     "rule": f"the volume from {b}, apportioned by the key ({s.rounding.value}) plus pledges"})
        rows.append({"item": f"suspended_from_{b}", "unit": rel,
                     "amount": sum(n for (_, x), n in a.suspended.items() if x == b), "reference": None,
                     "shortfall": None, "status": "", "rule": "Implementing Decisions (EU) 2016/408, 2016/946"})
    persons = sum(a.persons.values())
    rows += [{"item": "unallocated", "unit": rel, "amount": s.unallocated, "reference": None, "shortfall": None,
              "status": "", "rule": "Decision (EU) 2015/1601 Art 4(1)(c), 2016/1754: allocated to no state"},
             {"item": "relocated", "unit": rel, "amount": persons, "reference": total, "shortfall": None,
              "status": "", "rule": "allocations after suspensions"},
             {"item": "lump_sums", "unit": "EUR", "amount": persons * s.lump_sum_eur, "reference": None,
              "shortfall": None, "status": "", "rule": "Art 10 of 2015/1523 and 2015/1601"}]
    return frame("pool", rows)


_UNVERIFIED = "default; [unverified], see docs/designs-relocation2015.md"


def _meta(scenario: Scenario, s: Relocation2015Settings, x: dict) -> pd.DataFrame:
    def given(key: str, default_source: str) -> str:
        return "scenario file" if key in s.given else default_source

    pop, gdp = x["pop"], x["gdp_ind"]
    rows = {
        "scenario": scenario.name, "year": str(scenario.year), "design": scenario.design.value,
        "design_acts": ACTS,
        "act": f"{s.act.value} ({given('act', 'default')}): volumes from {s.act.volumes}",
        "weights": ", ".join(f"{k} {float(v):g}" for k, v in s.weights.items()) + " ("
        + given("population_weight", "COM(2015) 286, Annex") + ")",
        "cap": (f"{float(s.cap):g} ({given('cap', 'Commission FAQ, September 2015')})"
                if s.cap_base is not CapBase.NONE else "none (cap_base = none)"),
        "cap_base": f"{s.cap_base.value} ({given('cap_base', _UNVERIFIED)})",
        "respread": f"{s.respread.value} ({given('respread', _UNVERIFIED)})",
        "rounding": f"{s.rounding.value} ({given('rounding', 'the Commission published per-state rounding')})",
        "lump_sum_eur": f"{s.lump_sum_eur} ({given('lump_sum_eur', 'Art 10 of 2015/1523 and 2015/1601')})",
        "split": ", ".join(f"{b} {float(f):g}" for b, f in s.split.items()) + " ("
        + given("split", "the Commission's counting of the 2015/1523 pledges") + ")",
        "suspension": ", ".join(f"{g} {float(f):g}" for g, f in s.suspension.items()) or "none",
        "pledges": ", ".join(f"{g} {n}" for g, n in s.pledges.items()) or "none",
        "key_data": s.key_data.value,
        "population": f"{pop.year}: {pop.vintage}", "gdp": f"{gdp.year}: {gdp.vintage}",
        "criteria_years": f"unemployment {s.criteria_year}; asylum applications and resettled refugees "
                          f"{x['years'].start}-{x['years'].stop - 1}",
        "asylum_data": x["vintages"]["asylum"], "resettled_data": x["vintages"]["resettled"],
        "unemployment_data": x["vintages"]["unemployment"],
        "tie_rule": "per-state: none needed" if s.rounding is Method.PER_STATE else "see apportionment.TIE_RULE",
    }
    return frame("meta", [{"key": k, "value": v} for k, v in rows.items()])


def run(scenario: Scenario, data: tuple[Indicator, Indicator] | None = None) -> DesignResult:
    """Run the 2015 relocation schemes: key, allocation, suspension, lump sums (verified by
    :func:`solidarity.designs.run_design`)."""
    s: Relocation2015Settings = scenario.design_settings
    vols = _volumes(scenario, s)
    x = inputs(scenario, data)
    k = law.key(x["population"], x["gdp"], x["asylum_pm"], x["unemployment"], s)
    a = law.allocate(k.share, vols, s)
    tables = {"design_states": _states_table(scenario, k, a, s), "pool": _pool_table(a, s, scenario.pool.relocations),
              "relocation2015_key": _key_table(k, x), "relocation2015_allocation": _allocation_table(a, s.lump_sum_eur),
              "meta": _meta(scenario, s, x)}
    return DesignResult(scenario=scenario, population=x["pop"], gdp=x["gdp_ind"], tables=tables, details=(k, a))


__all__ = ["ACTS", "FILES", "inputs", "run"]
