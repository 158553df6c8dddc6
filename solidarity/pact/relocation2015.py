"""The 2015 emergency relocation schemes: the Commission's key and the decisions' rules.

Acts: Council Decision (EU) 2015/1523 (40 000 persons, on pledges), Council
Decision (EU) 2015/1601 (120 000: 15 600 from Italy, 50 400 from Greece,
54 000 unallocated; amended by (EU) 2016/1754), the Commission's key in the
annex to COM(2015) 240 and in COM(2015) 286, 450 and 451, and the Council
Implementing Decisions (EU) 2016/408 (Austria) and 2016/946 (Sweden) that
suspended up to 30 % of a state's allocation.

The key (COM(2015) 286, Annex; COM(2015) 450, p. 11-12):

    key_i = w_pop p_i + w_gdp g_i + w_as min(a_i, cap b_i) + w_un min(u_i, cap b_i) + residue r_i

with ``p``, ``g`` the population and GDP shares of the bound states, ``a``
the normalised inverse of the average asylum applications plus resettled
refugees per million inhabitants over five years, ``u`` the normalised
inverse unemployment rate, ``b`` the cap's base and ``r`` how the capped
mass is given back. ``b`` and ``r`` are **[unverified]**: they
are parameters (:class:`~solidarity.inputs.design_relocation2015.CapBase`,
:class:`~solidarity.inputs.design_relocation2015.Respread`).

Everything is exact (fractions of the decimals in the data files); persons
and euros are whole numbers. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from ..inputs.design_relocation2015 import CapBase, Relocation2015Settings, Respread
from ..schema import Method
from .apportionment import apportion, half_up


def asylum_per_million(applications: Mapping[str, Mapping[int, Fraction | None]],
                       resettled: Mapping[str, Mapping[int, Fraction | None]],
                       population: Mapping[str, Fraction], years: range) -> dict[str, Fraction]:
    """Average yearly asylum applications plus resettled refugees per million inhabitants.

    COM(2015) 286, Annex: "average number of spontaneous asylum applications
    and the number of resettled refugees per 1 million inhabitants over the
    period 2010-2014". The average is over the five years of the window: a
    year without a figure (Croatia before its accession in July 2013) counts
    as none, which reproduces the published May 2015 tables far better than
    averaging over the years with figures (Croatia's key 1.87 % published,
    1.87 % this way, 1.29 % the other). A missing resettlement figure counts
    as none. The denominator is the key's population.
    """
    out = {}
    for g, pop in population.items():
        known = [y for y in years if applications.get(g, {}).get(y) is not None]
        if not known:
            raise ValueError(f"{g}: no asylum applications in {years.start}-{years.stop - 1}")
        total = sum((applications[g].get(y) or 0) + (resettled.get(g, {}).get(y) or 0) for y in years)
        out[g] = Fraction(total, len(years)) * 1_000_000 / pop
    return out


def _normalised_inverse(x: Mapping[str, Fraction]) -> dict[str, Fraction]:
    inv = {g: 1 / v for g, v in x.items()}
    s = sum(inv.values())
    return {g: v / s for g, v in inv.items()}


@dataclass(frozen=True)
class Key:
    """The Commission's key, each part per state (exact fractions adding up to 1)."""

    population: dict[str, Fraction]
    gdp: dict[str, Fraction]
    asylum_pure: dict[str, Fraction]
    asylum: dict[str, Fraction]  #: after the cap
    unemployment_pure: dict[str, Fraction]
    unemployment: dict[str, Fraction]  #: after the cap
    cap_limit: dict[str, Fraction]  #: the cap, per state (None where no cap)
    residue: Fraction  #: the capped mass given back
    share: dict[str, Fraction]


def key(population: Mapping[str, Fraction], gdp: Mapping[str, Fraction],
        asylum_pm: Mapping[str, Fraction], unemployment: Mapping[str, Fraction],
        s: Relocation2015Settings) -> Key:
    """The Commission's key over the bound states (COM(2015) 286, Annex).

    The inverse criteria are capped at ``s.cap`` of the population-and-GDP
    effect, measured as ``s.cap_base`` says, and the mass the cap removes is
    given back as ``s.respread`` says (both [unverified]).
    """
    geos = sorted(population)
    tp, tg = sum(population[g] for g in geos), sum(gdp[g] for g in geos)
    p = {g: population[g] / tp for g in geos}
    gg = {g: gdp[g] / tg for g in geos}
    a0 = _normalised_inverse({g: asylum_pm[g] for g in geos})
    u0 = _normalised_inverse({g: unemployment[g] for g in geos})
    w = s.weights
    base = {CapBase.SUM: {g: p[g] + gg[g] for g in geos},
            CapBase.MEAN: {g: (p[g] + gg[g]) / 2 for g in geos},
            CapBase.WEIGHTED: {g: w["population"] * p[g] + w["gdp"] * gg[g] for g in geos}}.get(s.cap_base)
    limit = {g: s.cap * base[g] for g in geos} if base is not None else {}
    a = {g: min(a0[g], limit[g]) if limit else a0[g] for g in geos}
    u = {g: min(u0[g], limit[g]) if limit else u0[g] for g in geos}
    capped = {g: w["population"] * p[g] + w["gdp"] * gg[g] + w["asylum"] * a[g] + w["unemployment"] * u[g]
              for g in geos}
    residue = 1 - sum(capped.values())
    if s.respread is Respread.BASE and w["population"] + w["gdp"] > 0:
        spread = {g: w["population"] * p[g] + w["gdp"] * gg[g] for g in geos}
    else:
        spread = capped
    total = sum(spread.values())
    share = {g: capped[g] + residue * spread[g] / total for g in geos}
    return Key(p, gg, a0, a, u0, u, limit, residue, share)


@dataclass(frozen=True)
class Allocation:
    """Per bound state and beneficiary: the key's quota, the whole persons, the suspension."""

    quota: dict[tuple[str, str], Fraction]  #: (state, beneficiary) -> exact quota (None: pledged)
    allocated: dict[tuple[str, str], int]  #: before suspension
    suspended: dict[tuple[str, str], int]
    persons: dict[tuple[str, str], int]  #: after suspension
    pledged: dict[tuple[str, str], int]  #: the part of a pledge counted towards the beneficiary
    volume: dict[str, int]  #: per beneficiary
    by_key: dict[str, int]  #: per beneficiary, the volume apportioned by the key (volume less pledges)


def pledge_parts(pledges: Mapping[str, int], split: Mapping[str, Fraction]) -> dict[tuple[str, str], int]:
    """Each pledge counted towards each beneficiary, rounded half up (the
    Commission's counting of the 2015/1523 pledges: 60 % Italy, 40 % Greece)."""
    return {(g, b): half_up(f * n) for g, n in pledges.items() for b, f in split.items()}


def allocate(share: Mapping[str, Fraction], volumes: Mapping[str, int], s: Relocation2015Settings) -> Allocation:
    """Apportion each beneficiary's volume over the bound states by the key.

    Annex I (Italy) and Annex II (Greece) of 2015/1601 are apportioned
    separately, each with ``s.rounding``. A state with a pledge (2015/1523)
    takes its pledge, split between the beneficiaries; the volume less the
    pledges is apportioned over the other states by their key shares. A
    suspension (2016/408, 2016/946) removes ``half_up(f x allocation)``
    persons of each of the state's allocations.
    """
    pledged = pledge_parts(s.pledges, s.split)
    keyed = {g: v for g, v in share.items() if g not in s.pledges}
    quota, allocated, by_key = {}, {}, {}
    for b, vol in sorted(volumes.items()):
        rest = max(0, vol - sum(pledged.get((g, b), 0) for g in s.pledges))
        by_key[b] = rest
        if keyed and sum(keyed.values()) > 0:
            app = apportion(keyed, rest, Method(s.rounding))
            for g in keyed:
                quota[g, b] = app.quotas[g]
                allocated[g, b] = app.seats[g]
        for g in s.pledges:
            allocated[g, b] = pledged.get((g, b), 0)
    suspended = {k: half_up(s.suspension.get(k[0], 0) * n) for k, n in allocated.items()}
    persons = {k: n - suspended[k] for k, n in allocated.items()}
    return Allocation(quota, allocated, suspended, persons, pledged, dict(volumes), by_key)


def lump_sums(persons: Mapping[str, int], eur: int) -> dict[str, int]:
    """Art 10 of 2015/1523 and 2015/1601: a lump sum per relocated person to the state of relocation."""
    return {g: n * eur for g, n in persons.items()}


__all__ = ["Allocation", "Key", "allocate", "asylum_per_million", "key", "lump_sums", "pledge_parts"]
