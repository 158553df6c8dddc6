"""One registry of every table the package writes.

Each :class:`TableSpec` names the table, its primary key, and each column's
type, unit and meaning. The writers (CSV, Parquet, JSON with its column
documentation, the workbook), ``compare``, ``verify`` and the documentation's
table reference (generated from it) all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..schema import BENEFICIARY, GEO, TYPE, YEAR, Design


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  #: str, int, float, bool, or "Int" (whole number, may be empty)
    unit: str  #: persons, EUR, million EUR, fraction, year, code, text, flag
    doc: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, dtype, unit, doc) -> Column:
    return Column(name, dtype, unit, doc)


_GEO = _c(GEO, "str", "code", "Eurostat country code")
_TYPE = _c(TYPE, "str", "text", "relocation, financial or alternative")
_UNIT = _c("unit", "str", "text", "persons or EUR")

REGISTRY: dict[str, TableSpec] = {t.name: t for t in (
    TableSpec("shares", "the key and each state's fair share, deduction and obligation", (GEO,), (
        _GEO, _c("country", "str", "text", "country name"),
        _c("status", "str", "text", "status in the cycle (Art 11 decision or Art 59 declaration)"),
        _c("population", "int", "persons", "population on 1 January"),
        _c("population_flag", "str", "flag", "Eurostat flag of the population value (p provisional, "
           "e estimated, b break; empty: none)"),
        _c("gdp_meur", "float", "million EUR", "GDP at current market prices"),
        _c("gdp_flag", "str", "flag", "Eurostat flag of the GDP value"),
        _c("population_share", "float", "fraction", "share of the participants' population"),
        _c("gdp_share", "float", "fraction", "share of the participants' GDP"),
        _c("key_share", "float", "fraction", "distribution key share (Art 66): weighted population and "
           "GDP shares"),
        _c("fair_share_eur", "int", "EUR", "fair share of the pool: key_share x the pool's EUR value, "
           "apportioned to whole euros adding up exactly to it; one obligation, payable in any mix"),
        _c("fair_share_relocations", "int", "persons", "the fair share's relocation equivalent before "
           "deductions: the smallest number of persons whose value covers it, ceil(fair_share_eur / e); "
           "the figure the Commission publishes with each fair share (DE 2026: 21.6890 % x 21 000 = "
           "4 554.69, published as 4 555 relocations), so the column adds up to a little more than R"),
        _c("relocations_quota", "float", "persons", "exact quota of the pool's R relocations "
           "(not rounded)"),
        _c("relocations_apportioned", "int", "persons", "the pool's R apportioned to whole persons "
           "adding up exactly to R (method in meta): the form of tables that total the pool, not the "
           "Commission's published figure and not an obligation"),
        _c("deduction", "float", "fraction", "deduction granted (Art 61, 62), share of the fair share"),
        _c("deduction_source", "str", "text", "scenario, or default: a benefitting state is fully "
           "deducted unless the scenario says otherwise (Art 60(3))"),
        _c("deduction_eur", "int", "EUR", "euros deducted: deduction x fair_share_eur, halves up"),
        _c("redistributed_eur", "int", "EUR", "deducted euros of others given to this state, pro rata "
           "to the key (only with pool.redistribute_deductions)"),
        _c("credit_used_eur", "int", "EUR", "crisis credit used this cycle (CR Art 9)"),
        _c("obligation_eur", "int", "EUR", "obligation after deduction, redistribution and credit, "
           "payable in any mix of types"),
        _c("obligation_relocations", "int", "persons", "the obligation's relocation equivalent, "
           "ceil(obligation_eur / e)"),
        _c("apportionment_tie", "bool", "flag", "true if the state was in a tie decided by the tie "
           "rule (relocations_apportioned)"),
    )),
    TableSpec("obligations", "per state: obligation, value pledged and where it came from", (GEO,), (
        _GEO, _c("obligation_eur", "int", "EUR", "obligation after deduction"),
        _c("pledged_value_eur", "int", "EUR", "value of all pledges (relocations at e)"),
        _c("unmet_eur", "int", "EUR", "obligation not covered by pledges"),
        _c("above_obligation_eur", "int", "EUR", "pledged above the obligation, as the state's own "
           "floors, recorded pledge or stated preference imply (whole persons round up)"),
        _c("deviation_value_eur", "int", "EUR", "value of the deviation from the stated preference: the "
           "larger of the value pledged above it and the value pledged below it (a euro moved from one "
           "type to another counts once)"),
        _c("source", "str", "text", "recorded (the Council act's pledge), stated (the state's "
           "preference, floors or caps) or assumed (nothing stated: the model chose)"),
        _c("model_chooses", "bool", "flag", "true for a state the model chooses for (fairness level)"),
        _c("assumed_value_eur", "int", "EUR", "value of the pledges whose source is assumed"),
    )),
    TableSpec("pledges", "per state and type: pledge, its source, limits and how much is called",
              (GEO, TYPE), (
        _GEO, _TYPE, _UNIT, _c("units", "int", "unit", "amount pledged"),
        _c("value_eur", "int", "EUR", "value pledged"),
        _c("source", "str", "text", "recorded (the Council act's pledge), stated (the state's "
           "preference, floors or caps) or assumed (the state stated nothing; the model chose)"),
        _c("preferred_units", "Int", "unit", "the recorded or stated amount (empty: nothing stated)"),
        _c("deviation_units", "Int", "unit", "units - preferred_units (empty: nothing stated)"),
        _c("min_units", "Int", "unit", "floor set by the scenario (empty: none)"),
        _c("max_units", "Int", "unit", "cap set by the scenario or implied by Art 57(2) (empty: none)"),
        _c("limit", "str", "text", "what holds the pledge: recorded, floor, cap, or empty"),
        _c("called_units", "int", "unit", "allocated to beneficiaries: the same share of every "
           "pledge of this type (Art 60(3)), whole units"),
        _c("unallocated_units", "int", "unit", "pledged but not called (money: nor earmarked for third "
           "countries)"),
        _c("third_country_eur", "Int", "EUR", "money row: the part earmarked for actions in or in relation "
           "to third countries (Art 56(2)(b), Art 64), counted in the fair share, never called by a "
           "beneficiary; empty on the other rows"),
    )),
    TableSpec("flows", "who sends what to whom", (GEO, BENEFICIARY, TYPE), (
        _c(GEO, "str", "code", "contributing state"), _c(BENEFICIARY, "str", "code", "benefitting state"),
        _TYPE, _UNIT, _c("units", "int", "unit", "amount sent"), _c("value_eur", "int", "EUR", "value sent"),
    )),
    TableSpec("beneficiaries", "per beneficiary and type: need and what it receives", (BENEFICIARY, TYPE), (
        _c(BENEFICIARY, "str", "code", "benefitting state"), _TYPE, _UNIT,
        _c("sar", "bool", "flag", "true for a search-and-rescue disembarkation state (Art 57(2))"),
        _c("need", "int", "unit", "need stated in the scenario"),
        _c("cap", "int", "unit", "the most it can receive: its need, and no more than the others pledged"),
        _c("received", "int", "unit", "allocated"),
        _c("received_eur", "int", "EUR", "value allocated (relocations at e)"),
        _c("shortfall", "int", "unit", "need - received"),
        _c("coverage", "float", "fraction", "received / need (empty if no need)"),
    )),
    TableSpec("offsets", "responsibility offsets (Art 63)", (GEO,), (
        _GEO, _c("obligation_relocations", "int", "persons", "the obligation's relocation equivalent "
                 "(fair share in persons after deduction, as in shares): the basis of the cap"),
        _c("pledged_relocations", "int", "persons", "relocations pledged"),
        _c("cap", "int", "persons", "most the state can owe: obligation_relocations minus relocations "
           "pledged (Art 63(7))"),
        _c("offset", "int", "persons", "mandatory responsibility offsets owed (Art 63(3)), pro rata "
           "to the key; owed in addition to the pledges"),
        _c("binding", "bool", "flag", "true if the offset reached the cap"),
        _c("voluntary_eligible", "bool", "flag", "true if e x relocations pledged >= state_share x "
           "its fair share (Art 63(2)(b))"),
    )),
    TableSpec("pool", "the pool's totals, thresholds and targets", ("item",), (
        _c("item", "str", "text", "pool item"), _UNIT,
        _c("amount", "Int", "unit", "the number itself (pledged, received, covered...)"),
        _c("reference", "Int", "unit", "what it is measured against (empty: nothing)"),
        _c("shortfall", "Int", "unit", "max(0, reference - amount) where that is meaningful"),
        _c("status", "str", "text", "for thresholds: open/closed, triggered/not triggered"),
        _c("rule", "str", "text", "article and parameter behind the item"),
    )),
    TableSpec("crisis", "a Solidarity Response Plan (CR Art 8, 9)", (GEO,), (
        _GEO, _c("from_unallocated", "int", "persons", "pool relocation pledges not allocated or not "
                 "implemented, moved to the plan (CR Art 8)"),
        _c("additional", "int", "persons", "additional pledges for the plan"),
        _c("within_fair_share", "int", "persons", "mandatory offsets up to the fair share (CR Art 9)"),
        _c("above_fair_share", "int", "persons", "mandatory offsets above the fair share"),
        _c("total", "int", "persons", "all the state gives to the plan"),
        _c("credit_eur", "int", "EUR", "credit earned: above_fair_share x e"),
    )),
    TableSpec("credits", "crisis credits by the cycle in which they reduce the obligation", (GEO, YEAR), (
        _GEO, _c(YEAR, "int", "year", "cycle in which the credit reduces the obligation"),
        _c("credit_eur", "int", "EUR", "credit usable in that cycle (the credit spread evenly, CR Art 9)"),
    )),
    TableSpec("ledger", "several cycles in a row, per state and year", (GEO, YEAR), (
        _GEO, _c(YEAR, "int", "year", "cycle year"),
        _c("deduction", "float", "fraction", "deduction granted in the cycle"),
        _c("obligation_eur", "int", "EUR", "obligation after deduction, redistribution and credit"),
        _c("credit_available_eur", "int", "EUR", "crisis credit available in the cycle"),
        _c("credit_used_eur", "int", "EUR", "crisis credit used against the obligation"),
        _c("pledged_value_eur", "int", "EUR", "value of all pledges"),
        _c("implemented_value_eur", "int", "EUR", "value implemented in the cycle (Art 60(3))"),
        _c("carried_in_relocations", "int", "persons", "unimplemented relocation pledges from earlier cycles"),
        _c("carried_out_relocations", "int", "persons", "relocation pledges left unimplemented, carried forward"),
        _c("credit_earned_eur", "int", "EUR", "crisis credit earned in the cycle (CR Art 9)"),
    )),
    TableSpec("design_states", "per state, under a design other than the adopted Pact: its role, key share, "
              "persons and money, and the rule that gave them", (GEO,), (
        _GEO, _c("country", "str", "text", "country name"),
        _c("role", "str", "text", "bound (the design's rules apply to it), beneficiary (persons are "
           "relocated from it) or outside (neither, such as a state that opted out of the acts)"),
        _c("key_share", "float", "fraction", "the design's key share (empty: none, as for a beneficiary)"),
        _c("persons", "Int", "persons", "persons the design asks the state to take in (its allocation)"),
        _c("relocated_from", "Int", "persons", "persons relocated or allocated away from the state "
           "(a beneficiary, or a state under pressure)"),
        _c("pays_eur", "Int", "EUR", "money the state pays under the design (a solidarity contribution "
           "instead of taking persons)"),
        _c("receives_eur", "Int", "EUR", "money the state receives (a lump sum per person it takes, "
           "a contribution paid for persons it takes instead of another)"),
        _c("rule", "str", "text", "which rule of which act gave the state its persons (article cited)"),
    )),
    TableSpec("meta", "provenance: scenario, data, parameters, solver and its levels", ("key",), (
        _c("key", "str", "text", "what"), _c("value", "str", "text", "value (text)"),
    )),
)}



def register(spec: TableSpec) -> TableSpec:
    """Add a table defined by another module (compare, sweep...) to the registry."""
    if spec.name in REGISTRY and REGISTRY[spec.name] != spec:
        raise ValueError(f"table {spec.name!r} is already registered differently")
    REGISTRY[spec.name] = spec
    return spec


#: Modules that register tables of their own when imported (the studies and
#: the designs' runners: later stages, so imported by name, not at the top).
REGISTERING = ("solidarity.studies.compare", "solidarity.studies.sweep",
               *(f"solidarity.designs.{d.module_name}" for d in Design if d.module_name))


def all_specs() -> dict[str, TableSpec]:
    """Every table, including those the studies and the designs register (imported here)."""
    import importlib
    for mod in REGISTERING:
        importlib.import_module(mod)
    return dict(REGISTRY)


_DTYPES: dict[str, Any] = {"str": object, "int": np.int64, "float": np.float64, "bool": bool, "Int": "Int64"}


def frame(name: str, rows) -> pd.DataFrame:
    """A table from rows (dicts or a DataFrame), with the registry's columns,
    order and types, indexed by its primary key."""
    spec = REGISTRY[name]
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=spec.names)
    df = df[spec.names].copy()
    for c in spec.columns:
        if c.dtype == "str":
            df[c.name] = df[c.name].fillna("").astype(str).astype(object)
        else:
            df[c.name] = df[c.name].astype(_DTYPES[c.dtype])
    return df.set_index(list(spec.key))


def flat(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The table with its key as ordinary columns, in registry order (for writers)."""
    spec = REGISTRY.get(name)
    out = df.reset_index() if df.index.names != [None] else df
    return out[spec.names] if spec is not None else out
