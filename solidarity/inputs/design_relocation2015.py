"""The ``[design]`` keys of the 2015 emergency relocation schemes (``kind = "relocation-2015"``).

Council Decisions (EU) 2015/1523 and 2015/1601 and the Commission's key
(annex to COM(2015) 240; COM(2015) 286, 450 and 451). The scenario's other
tables keep their meaning: ``participants`` are the states the decisions
bind plus the benefitting states, ``[beneficiaries.CODE.needs] relocations``
is the volume to be relocated from each benefitting state (Annex I Italy,
Annex II Greece), ``[pool] relocations`` their total plus any unallocated
volume. Where the acts leave a choice, a key below holds it with its
default; the run's ``meta`` names every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from ..schema import FrozenDict, Method


class CapBase(StrEnum):
    """What the 30 % cap on the two inverse criteria is a share of [unverified]."""

    SUM = "sum"  #: cap x (population share + GDP share); georgeblck/refugee-distribution calc.key
    MEAN = "mean"  #: cap x (population share + GDP share) / 2; Grech (2017), Table 1
    WEIGHTED = "weighted"  #: cap x (w_pop x population share + w_gdp x GDP share)
    NONE = "none"  #: no cap (the May 2015 tables look uncapped)


class Respread(StrEnum):
    """How the mass the cap removes is given back [unverified]."""

    BASE = "base"  #: in proportion to the population-and-GDP part (w_pop p + w_gdp g)
    KEY = "key"  #: in proportion to the capped key itself


class Act(StrEnum):
    """Which act's volumes a scenario is (the rule texts cite it)."""

    COM_2015_286 = "COM(2015) 286"  #: the Commission's proposal of 27 May 2015 (40 000)
    DECISION_2015_1523 = "2015/1523"  #: Council Decision (EU) 2015/1523 (40 000 on the states' pledges)
    COM_2015_451 = "COM(2015) 451"  #: the Commission's proposal of 9 September 2015 (120 000, with Hungary)
    DECISION_2015_1601 = "2015/1601"  #: Council Decision (EU) 2015/1601 (120 000); default
    OTHER = "other"  #: the 2015 key applied to another pool (such as the 2026 pool)

    @property
    def volumes(self) -> str:
        """Where the act sets the volume per benefitting state."""
        return {"COM(2015) 286": "COM(2015) 286 Art 4, Annexes I and II (proposal)",
                "2015/1523": "Decision (EU) 2015/1523 Art 4",
                "COM(2015) 451": "COM(2015) 451 Art 4, Annexes I to III (proposal)",
                "2015/1601": "Decision (EU) 2015/1601 Art 4, Annexes I and II",
                "other": "the scenario's volumes (the 2015 rules applied to another pool)"}[self.value]


class KeyData(StrEnum):
    """Where population and GDP come from."""

    COM_2015 = "2015"  #: the bundled 2015 inputs: population 1 Jan 2014, GDP 2013
    SCENARIO = "scenario"  #: the scenario's [data] table, as for the Pact


#: Art 10 of Decisions 2015/1523 and 2015/1601: EUR 6 000 per relocated person.
LUMP_SUM_EUR = 6_000
#: Implementing Decisions (EU) 2016/408 and 2016/946: "up to 30 %".
MAX_SUSPENSION = Fraction(3, 10)
#: The Commission's counting of the 2015/1523 pledges: 60 % Italy, 40 % Greece.
DEFAULT_SPLIT = {"IT": Fraction(3, 5), "EL": Fraction(2, 5)}
_DEFAULT_WEIGHTS = {"population": Fraction(2, 5), "gdp": Fraction(2, 5), "asylum": Fraction(1, 10),
                    "unemployment": Fraction(1, 10)}
_TOP = {"population_weight", "gdp_weight", "asylum_weight", "unemployment_weight", "cap", "cap_base",
        "respread", "rounding", "lump_sum_eur", "criteria_year", "key_data", "unallocated", "suspension",
        "pledges", "split", "act"}


@dataclass(frozen=True)
class Relocation2015Settings:
    """The design's settings (defaults: the Commission's key as the Commission's texts are read here)."""

    act: Act = Act.DECISION_2015_1601
    weights: FrozenDict = field(default_factory=lambda: FrozenDict(_DEFAULT_WEIGHTS))
    cap: Fraction = Fraction(3, 10)
    cap_base: CapBase = CapBase.SUM
    respread: Respread = Respread.BASE
    rounding: Method = Method.PER_STATE
    lump_sum_eur: int = LUMP_SUM_EUR
    criteria_year: int = 2014
    key_data: KeyData = KeyData.COM_2015
    unallocated: int = 0
    suspension: FrozenDict = field(default_factory=FrozenDict)
    pledges: FrozenDict = field(default_factory=FrozenDict)
    split: FrozenDict = field(default_factory=lambda: FrozenDict(DEFAULT_SPLIT))
    #: which keys the file gave (the rest are defaults), for meta
    given: tuple[str, ...] = ()


def _choices(enum) -> str:
    return " | ".join(f'"{e.value}"' for e in enum)


#: The keys below ``design.`` (path, type, allowed, default, doc).
KEYS: tuple[tuple[str, str, str, str, str], ...] = (
    ("act", "string", _choices(Act), '"2015/1601"', "which act's volumes the scenario holds; the rule texts "
     "and explanations cite it (other: the 2015 rules applied to another pool)"),
    ("population_weight", "number", "0 to 1", "0.4", "weight of the population share (COM(2015) 286 annex)"),
    ("gdp_weight", "number", "0 to 1", "0.4", "weight of the total-GDP share"),
    ("asylum_weight", "number", "0 to 1", "0.1",
     "weight of the inverse of average asylum applications plus resettled refugees per million inhabitants"),
    ("unemployment_weight", "number", "0 to 1", "0.1", "weight of the inverse unemployment rate; the four "
     "weights must add up to 1"),
    ("cap", "number", "0 to 1", "0.3", "the inverse criteria are capped at this share of the population-and-"
     "GDP effect (Commission FAQ, September 2015)"),
    ("cap_base", "string", _choices(CapBase), '"sum"', "what the cap is a share of [unverified]: sum = p + g "
     "(georgeblck calc.key), mean = (p + g) / 2 (Grech 2017, Table 1), weighted = w_pop p + w_gdp g, none = "
     "no cap"),
    ("respread", "string", _choices(Respread), '"base"', "how the capped mass is given back [unverified]: "
     "base = by w_pop p + w_gdp g, key = by the capped key"),
    ("rounding", "string", " | ".join(f'"{m.value}"' for m in Method), '"per-state"', "how each volume "
     "becomes whole persons: per-state rounds each quota half up on its own (the Commission's tables; the "
     "total may differ), the others are exact apportionments"),
    ("lump_sum_eur", "whole number", "whole EUR >= 0", "6000", "lump sum per relocated person to the state of "
     "relocation (Art 10 of 2015/1523 and 2015/1601)"),
    ("criteria_year", "whole number", "2014 to 2015 (bundled years)", "2014", "year of the unemployment rate "
     "and last of the five years of asylum applications and resettled refugees"),
    ("key_data", "string", _choices(KeyData), '"2015"', 'population and GDP: "2015" = the bundled 2015 '
     'inputs (population 1 January 2014, GDP 2013), "scenario" = the scenario\'s [data] table'),
    ("unallocated", "whole number", "persons >= 0", "0", "persons of the pool allocated to no state (2015/1601 "
     "Art 4(1)(c): 54 000, later usable for admissions from Turkey, 2016/1754)"),
    ("suspension.CODE", "number", "0 to 0.3, or 1", "none", "share of a bound state's allocation suspended: up to "
     "30 % under Art 4(5) of 2015/1601 (AT: Council Implementing Decision (EU) 2016/408), or 1, its obligations "
     "suspended in full under Art 9 of both decisions (SE: Council Decision (EU) 2016/946, until 16 June 2017)"),
    ("pledges.CODE", "whole number", "persons >= 0", "none", "a bound state's pledge (Resolution of 20 July 2015, "
     "used by 2015/1523 instead of the key); counted by split between the beneficiaries"),
    ("split.CODE", "number", "0 to 1, adding up to 1 over the beneficiaries", "IT 0.6, EL 0.4",
     "how a pledge counts towards each beneficiary (each part rounded half up)"),
)


#: The design's sub-tables (documented sections of the scenario file reference).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("suspension", "Share of a bound state's allocation suspended, per state (up to 30 %: 2016/408; in full: "
                   "2016/946)."),
    ("pledges", "A bound state's pledge in persons, used instead of the key (2015/1523)."),
    ("split", "How a pledge counts towards each benefitting state (default IT 0.6, EL 0.4)."),
)


def _weights(c, table: dict) -> FrozenDict | None:
    got = {k: c.number(table, f"{k}_weight", "design") for k in _DEFAULT_WEIGHTS}
    if any(f"{k}_weight" in table and v is None for k, v in got.items()):
        return None
    w = {k: (v if v is not None else _DEFAULT_WEIGHTS[k]) for k, v in got.items()}
    if sum(w.values()) != 1:
        c.add("design.population_weight", {f"{k}_weight": float(v) for k, v in w.items()},
              f"the four weights add up to {float(sum(w.values())):g}, not 1", "weights adding up to 1",
              origin=tuple(f"design.{k}_weight" for k in w))
        return None
    return FrozenDict(w)


def _per_code(c, table: dict, name: str, codes: tuple[str, ...], what: str) -> dict[str, Any]:
    doc = c.table(table.get(name), f"design.{name}", set(table.get(name) or {})
                  if isinstance(table.get(name), dict) else set())
    out = {}
    for code, v in doc.items():
        path = f"design.{name}.{code}"
        if not c.code(code, path):
            continue
        if code not in codes:
            c.add(path, code, f"not {what}", ", ".join(codes))
            continue
        out[code] = v
    return out


_SUSPENSION_ALLOWED = ("a share from 0 to 0.3 (Art 4(5) of 2015/1601), or 1 (the state's obligations suspended "
                       "in full, Art 9 of both decisions)")


def _suspension(c, table: dict, bound: tuple[str, ...]) -> FrozenDict:
    out = {}
    for code in _per_code(c, table, "suspension", bound, "a state the decisions bind"):
        v = c.number(table["suspension"], code, "design.suspension", hi=1, allowed=_SUSPENSION_ALLOWED)
        if v is not None and MAX_SUSPENSION < v < 1:
            c.add(f"design.suspension.{code}", float(v), "above the 30 % Art 4(5) of 2015/1601 allows, and not a "
                  "full suspension (Art 9)", _SUSPENSION_ALLOWED)
        elif v is not None:
            out[code] = v
    return FrozenDict(out)


def _pledges(c, table: dict, bound: tuple[str, ...]) -> FrozenDict:
    out = {}
    for code in _per_code(c, table, "pledges", bound, "a state the decisions bind"):
        v = c.integer(table["pledges"], code, "design.pledges", what="a whole number of persons")
        if v is not None:
            out[code] = v
    return FrozenDict(out)


def _split(c, table: dict, benefs: tuple[str, ...]) -> FrozenDict:
    if "split" not in table:
        default = {b: DEFAULT_SPLIT[b] for b in benefs if b in DEFAULT_SPLIT}
        return FrozenDict(default if sum(default.values()) == 1 else
                          {b: Fraction(1, len(benefs)) for b in benefs} if benefs else {})
    out = {}
    for code in _per_code(c, table, "split", benefs, "a benefitting state"):
        v = c.number(table["split"], code, "design.split")
        if v is not None:
            out[code] = v
    if out and sum(out.values()) != 1:
        c.add("design.split", {k: float(v) for k, v in out.items()},
              f"the shares add up to {float(sum(out.values())):g}, not 1", "shares adding up to 1")
    return FrozenDict(out)


def parse(c, table: dict, ctx) -> Relocation2015Settings | None:
    """Read ``[design]`` (without ``kind``) for the 2015 relocation schemes.

    Every problem is recorded on the checker ``c``; returns None when any was.
    """
    before = len(c.problems)
    table = c.table(table, "design", _TOP)
    bound = tuple(g for g in ctx.participants if g not in ctx.beneficiaries)
    weights = _weights(c, table)
    cap = c.number(table, "cap", "design")
    cap_base = c.enum(table, "cap_base", "design", CapBase)
    respread = c.enum(table, "respread", "design", Respread)
    rounding = c.enum(table, "rounding", "design", Method)
    act = c.enum(table, "act", "design", Act)
    lump = c.integer(table, "lump_sum_eur", "design", hi=1_000_000, what="whole EUR")
    year = c.integer(table, "criteria_year", "design", lo=2014, hi=2015, what="a year with bundled data")
    key_data = c.enum(table, "key_data", "design", KeyData)
    unallocated = c.integer(table, "unallocated", "design", what="a whole number of persons")
    suspension = _suspension(c, table, bound)
    pledges = _pledges(c, table, bound)
    split = _split(c, table, tuple(ctx.beneficiaries))
    if not ctx.beneficiaries:
        c.add("beneficiaries", "none", "the relocation decisions need a benefitting state to relocate from",
              "a [beneficiaries.CODE.needs] table with relocations, such as [beneficiaries.IT.needs]")
    if len(c.problems) > before:
        return None
    d = Relocation2015Settings()
    return Relocation2015Settings(
        act=act or d.act, weights=weights or d.weights, cap=d.cap if cap is None else cap,
        cap_base=cap_base or d.cap_base, respread=respread or d.respread, rounding=rounding or d.rounding,
        lump_sum_eur=d.lump_sum_eur if lump is None else lump, criteria_year=year or d.criteria_year,
        key_data=key_data or d.key_data, unallocated=unallocated or 0, suspension=suspension,
        pledges=pledges, split=split, given=tuple(sorted(table)))


__all__ = ["KEYS", "SECTIONS", "Act", "CapBase", "KeyData", "Relocation2015Settings", "Respread", "parse"]


#: The bundled 2015 key inputs (Eurostat's June 2016 extracts; data/SOURCES.md).
FILES = {"population": "key2015_population.csv", "gdp": "key2015_gdp.csv",
         "asylum": "key2015_asylum.csv", "resettled": "key2015_resettled.csv",
         "unemployment": "key2015_unemployment.csv"}


def key_data(scenario):
    """Population and GDP for the key (called by :func:`solidarity.inputs.data.load_data`):
    the scenario's [data] with ``key_data = "scenario"``, else the bundled 2015
    inputs (population 1 January 2014, GDP 2013) of the states bound."""
    from .data import GDP, POPULATION, data_dir, load_data, load_indicator

    s = scenario.design_settings
    if s.key_data is KeyData.SCENARIO:
        return load_data(scenario, design=False)
    bound = [g for g in scenario.participants if g not in scenario.beneficiaries]
    folder = data_dir()
    return (load_indicator(POPULATION, year=2014, path=folder / FILES["population"], require=bound, max_change=0),
            load_indicator(GDP, year=2013, path=folder / FILES["gdp"], require=bound, max_change=0))
