"""A run in a few sentences: what ``solidarity run`` prints first and what
``summary.md`` opens with. Every number is read from the run's tables."""

from __future__ import annotations

from .numbers import group


def num(v: int) -> str:
    """Whole numbers with a space between thousands (EU style); see :mod:`solidarity.numbers`."""
    return group(v)


def _names(geos: list[str]) -> str:
    return geos[0] if len(geos) == 1 else ", ".join(geos[:-1]) + " and " + geos[-1]


def intro(res) -> str:
    """A short prose summary of a run."""
    sc, t = res.scenario, res.tables
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
    recv = []
    for typ, unit in (("relocation", "relocations"), ("financial", "EUR of money"),
                      ("alternative", "EUR of alternative measures")):
        need = pool.at[f"{typ}_received", "reference"]
        if int(need):
            recv.append(f"{num(amt(f'{typ}_received'))} of the {num(int(need))} {unit} needed")
    if recv:
        parts.append("Beneficiaries receive " + "; ".join(recv) + ".")
    m = pool.loc["art63_3_mandatory_offsets"]
    if m["status"] == "triggered":
        parts.append(f"Mandatory offsets (Art 63(3)) are triggered: a gap of {num(int(m['reference']))} "
                     f"persons, {num(int(m['amount']))} owed within the states' caps.")
    crisis = [i for i in pool.index if str(i).startswith("crisis_plan_")]
    for item in crisis:
        parts.append(f"The crisis plan for {item[12:]} covers {num(amt(item))} of "
                     f"{num(int(pool.at[item, 'reference']))} relocations.")
    return " ".join(parts)
