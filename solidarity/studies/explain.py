"""One state's result in words and numbers, from the data to the flows.

:func:`explain` reads a :class:`~solidarity.pipeline.Result` and returns an
:class:`Explanation`: sections of facts, each fact a sentence template whose
numbers are all :class:`Value` objects taken from the result (no number is
written into a template). :meth:`Explanation.text` and
:meth:`Explanation.to_json` render the same facts; :meth:`Explanation.from_dict`
reads the JSON back.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..numbers import decimal, percent
from ..optimise.model import ALT, FIN, IN_KIND, REL
from ..outputs.summary import num
from ..schema import GDP, GEO, KNOWN_CODES, POPULATION, TYPES, Design, SolidarityType

# --- the typed structure ----------------------------------------------------------

UNITS = ("EUR", "persons", "fraction", "million EUR", "year", "count", "weight", "text")


@dataclass(frozen=True)
class Value:
    """A number (or a word) with its unit, one of :data:`UNITS`."""

    value: int | float | str
    unit: str

    def show(self, places: int | None = None) -> str:
        """The value as the text shows it (thousands separated, unit named);
        ``places``: a fraction's decimals as a percentage (default: up to 4,
        trailing zeros dropped)."""
        v, u = self.value, self.unit
        if isinstance(v, str) or u in ("text", "year"):
            return str(v)
        if u == "EUR":
            return f"EUR {num(v)}" if isinstance(v, int) else f"EUR {_dec(v, 2)}"
        if u == "million EUR":
            return f"EUR {_dec(v, 1)} million"
        if u == "persons":
            return f"{num(int(v))} person{'' if v == 1 else 's'}"
        if u == "fraction":
            return percent(float(v), places if places is not None else self.places())
        if u == "count":
            return num(int(v))
        text = f"{v:g}"  # weight: as written, thousands separated as elsewhere
        whole, dot, frac = text.partition(".")
        return num(int(whole)) + dot + frac if whole.lstrip("-").isdigit() and abs(v) >= 1000 else text

    def places(self) -> int:
        """Decimals a fraction needs as a percentage, at most 4 (``0.5`` -> 0, ``0.216857`` -> 4)."""
        text = _dec(100 * float(self.value), 4).rstrip("0")
        return len(text) - text.index(".") - 1

    def to_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit}


def _dec(x: float, places: int) -> str:
    """A decimal with the thousands separator :func:`num` uses."""
    return decimal(x, places)


@dataclass(frozen=True)
class Fact:
    """One sentence: ``template`` with ``{name}`` fields filled from ``values``
    (kept in the order the template uses them; a value the template does not
    use is dropped, a missing one is a KeyError)."""

    key: str
    template: str
    values: Mapping[str, Value] = field(default_factory=dict)

    def __post_init__(self):
        used = re.findall(r"{(\w+)}", self.template)
        missing = set(used) - set(self.values)
        if missing:
            raise KeyError(f"fact {self.key!r}: no value for {sorted(missing)}")
        object.__setattr__(self, "values", {k: self.values[k] for k in dict.fromkeys(used)})

    def shown(self) -> dict[str, str]:
        """Each value as the sentence shows it: every percentage in one
        sentence with the same number of decimals (the most any of them needs)."""
        fractions = [v for v in self.values.values() if v.unit == "fraction" and not isinstance(v.value, str)]
        places = max((v.places() for v in fractions), default=0)
        return {k: v.show(places) if v.unit == "fraction" else v.show() for k, v in self.values.items()}

    def text(self) -> str:
        return self.template.format_map(self.shown())

    def to_dict(self) -> dict:
        return {"text": self.text(), "template": self.template,
                "values": {k: v.to_dict() for k, v in self.values.items()}}


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    facts: tuple[Fact, ...]

    def fact(self, key: str) -> Fact:
        return next(f for f in self.facts if f.key == key)


@dataclass(frozen=True)
class Explanation:
    """A state's result, section by section (see the module docstring)."""

    state: str
    country: str
    scenario: str
    year: int
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def value(self, section: str, fact: str, name: str) -> int | float | str:
        """Shortcut to one number: ``value("fair_share", "eur", "fair_share_eur")``."""
        return self.section(section).fact(fact).values[name].value

    def __repr__(self) -> str:
        return (f"<Explanation {self.state} in {self.scenario!r} ({self.year}): "
                f"{', '.join(s.key for s in self.sections)}; .text() for the text>")

    def _repr_html_(self) -> str:
        from ..outputs.notebook import block

        return block(self.title(), lists={s.title: [f.text() for f in s.facts] for s in self.sections},
                     hint=".text() for plain text, .to_dict() or .to_json() for the numbers")

    def title(self) -> str:
        return f"{self.country} ({self.state}) in {self.scenario} ({self.year})"

    def text(self) -> str:
        lines = [self.title()]
        for s in self.sections:
            lines += ["", s.title]
            lines += [f"- {f.text()}" for f in s.facts]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        """Keyed: sections by key, facts by key, values by name."""
        return {"state": self.state, "country": self.country, "scenario": self.scenario,
                "year": self.year,
                "sections": {s.key: {"title": s.title, "facts": {f.key: f.to_dict() for f in s.facts}}
                             for s in self.sections}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Explanation:
        """Read :meth:`to_dict` (or parsed :meth:`to_json`) back."""
        return cls(state=doc["state"], country=doc["country"], scenario=doc["scenario"], year=doc["year"],
                   sections=tuple(Section(k, s["title"], tuple(
                       Fact(fk, f["template"], {n: Value(v["value"], v["unit"]) for n, v in f["values"].items()})
                       for fk, f in s["facts"].items())) for k, s in doc["sections"].items()))


# --- building it ------------------------------------------------------------------

#: Each design's explainer: a module exporting ``explain_design(result, state) -> Explanation``.
DESIGN_EXPLAINERS: dict[Design, str] = {d: f"solidarity.studies.explain_{d.module_name}" for d in Design
                                        if d.module_name}

def _eur(v) -> Value:
    return Value(int(v), "EUR")


def _eur_exact(x) -> Value:
    """EUR as a whole number when it is one, else with cents."""
    return _eur(x) if x == int(x) else Value(float(x), "EUR")


def _persons(v) -> Value:
    return Value(int(v), "persons")


def _frac(v) -> Value:
    return Value(float(v), "fraction")


def _text(v) -> Value:
    return Value(str(v), "text")


def _amount(t: int, v) -> Value:
    return _persons(v) if TYPES[t] is SolidarityType.RELOCATION else _eur(v)


_TYPE_WORD = {"relocation": "relocations", "financial": "money", "alternative": "alternative measures"}
_SOURCE_WORD = {"recorded": "recorded: the Council act's pledge, fixed",
                "stated": "stated: the state's own preference, floors or caps",
                "assumed": "assumed: it stated nothing and the model chose"}


def _names(items: list[str]) -> str:
    return "none" if not items else items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_state(scenario, state: str, where: str = "state", file: str | None = None) -> None:
    """Raise :class:`~solidarity.errors.InputError` unless ``state`` is a
    participant of ``scenario``; the error lists the participants."""
    parts = tuple(scenario.participants)
    if scenario.design is not Design.AMMR:  # a design explains its beneficiaries too
        parts += tuple(b for b in scenario.beneficiaries if b not in parts)
        # and, if its explainer says so (``states(scenario)``), the states outside it
        others = getattr(importlib.import_module(DESIGN_EXPLAINERS[scenario.design]), "states", None) \
            if importlib.util.find_spec(DESIGN_EXPLAINERS[scenario.design]) else None
        parts += tuple(g for g in (others(scenario) if others else ()) if g not in parts)
    if state in parts:
        return
    if state in KNOWN_CODES:
        msg = f"{KNOWN_CODES[state]} is not a participant in this scenario"
    elif state.upper() in parts:
        msg = f"unknown country code (codes are upper case: {state.upper()})"
    else:
        msg = "unknown country code" + (" (Eurostat writes Greece as EL)" if state.upper() == "GR" else "")
    raise InputError(Problem(file or str(scenario.path), where, state, msg,
                             "one of the participants: " + " ".join(parts)))


@dataclass
class _Ctx:
    """What every section reads."""

    res: Any
    g: str
    i: int

    def __post_init__(self):
        r = self.res
        self.t, self.inp, self.sol, self.sc = r.tables, r.inputs, r.solution, r.scenario
        self.st = self.sc.state(self.g)
        self.rate = int(self.inp.rate)
        self.u = self.inp.unit_value
        self.sh = self.t["shares"].loc[self.g]
        self.ob = self.t["obligations"].loc[self.g]
        self.pl = self.t["pledges"].xs(self.g, level=GEO)
        self.p = self.sol.pledges[self.i]


def explain(result, state: str) -> Explanation:
    """Explain one participant's result.

    Parameters
    ----------
    result : a :class:`~solidarity.pipeline.Result`, or a
        :class:`~solidarity.designs.DesignResult` (its design's explainer
        says which rule of which act gave the state its numbers).
    state : the participant's Eurostat code (``EL`` for Greece).

    Raises
    ------
    InputError : ``state`` is unknown or not a participant (the error lists
        the participants).
    """
    check_state(result.scenario, state)
    if result.scenario.design is not Design.AMMR:
        return importlib.import_module(DESIGN_EXPLAINERS[result.scenario.design]).explain_design(result, state)
    c = _Ctx(result, state, list(result.inputs.contributors).index(state))
    sections = [_data(c), _key(c), _fair_share(c), _obligation(c), _pledges(c), _levels(c), _offsets(c),
                _calls(c), _beneficiary(c), _crisis(c)]
    return Explanation(state=state, country=KNOWN_CODES.get(state, state), scenario=c.sc.name,
                       year=int(c.sc.year), sections=tuple(s for s in sections if s is not None and s.facts))


def _data(c: _Ctx) -> Section:
    facts = []
    for key, ind, col, what in (("population", c.res.population, POPULATION, "Population in"),
                                ("gdp", c.res.gdp, GDP, "GDP in")):
        raw = c.sh[col]
        v = Value(int(raw), "persons") if key == "population" else Value(float(raw), "million EUR")
        flag = ind.flags.get(c.g, "")
        facts.append(Fact(key, what + " {year} ({what}): {value}. Release: {vintage}; file: {source}. "
                          "Eurostat flag: {flag}.",
                          {"year": Value(int(ind.year), "year"), "what": _text(ind.unit), "value": v,
                           "vintage": _text(ind.vintage),
                           "source": _text(ind.source), "flag": _text(flag or "none")}))
        note = ind.notes.get(c.g, "")
        if note:
            facts.append(Fact(f"{key}_note", "Note on this value: {note}.", {"note": _text(note)}))
    return Section("data", "Data", tuple(facts))


def _key(c: _Ctx) -> Section:
    sh = c.t["shares"]
    w = {k: float(v) for k, v in c.sc.key.weights.items()}
    n = Value(len(sh), "count")
    facts = [
        Fact("population_share", "Population share: {population} of {total} in the {n} participants "
             "= {share}.", {"population": _persons(c.sh[POPULATION]), "total": _persons(sh[POPULATION].sum()),
                            "n": n, "share": _frac(c.sh["population_share"])}),
        Fact("gdp_share", "GDP share: {gdp} of {total} = {share}.",
             {"gdp": Value(float(c.sh[GDP]), "million EUR"), "total": Value(float(sh[GDP].sum()), "million EUR"),
              "share": _frac(c.sh["gdp_share"])}),
        Fact("key_share", "Key share (Art 66, Annex I) = {wp} x population share + {wg} x GDP share "
             "= {wp} x {ps} + {wg} x {gs} = {key_share}.",
             {"wp": Value(w.get(POPULATION, 0.0), "weight"), "wg": Value(w.get(GDP, 0.0), "weight"),
              "ps": _frac(c.sh["population_share"]), "gs": _frac(c.sh["gdp_share"]),
              "key_share": _frac(c.sh["key_share"])}),
    ]
    return Section("key", "Key share", tuple(facts))


def _fair_share(c: _Ctx) -> Section:
    pool = c.sc.pool
    quota = c.res.shares.euros.quotas[c.g]
    fs = int(c.sh["fair_share_eur"])
    facts = [
        Fact("pool", "The pool (Art 57(1)): {pool_eur}, the same pool as {pool_relocations} at {rate} each.",
             {"pool_eur": _eur(pool.value_eur), "pool_relocations": _persons(pool.relocations),
              "rate": _eur(c.rate)}),
        Fact("eur", "Fair share = key share x pool = {key_share} x {pool_eur} = {quota} before rounding; the "
             "pool is apportioned to whole euros by largest remainder, so that the fair shares add up to "
             "exactly {pool_eur}: {fair_share_eur}.",
             {"key_share": _frac(c.sh["key_share"]), "pool_eur": _eur(pool.value_eur),
              "quota": Value(float(quota), "EUR"), "fair_share_eur": _eur(fs)}),
        Fact("persons", "In persons: ceil({fair_share_eur} / {rate}) = {fair_share_relocations}, the "
             "smallest number of persons whose value covers the fair share; this is the figure the Commission "
             "publishes with each fair share (rounded up, so that all the states' figures add up to {sum_fair}, "
             "not {pool_relocations}).",
             {"fair_share_eur": _eur(fs), "rate": _eur(c.rate),
              "fair_share_relocations": _persons(c.sh["fair_share_relocations"]),
              "sum_fair": _persons(c.t["shares"]["fair_share_relocations"].sum()),
              "pool_relocations": _persons(pool.relocations)}),
        Fact("apportioned", "Apportioned: the pool's {pool_relocations} shared out in whole persons "
             "(key.method {method}) gives it {relocations_apportioned}; all the states' figures add up to "
             "{sum_apportioned}, the form of tables that total the pool, not the Commission's published figure "
             "and not an obligation.",
             {"pool_relocations": _persons(pool.relocations),
              "method": _text(c.res.shares.relocations.method.value),
              "relocations_apportioned": _persons(c.sh["relocations_apportioned"]),
              "sum_apportioned": _persons(c.t["shares"]["relocations_apportioned"].sum())}),
    ]
    return Section("fair_share", "Fair share", tuple(facts))


def _obligation(c: _Ctx) -> Section:
    d, cut = float(c.sh["deduction"]), int(c.sh["deduction_eur"])
    src = str(c.sh["deduction_source"])
    facts = []
    if cut == 0 and d == 0:
        facts.append(Fact("deduction", "No deduction: the scenario grants none."))
    else:
        why = ("a benefitting state is fully deducted unless the scenario says otherwise (Art 60(3))"
               if c.st.deduction_default else "set by the scenario")
        facts.append(Fact("deduction", "Deduction (Art 61 and Art 62): {deduction} of the fair share, "
                          "{deduction_eur} (halves rounded up); source: {source}, {why}.",
                          {"deduction": _frac(d), "deduction_eur": _eur(cut), "source": _text(src),
                           "why": _text(why)}))
    terms, vals = "{fair_share_eur}", {"fair_share_eur": _eur(c.sh["fair_share_eur"])}
    for col, sign, label in (("deduction_eur", "-", "deduction"), ("redistributed_eur", "+", "redistributed"),
                             ("credit_used_eur", "-", "crisis credit")):
        if int(c.sh[col]):
            terms += f" {sign} {{{col}}} ({label})"
            vals[col] = _eur(c.sh[col])
    head = "Obligation: " + terms + " = {obligation_eur}" if len(vals) > 1 else \
        "Obligation: the whole fair share, {obligation_eur}"
    vals.update(obligation_eur=_eur(c.sh["obligation_eur"]), rate=_eur(c.rate),
                obligation_relocations=_persons(c.sh["obligation_relocations"]))
    facts.append(Fact("obligation", head + ", or "
                      "ceil({obligation_eur} / {rate}) = {obligation_relocations}, payable in any mix of "
                      "relocations, money and alternative measures (Art 56).", vals))
    return Section("obligation", "Deduction and obligation", tuple(facts))


def _pledges(c: _Ctx) -> Section:
    facts = []
    for t, typ in enumerate(TYPES):
        r = c.pl.loc[typ.value]
        vals = {"units": _amount(t, r["units"]), "source": _text(_SOURCE_WORD[r["source"]])}
        tpl = _TYPE_WORD[typ.value].capitalize() + ": {units}"
        if t == REL:
            tpl += ", worth {value_eur}"
            vals["value_eur"] = _eur(r["value_eur"])
        tpl += "; {source}."
        if r["source"] == "stated" and not _na(r["preferred_units"]):
            tpl += " Stated: {preferred}."
            vals["preferred"] = _amount(t, r["preferred_units"])
        if r["source"] != "recorded":
            if not _na(r["min_units"]):
                tpl += " Floor: {floor}."
                vals["floor"] = _amount(t, r["min_units"])
            if not _na(r["max_units"]):
                by = "set by the scenario" if c.st.maximum.get(typ) == int(r["max_units"]) else \
                    "implied by Art 57(2)"
                tpl += " Cap: {cap}, {cap_by}."
                vals.update(cap=_amount(t, r["max_units"]), cap_by=_text(by))
            if r["limit"]:
                tpl += " The pledge is at its {limit}."
                vals["limit"] = _text(r["limit"])
        facts.append(Fact(typ.value, tpl, vals))
        if typ is SolidarityType.FINANCIAL and not _na(r["third_country_eur"]) and int(r["third_country_eur"]):
            facts.append(_third_country(c, r))
    kinds = [_TYPE_WORD[typ.value] for t, typ in enumerate(TYPES) if c.p[t] > 0]
    mix = "nothing" if not kinds else kinds[0] + " only" if len(kinds) == 1 else _names(kinds)
    vals = {"mix": _text(mix), "pledged": _eur(c.ob["pledged_value_eur"]), "obligation": _eur(c.ob["obligation_eur"])}
    tpl = "It pledges {mix}: {pledged} against an obligation of {obligation}"
    if int(c.ob["obligation_eur"]) == 0 and int(c.ob["pledged_value_eur"]) == 0:
        tpl, vals = "It owes nothing this cycle and pledges nothing.", {}
    elif int(c.ob["unmet_eur"]):
        tpl += "; {unmet} unmet."
        vals["unmet"] = _eur(c.ob["unmet_eur"])
    elif int(c.ob["above_obligation_eur"]):
        tpl += "; {above} above it, because whole persons round up."
        vals["above"] = _eur(c.ob["above_obligation_eur"])
    else:
        tpl += ": covered."
    facts.append(Fact("total", tpl, vals))
    return Section("pledges", "Pledges", tuple(facts))


def _third_country(c: _Ctx, r) -> Fact:
    """Money earmarked for third countries (Art 56(2)(b), Art 64): in the
    fair share, never called by a benefitting state."""
    tpl = ("Of this money, {earmarked} is earmarked for actions in or in relation to third countries "
           "(Art 56(2)(b), Art 64): it counts in the fair share like any money, and no benefitting state "
           "calls on it; {called} of the rest is called.")
    if c.st.fixed is None:
        tpl += " The earmark is a floor on the state's money."
    return Fact("third_country", tpl, {"earmarked": _eur(r["third_country_eur"]), "called": _eur(r["called_units"])})


def _na(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


# --- solve levels ---------------------------------------------------------------

_LEVEL = {"unmet": "Unmet obligations", "unmet_order": "Order of unmet amounts",
          "people_first": "People first", "state_order": "Order of states", "deviation": "Stated preference",
          "deviation_order": "Order of deviations", "needs": "Needs", "type_balance": "Balance of types",
          "in_kind": "In-kind pledges", "fairness": "Proportional fairness",
          "balance": "Balanced distribution"}
_SKIPPED = {"deviation": "no state stated a preference", "deviation_order": "no state stated a preference",
            "needs": "no beneficiary stated needs", "type_balance": "fewer than two types have needs",
            "in_kind": "the model chooses for no state", "state_order": "every pledge is recorded",
            "people_first": "nobody needs relocations",
            "fairness": "the model chooses for no state",
            "balance": "no beneficiary stated needs"}


def _levels(c: _Ctx) -> Section:
    """What each solve level decided, seen from this state (``result.solve.trace``)."""
    facts = [Fact("bound", "What bound it: {bound}.", {"bound": _text("; ".join(_binding(c)))})]
    for tr in c.res.solve.trace:
        label = _LEVEL.get(tr.name, tr.name)
        if tr.method == "skipped":
            facts.append(Fact(tr.name, label + ": skipped, {why}.",
                              {"why": _text(_SKIPPED.get(tr.name, tr.note))}))
            continue
        tpl, vals = _LEVEL_FACT[tr.name](c, c.res.solve.objective.get(tr.name))
        facts.append(Fact(tr.name, label + ": " + tpl, vals))
    return Section("levels", "How the model decided, level by level", tuple(facts))


def _dev(c: _Ctx) -> np.ndarray:
    return (c.p - c.inp.preferred[c.i]) if c.inp.stated[c.i] else np.zeros(3, dtype=np.int64)


def _cuts(c: _Ctx) -> list[tuple[str, str, dict]]:
    """Why a stated preference could not be met: (words, template, values) per limit that cut it."""
    inp, i, out = c.inp, c.i, []
    pref, lo, hi = inp.preferred[i], inp.lower[i], inp.upper[i]
    for t, typ in enumerate(TYPES):
        word = _TYPE_WORD[typ.value]
        if 0 <= hi[t] < pref[t]:
            own = c.st.maximum.get(typ)
            if t == ALT and (own is None or own > hi[t]):
                others = [g for g, s, a in zip(inp.contributors, inp.stated, inp.preferred[:, ALT]) if s and a > 0]
                out.append(("the Art 57(2) limit on alternative measures (only up to what was requested)",
                            ("Art 57(2) allows alternative measures only up to what the beneficiaries "
                            "requested, {alt_need}, less {alt_recorded} of recorded pledges; that room is "
                            "shared among {alt_states} pro rata to their obligations, which caps its "
                            "alternative measures at {alt_cap}"),
                            {"alt_need": _eur(inp.needs[:, ALT].sum()),
                             "alt_recorded": _eur(inp.preferred[inp.recorded, ALT].sum()),
                             "alt_states": _text(_names(others)), "alt_cap": _eur(hi[t])}))
            else:
                out.append((f"its cap on {word}", f"its cap on {word} is {{cap_{typ.value}}}",
                            {f"cap_{typ.value}": _amount(t, hi[t])}))
        elif lo[t] > pref[t]:
            out.append((f"its floor on {word}", f"its floor on {word} is {{floor_{typ.value}}}",
                        {f"floor_{typ.value}": _amount(t, lo[t])}))
    return out


_NEED_WORD = {"relocation": "relocation", "financial": "money", "alternative": "alternative-measure"}


def _short(c: _Ctx, words: dict = _TYPE_WORD) -> list[str]:
    """The types whose needs the pool leaves short."""
    return [words[typ.value] for t, typ in enumerate(TYPES) if c.sol.need_shortfall[:, t].sum() > 0]


def _binding(c: _Ctx) -> list[str]:
    """What held this state's pledge, in words (no numbers)."""
    inp, i, out = c.inp, c.i, []
    o = int(inp.obligation[i])
    if inp.recorded[i]:
        out.append("its recorded pledge, which the model may not change")
    elif o == 0:
        out.append("nothing: it owes nothing this cycle after its deduction")
    if int(c.ob["unmet_eur"]) and not inp.recorded[i]:
        out.append("its caps, which leave part of its obligation unmet")
    cuts = _cuts(c) if inp.stated[i] else []
    if inp.stated[i]:
        out.append("its stated preference" + (", cut by " + _names([w for w, _, _ in cuts]) if cuts else "")
                   + (", which the needs may move (priority 'needs')" if inp.free[i] else ""))
    if not cuts and not inp.recorded[i]:
        out += [f"its {r['limit']} on {_TYPE_WORD[typ]}" for typ, r in c.pl.iterrows()
                if r["limit"] in ("cap", "floor")]
    if inp.free[i] and o > 0:
        out.append("its obligation, in a mix the model chose" + ("" if inp.stated[i] else " as it stated nothing"))
        tr = {t.name: t for t in c.res.solve.trace}
        if _short(c) and tr["needs"].method != "skipped":
            out.append(f"the beneficiaries' needs ({_names(_short(c))} short)")
        if tr["type_balance"].method != "skipped":
            out.append("the balance of types")
        if tr["fairness"].method != "skipped":
            out.append("proportional fairness among the states the model chooses for")
    return out


def _lv_unmet(c: _Ctx, value) -> tuple[str, dict]:
    o, unmet = int(c.inp.obligation[c.i]), int(c.ob["unmet_eur"])
    vals = {"pool": _eur(value or 0), "obligation": _eur(o), "unmet": _eur(unmet)}
    if o == 0:
        tpl = "it owes nothing this cycle."
    elif c.inp.recorded[c.i] and unmet:
        tpl = "its recorded pledge is fixed, so {unmet} of its obligation of {obligation} stays unmet."
    elif unmet:
        tpl = "its caps leave {unmet} of its obligation of {obligation} unmet."
    else:
        tpl = "its pledges cover its obligation of {obligation}: nothing unmet."
    return tpl + " Pool-wide: {pool} unmet.", vals


def _lv_deviation(c: _Ctx, value) -> tuple[str, dict]:
    i, dev = c.i, _dev(c)
    # pool-wide, each state's deviation as its row counts it (a euro moved between types once)
    vals = {"pool": _eur(c.t["obligations"]["deviation_value_eur"].sum())}
    if not c.inp.stated[i]:
        tpl = ("its pledge is recorded, not a stated preference" if c.inp.recorded[i]
               else "it stated no preference") + ": nothing to deviate from."
    elif not dev.any():
        tpl = "its pledges are exactly its stated preference."
    else:
        parts = []
        for t, typ in enumerate(TYPES):
            if dev[t]:
                parts.append(f"{_TYPE_WORD[typ.value]} {{pref_{typ.value}}} stated, {{got_{typ.value}}} pledged")
                vals.update({f"pref_{typ.value}": _amount(t, c.inp.preferred[i, t]),
                             f"got_{typ.value}": _amount(t, c.p[t])})
        vals["value"] = _eur(c.ob["deviation_value_eur"])
        tpl = "it deviates by {value} from its stated preference (" + "; ".join(parts) + ")"
        cuts = _cuts(c)
        for _, _, v in cuts:
            vals.update(v)
        why = [t_ for _, t_, _ in cuts]
        if c.inp.free[i]:
            why.append("the needs came first (priority 'needs'), so the model may move its stated mix")
        tpl += (": " + "; ".join(why) if why else "") + "."
    return tpl + " Pool-wide deviation: {pool}.", vals


def _lv_order(c: _Ctx, value) -> tuple[str, dict]:
    dev = _dev(c)
    if not dev.any():
        return "no deviation of its own to order.", {}
    return (("a deviation that must happen falls on money first, then on alternative measures, then on "
            "relocations: its money differs from its stated amount by {fin}."), {"fin": _eur(dev[FIN])})


def _lv_unmet_order(c: _Ctx, value) -> tuple[str, dict]:
    unmet = int(c.ob["unmet_eur"])
    if not unmet:
        return "nothing of its own unmet to order.", {}
    if c.inp.recorded[c.i]:
        # a recorded pledge is fixed: no order among states moves its shortfall
        return (("its shortfall of {unmet} is fixed by its own recorded pledge, whatever the others pledge; "
                 "no order among states applies to it."), {"unmet": _eur(unmet)})
    return (("an unmet amount that could fall on several states falls on them in the order of their codes; "
             "{unmet} of its obligation stays unmet."), {"unmet": _eur(unmet)})


def _lv_people_first(c: _Ctx, value) -> tuple[str, dict]:
    need, got = int(c.inp.needs[:, REL].sum()), int(c.sol.received[:, REL].sum())
    return (("of pledges of equal value, relocations are received first: {got} of the {need} needed for "
             "relocation are received."), {"got": _persons(got), "need": _persons(need)})


def _lv_state_order(c: _Ctx, value) -> tuple[str, dict]:
    return ("what the levels above leave open in the pledges falls on the states in the order of their "
            "codes, and within a state on money first, then alternative measures, then relocations.", {})


def _lv_needs(c: _Ctx, value) -> tuple[str, dict]:
    inp, i = c.inp, c.i
    need, got = inp.needs.sum(axis=0), c.sol.received.sum(axis=0)
    parts, vals = [], {"pool": _eur(value or 0), "rate": _eur(c.rate)}
    for t, typ in enumerate(TYPES):
        if need[t]:
            what = "needed for relocation" if t == REL else f"of {_TYPE_WORD[typ.value]} needed"
            parts.append(f"{{got_{typ.value}}} of the {{need_{typ.value}}} {what}")
            vals.update({f"got_{typ.value}": _amount(t, got[t]), f"need_{typ.value}": _amount(t, need[t])})
    tpl = "beneficiaries receive " + _names(parts) + "; unmet needs are worth {pool} (relocations at {rate}). "
    if inp.free[i] and int(inp.obligation[i]) > 0:
        tpl += ("Priority is 'needs', so the model may move its stated mix" if inp.stated[i] else
                "It stated nothing, so the model chose its mix")
        tpl += ": it asks it to relocate {rel}" + (", to give {alt} of alternative measures" if need[ALT] else "")
        tpl += " and to pay the rest, {fin}"
        vals.update(rel=_persons(c.p[REL]), fin=_eur(c.p[FIN]), **({"alt": _eur(c.p[ALT])} if need[ALT] else {}))
        short = _short(c, _NEED_WORD)
        tpl += (", because " + _names(short) + " needs were short." if short else "; the needs are met.")
    elif inp.recorded[i]:
        tpl += "Its pledge is recorded: the needs cannot move it."
    elif inp.stated[i]:
        tpl += "Its stated preference comes first (priority 'preferences'): the needs cannot move it."
    else:
        tpl += "It owes nothing: there is no pledge to steer."
    return tpl, vals


def _lv_types(c: _Ctx, value) -> tuple[str, dict]:
    need, got = c.inp.needs.sum(axis=0), c.sol.received.sum(axis=0)
    parts, vals = [], {"ratio": _frac(float(value or 0))}
    for t, typ in enumerate(TYPES):
        if need[t]:
            parts.append(f"{_TYPE_WORD[typ.value]} {{cov_{typ.value}}}")
            vals[f"cov_{typ.value}"] = _frac(int(got[t]) / int(need[t]))
    tpl = ("the types are covered in the same proportion of their needs as far as possible: "
           + _names(parts) + " (smallest ratio {ratio}).")
    if c.inp.free[c.i] and int(c.inp.obligation[c.i]) > 0:
        tpl += " This set the split of its pledge between the types."
    return tpl, vals


def _lv_in_kind(c: _Ctx, value) -> tuple[str, dict]:
    from ..optimise.model import in_kind_above

    if not c.inp.free[c.i]:
        return "not one of the states the model chooses for.", {}
    mine = in_kind_above(c.inp, c.sol.pledges)[c.i].sum()
    return (("the in-kind pledges asked of the states the model chooses for, beyond what they stated, are "
            "as few as the levels above allow: {total} in all, of which {mine} from it."),
            {"total": _eur(value or 0), "mine": _eur(mine)})


def _lv_fairness(c: _Ctx, value) -> tuple[str, dict]:
    inp, i = c.inp, c.i
    if not inp.free[i]:
        return "not one of the states the model chooses for.", {}
    o = int(inp.obligation[i])
    if o == 0:
        return "it owes nothing: nothing to share.", {}
    free = np.flatnonzero(inp.free & (inp.obligation > 0))
    ref = np.where(inp.stated[:, None], inp.preferred, 0)
    adj = (np.abs(c.sol.pledges - ref)[:, IN_KIND] * inp.unit_value[list(IN_KIND)]).sum(axis=1)
    tot_adj, tot_o = int(adj[free].sum()), int(inp.obligation[free].sum())
    what = ("in-kind change (from the stated preference; the whole in-kind pledge where nothing was stated)"
            if inp.stated[free].any() else "in-kind pledge")
    vals = {"n": Value(int(free.size), "count"), "mine": _eur(adj[i]), "rate": _frac(int(adj[i]) / o),
            "max_rate": _frac(float(value or 0)), "share_kind": _frac(int(adj[i]) / tot_adj if tot_adj else 0),
            "share_ob": _frac(o / tot_o)}
    return ((f"among the {{n}} states the model chooses for, in-kind pledges go pro rata to obligations: its "
            f"{what}, {{mine}}, is {{rate}} of its obligation (the largest rate among them is {{max_rate}}; "
            f"whole persons make the rates differ a little); it holds {{share_kind}} of their total and "
            f"{{share_ob}} of their obligations."), vals)


def _lv_balance(c: _Ctx, value) -> tuple[str, dict]:
    tpl = ("receipts are spread so that the coverage ratios of every beneficiary and type together are "
           "leximin-optimal, with the SAR target as a constraint (Art 60(2)); the smallest is {ratio}.")
    tpl += (" Its own coverage is in the section on beneficiaries." if c.g in c.inp.beneficiaries
            else " This level decides only what beneficiaries receive.")
    return tpl, {"ratio": _frac(float(value or 0))}


_LEVEL_FACT = {"unmet": _lv_unmet, "unmet_order": _lv_unmet_order, "people_first": _lv_people_first,
               "state_order": _lv_state_order,
               "deviation": _lv_deviation, "deviation_order": _lv_order,
               "needs": _lv_needs, "type_balance": _lv_types, "in_kind": _lv_in_kind,
               "fairness": _lv_fairness, "balance": _lv_balance}


def _offsets(c: _Ctx) -> Section:
    o, pool, oc = c.res.rules.offsets, c.t["pool"], c.sc.offsets
    off = c.t["offsets"].loc[c.g]
    ident = oc.identified_needs if oc.identified_needs is not None else int(c.inp.needs[:, REL].sum())
    m = pool.loc["art63_3_mandatory_offsets"]
    facts = [
        Fact("voluntary", "Relocation pledges in the pool: {pledged}. Voluntary offsets (Art 63(1)) are "
             "{status}: the threshold is {share} of the Commission proposal's {proposal} = {threshold}"
             + (" (the scenario gives no proposal: the Art 12(2) minimum is assumed)."
                if "relocations" in c.sc.pool.proposal_assumed else "."),
             {"pledged": _persons(o.pledged), "status": _text(pool.at["art63_1_voluntary_offsets", "status"]),
              "share": _frac(oc.voluntary_share), "proposal": _persons(c.sc.pool.proposal[0]),
              "threshold": _persons(pool.at["art63_1_voluntary_offsets", "reference"])}),
        Fact("mandatory", "Mandatory offsets (Art 63(3)) are {status}: thresholds (a) {needs_share} x "
             "identified needs {identified} = {needs_threshold} and (b) the reference number {reference}; "
             "the gap to the higher one is {gap}, at most the uncovered relocation needs {uncovered}; "
             "{covered} owed within the states' caps.",
             {"status": _text(m["status"]), "needs_share": _frac(oc.needs_share), "identified": _persons(ident),
              "needs_threshold": _persons(pool.at["art63_3a_needs_threshold", "reference"]),
              "reference": _persons(o.reference_threshold), "gap": _persons(o.gap),
              "uncovered": _persons(o.uncovered_needs), "covered": _persons(o.covered)}),
        Fact("owed", ("It owes {offset}, shared pro rata to the key; its cap (Art 63(7)) is its fair share "
                      "in persons minus relocations pledged: {fair} - {pledged} = {cap}, {reached}. Offsets "
                      "are owed in addition to its pledges and do not reduce its EUR obligation.")
             if o.triggered else ("It owes {offset}: mandatory offsets are not triggered. Its cap (Art 63(7)) "
                                  "would be its fair share in persons minus relocations pledged: {fair} - "
                                  "{pledged} = {cap}."),
             {"offset": _persons(off["offset"]), "fair": _persons(off["obligation_relocations"]),
              "pledged": _persons(off["pledged_relocations"]), "cap": _persons(off["cap"]),
              **({"reached": _text("reached" if bool(off["binding"]) else "not reached")} if o.triggered else {})}),
        Fact("state_voluntary", "Art 63(2)(b): {rate} x {pledged} = {value} against {share} x {obligation} "
             "= {threshold}: it {may} use voluntary offsets on its own pledge.",
             {"rate": _eur(c.rate), "pledged": _persons(off["pledged_relocations"]),
              "value": _eur(c.rate * int(off["pledged_relocations"])), "share": _frac(oc.state_share),
              "obligation": _eur(c.sh["obligation_eur"]),
              "threshold": _eur_exact(oc.state_share * int(c.sh["obligation_eur"])),
              "may": _text("may" if bool(off["voluntary_eligible"]) else "may not")}),
    ]
    return Section("offsets", "Responsibility offsets", tuple(facts))


def _calls(c: _Ctx) -> Section:
    facts = []
    for t, typ in enumerate(TYPES):
        r = c.pl.loc[typ.value]
        if int(r["units"]) == 0:
            continue
        facts.append(Fact(f"called_{typ.value}", _TYPE_WORD[typ.value].capitalize() + ": called on for "
                          "{called} of {units} pledged ({share}); {left} not called.",
                          {"called": _amount(t, r["called_units"]), "units": _amount(t, r["units"]),
                           "share": _frac(int(r["called_units"]) / int(r["units"])),
                           "left": _amount(t, r["unallocated_units"])}))
    if facts:
        facts.append(Fact("pro_rata", "Every contributor is called on for the same share of its pledge of "
                          "a type (Art 60(3)), in whole units."))
    fl = c.t["flows"]
    mine = fl[fl.index.get_level_values(GEO) == c.g]
    for b in dict.fromkeys(mine.index.get_level_values("beneficiary")):
        rows = mine.xs(b, level="beneficiary").xs(c.g, level=GEO)
        parts, vals = [], {}
        for t, typ in enumerate(TYPES):
            if typ.value in rows.index:
                parts.append(f"{{{typ.value}}} " + ("relocated" if t == REL else f"of {_TYPE_WORD[typ.value]}"))
                vals[typ.value] = _amount(t, rows.at[typ.value, "units"])
        vals["to"] = _text(b)
        tpl = "To {to}: " + _names(parts)
        if "relocation" in rows.index:
            tpl += ", worth {value}"
            vals["value"] = _eur(rows["value_eur"].sum())
        facts.append(Fact(f"to_{b}", tpl + ".", vals))
    if not facts:
        facts.append(Fact("none", "It pledges nothing: it is called on for nothing and sends nothing."))
    return Section("calls", "Calls and where its contributions go", tuple(facts))


def _beneficiary(c: _Ctx) -> Section | None:
    if c.g not in c.inp.beneficiaries:
        return None
    be = c.t["beneficiaries"]
    mine = be.xs(c.g, level="beneficiary")
    facts = []
    for t, typ in enumerate(TYPES):
        r = mine.loc[typ.value]
        if int(r["need"]) == 0:
            continue
        cov = be.xs(typ.value, level="type")["coverage"].dropna()
        facts.append(Fact(f"need_{typ.value}", _TYPE_WORD[typ.value].capitalize() + ": it needs {need} and "
                          "receives {received} ({coverage}); {shortfall} short. Coverage across the {n} "
                          "beneficiaries ranges from {low} to {high} (Art 60(2): balanced, leximin).",
                          {"need": _amount(t, r["need"]), "received": _amount(t, r["received"]),
                           "coverage": _frac(r["coverage"]), "shortfall": _amount(t, r["shortfall"]),
                           "n": Value(len(cov), "count"), "low": _frac(cov.min()), "high": _frac(cov.max())}))
    facts.append(_share_rule(c, bool(mine["sar"].iloc[0])))
    if bool(mine["sar"].iloc[0]):
        pool = c.t["pool"]
        facts.append(Fact("sar", "It is a search-and-rescue state (Art 57(2)): the SAR states receive "
                          "{received} against a target of {target}.",
                          {"received": _eur(pool.at["sar_target", "amount"]),
                           "target": _eur(pool.at["sar_target", "reference"])}))
    fl = c.t["flows"]
    to_me = fl[fl.index.get_level_values("beneficiary") == c.g]
    if len(to_me):
        by = to_me.groupby(level=GEO)["value_eur"].sum().sort_values(ascending=False, kind="stable")
        facts.append(Fact("from", "It receives from {n} contributors, worth {total}; the largest is {top} "
                          "with {top_value}.", {"n": Value(len(by), "count"), "total": _eur(by.sum()),
                                                "top": _text(by.index[0]), "top_value": _eur(by.iloc[0])}))
    return Section("beneficiary", "As a beneficiary", tuple(facts))


def _share_rule(c: _Ctx, sar: bool) -> Fact:
    """Which rule decided the beneficiary's share: the leximin split of each
    type alone, or the SAR target with the others held at a common level."""
    from ..optimise.allocate import balance

    reached = c.inp.sar_target - c.sol.sar_shortfall
    split = balance(c.inp, c.sol.pledges, c.sol.received.sum(axis=0), reached)[1]
    if not c.inp.sar.any() or split.level is None:
        tpl = ("Rule: its share of each type is the leximin split of that type among all beneficiaries "
               "(Art 60(2))" + ("; the SAR target was met without moving anything." if c.inp.sar.any() else "."))
        return Fact("rule", tpl)
    vals = {"target": _eur(split.target), "level": _frac(split.level)}
    if sar:
        return Fact("rule", "Rule: the SAR target (Art 57(2)) decided its share: the SAR states receive at least "
                    "{target}, shared leximin among them per type, while the other beneficiaries are held at a "
                    "common coverage of {level} in every type that gave way.", vals)
    return Fact("rule", "Rule: the SAR target (Art 57(2)) set its share: to leave the SAR states {target}, the "
                "beneficiaries without SAR arrivals give way in every type together, down to a common coverage "
                "of {level} (whole units, so up to one unit more), leximin among them (Art 60(2)).", vals)


def _crisis(c: _Ctx) -> Section | None:
    if "crisis" not in c.t or c.g not in c.t["crisis"].index:
        return None
    r = c.t["crisis"].loc[c.g]
    plan = c.res.rules.crisis
    return Section("crisis", "Crisis plan", (Fact(
        "plan", "Plan for {state} (CR Art 8 and Art 9): it gives {total}: {unallocated} from unallocated "
        "pledges, {additional} additional, {within} offsets within its fair share and {above} above it, "
        "which earns a credit of {credit}.",
        {"state": _text(plan.state), "total": _persons(r["total"]), "unallocated": _persons(r["from_unallocated"]),
         "additional": _persons(r["additional"]), "within": _persons(r["within_fair_share"]),
         "above": _persons(r["above_fair_share"]), "credit": _eur(r["credit_eur"])}),))


__all__ = ["UNITS", "Explanation", "Fact", "Section", "Value", "check_state", "explain"]
