"""A run in a few sentences: what ``solidarity run`` prints first and what
``summary.md`` opens with. Every number is read from the run's tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..numbers import eur, group


def num(v: int) -> str:
    """Whole numbers with a space between thousands (EU style); see :mod:`solidarity.numbers`."""
    return group(v)


def _names(geos: list[str]) -> str:
    return geos[0] if len(geos) == 1 else ", ".join(geos[:-1]) + " and " + geos[-1]


def design_order(tables: Mapping[str, Any]) -> list[str]:
    """The order in which a design's run writes its tables: ``design_states``,
    the design's own tables by name, then ``pool`` and ``meta``."""
    own = sorted(k for k in tables if k not in ("design_states", "pool", "meta"))
    return [k for k in ("design_states", *own, "pool", "meta") if k in tables]


def design_intro(scenario, t: Mapping[str, pd.DataFrame]) -> str:
    """A design's run in a paragraph: the design and its acts, who is bound,
    what moves (persons and money), all read from its tables."""
    st = t["design_states"]
    meta = t["meta"]["value"]
    acts = str(meta.get("design_acts", "")) if "design_acts" in meta.index else ""
    roles = st["role"].value_counts()
    persons = int(st["persons"].fillna(0).sum())
    parts = [f"{scenario.name} ({scenario.year}), design {scenario.design.value}" + (f" ({acts})" if acts else "")
             + f": {int(roles.get('bound', 0))} states bound, {int(roles.get('beneficiary', 0))} benefitting; "
             f"{num(persons)} persons to be taken in."]
    paid, got = int(st["pays_eur"].fillna(0).sum()), int(st["receives_eur"].fillna(0).sum())
    if paid or got:
        parts.append(f"Money: EUR {num(paid)} paid by states, EUR {num(got)} received.")
    return " ".join(parts)


def intro(res) -> str:
    """A short prose summary of a run (a design's run: :func:`design_intro`)."""
    sc, t = res.scenario, res.tables
    if "design_states" in t:
        return design_intro(sc, t)
    pool, ob = t["pool"], t["obligations"]

    def amt(item: str) -> int:
        return int(pool.at[item, "amount"])

    unmet = ob[ob["unmet_eur"] > 0]
    assumed = ob[ob["assumed_value_eur"] > 0]
    parts = [f"{sc.name} ({sc.year}): {len(sc.participants)} participants share a pool of "
             f"EUR {num(amt('pool_value'))} ({num(amt('pool_relocations'))} relocations at "
             f"EUR {num(amt('equivalence_eur'))} each)."]
    ded = amt("deductions")
    obligations = amt("obligations")
    line = (f"After deductions of EUR {num(ded)}, obligations" if ded else "Obligations")
    line += f" come to EUR {num(obligations)}; pledges are worth EUR {num(amt('pledged_value'))}"
    if len(unmet):
        line += (f" (EUR {num(int(unmet['unmet_eur'].sum()))} unmet, by "
                 f"{_names(sorted(unmet.index.tolist()))})")
    line += "."
    parts.append(line)
    if len(assumed):
        parts.append(f"EUR {num(amt('assumed_value'))} of it is assumed: {len(assumed)} states stated "
                     "nothing, and the model chose their mix (source 'assumed' in pledges).")
    parts += _needs_and_calls(pool, t.get("crisis"))
    m = pool.loc["art63_3_mandatory_offsets"]
    if m["status"] == "triggered":
        parts.append(f"Mandatory offsets (Art 63(3)) are triggered: a gap of {num(int(m['reference']))} "
                     f"persons, {num(int(m['amount']))} owed within the states' caps.")
    crisis = [i for i in pool.index if str(i).startswith("crisis_plan_")]
    for item in crisis:
        parts.append(_crisis(item[12:], int(pool.at[item, "reference"]), t["crisis"]))
    return " ".join(parts)


#: (type, how an amount of it reads) in the order the summary names the types.
_TYPES = (("relocation", lambda v: f"{num(v)} relocation{'' if v == 1 else 's'}"),
          ("financial", lambda v: f"{eur(v)} of money"),
          ("alternative", lambda v: f"{eur(v)} of alternative measures"))


def _needs_and_calls(pool, crisis=None) -> list[str]:
    """What the beneficiaries receive of their needs, which needs stay short,
    and what was pledged but not called (pledged beyond the needs; in a
    crisis, the part the plan takes is named)."""
    recv, short, idle = [], [], []
    # Art 64: money earmarked for third countries is pledged for them, not idle
    earmarked = int(pool.at["third_country_eur", "amount"]) if "third_country_eur" in pool.index else 0
    for typ, say in _TYPES:
        need, got = int(pool.at[f"{typ}_received", "reference"]), int(pool.at[f"{typ}_received", "amount"])
        pledged = int(pool.at[f"{typ}_pledged", "amount"]) - (earmarked if typ == "financial" else 0)
        if need:
            recv.append(_RECEIVED[typ](got, need))
        if need > got:
            short.append(say(need - got))
        if pledged > got:
            to_plan = int(crisis["from_unallocated"].sum()) if crisis is not None and typ == "relocation" else 0
            idle.append(say(pledged - got) + (f" ({num(to_plan)} of them to the crisis plan)" if to_plan else ""))
    out = []
    if recv:
        out.append("Beneficiaries receive " + _names(recv) + ".")
        out.append(("Needs that stay short: " + _names(short) + ".") if short else "Every need is met in full.")
    if idle:
        out.append("Pledged and not called (beyond the needs): " + _names(idle) + ".")
    if earmarked:
        out.append(f"{eur(earmarked)} of the money pledged is earmarked for actions in or in relation to third "
                   "countries (Art 56(2)(b), Art 64): it counts in the fair shares and is not distributed "
                   "to the benefitting states.")
    return out


#: What a type's beneficiaries receive of their need, e.g. ``6 363 of the 30 000 relocations needed``.
_RECEIVED = {"relocation": lambda got, need: f"{num(got)} of the {num(need)} relocations needed",
             "financial": lambda got, need: f"{eur(got)} of the {eur(need)} of money needed",
             "alternative": lambda got, need: f"{eur(got)} of the {eur(need)} of alternative measures needed"}


def _crisis(state: str, needs: int, crisis) -> str:
    """A crisis plan (CR Art 8, 9): relocations and offsets named apart,
    since an offset is not a relocation."""
    moved = int(crisis["from_unallocated"].sum()) + int(crisis["additional"].sum())
    offsets = int(crisis["within_fair_share"].sum()) + int(crisis["above_fair_share"].sum())
    above = int(crisis["above_fair_share"].sum())
    text = (f"The crisis plan for {state} (CR Art 8, 9) has {num(needs)} relocation needs: "
            f"{num(moved)} are covered by relocations ({num(int(crisis['from_unallocated'].sum()))} from "
            f"pledges not called, {num(int(crisis['additional'].sum()))} from additional pledges) and "
            f"{num(offsets)} by responsibility offsets")
    text += (f" ({num(above)} of them above the states' fair shares, credited back)" if above else "")
    left = needs - moved - offsets
    return text + (f"; {num(left)} stay uncovered." if left else ".")
