"""Independent verifier of a run under the 2015 relocation schemes.

Re-derives from the inputs (the scenario, population, GDP and the bundled
criteria files, read again here) what each rule demands, in its own code,
and compares it with the tables the run wrote. It does not import the law's
code (:mod:`solidarity.pact.relocation2015`) nor the runner.

Rules checked: the key (COM(2015) 286, Annex: weights, cap, re-spread), each
volume apportioned by the key and summed per method (Annex I Italy, Annex II
Greece of 2015/1601), the per-state rounding, pledges split 60/40
(2015/1523), suspensions (2016/408, 2016/946), lump sums (Art 10), and the
``design_states`` table against the allocation.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from ..inputs.data import data_dir, read_table
from ..inputs.design_relocation2015 import MAX_SUSPENSION, CapBase, Relocation2015Settings, Respread
from ..schema import GEO, Method
from .apportionment import apportion, check

_TOL = 1e-9
_FILES = {"asylum": "key2015_asylum.csv", "resettled": "key2015_resettled.csv",
          "unemployment": "key2015_unemployment.csv"}


def _round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def _series(name: str) -> dict[tuple[str, int], Fraction]:
    df, _ = read_table(data_dir() / _FILES[name])
    return {(str(g), int(y)): Fraction(repr(float(v))) for g, y, v in zip(df[GEO], df["year"], df["value"],
                                                                          strict=True) if not pd.isna(v)}


def expected_key(scenario, population, gdp) -> dict[str, Fraction]:
    """The key each bound state must have, re-derived from the inputs."""
    s: Relocation2015Settings = scenario.design_settings
    bound = sorted(g for g in scenario.participants if g not in scenario.beneficiaries)
    pop, gd = population.exact(), gdp.exact()
    apps, res, une = _series("asylum"), _series("resettled"), _series("unemployment")
    first, last = s.criteria_year - 4, s.criteria_year
    per_m = {}
    for g in bound:
        window = range(first, last + 1)  # five years; a year without a figure counts as none
        per_m[g] = (sum(apps.get((g, y), Fraction(0)) + res.get((g, y), Fraction(0)) for y in window)
                    / len(window) / pop[g] * 10**6)
    tp, tg = sum(pop[g] for g in bound), sum(gd[g] for g in bound)
    inv_a = {g: 1 / per_m[g] for g in bound}
    inv_u = {g: 1 / une[g, last] for g in bound}
    sa, su = sum(inv_a.values()), sum(inv_u.values())
    w = s.weights
    out, plain = {}, {}
    for g in bound:
        p, y = pop[g] / tp, gd[g] / tg
        lim = {CapBase.SUM: s.cap * (p + y), CapBase.MEAN: s.cap * (p + y) / 2,
               CapBase.WEIGHTED: s.cap * (w["population"] * p + w["gdp"] * y)}.get(s.cap_base)
        a, u = inv_a[g] / sa, inv_u[g] / su
        if lim is not None:
            a, u = min(a, lim), min(u, lim)
        plain[g] = w["population"] * p + w["gdp"] * y
        out[g] = plain[g] + w["asylum"] * a + w["unemployment"] * u
    gap = 1 - sum(out.values())
    weights = plain if s.respread is Respread.BASE and sum(plain.values()) > 0 else dict(out)
    tw = sum(weights.values())
    return {g: out[g] + gap * weights[g] / tw for g in bound}


def _check_key(key: dict[str, Fraction], kt: pd.DataFrame) -> list[str]:
    out = []
    if sorted(kt.index) != sorted(key):
        return [f"relocation2015_key: states {sorted(kt.index)} are not the bound states {sorted(key)}"]
    for g, want in key.items():
        got = float(kt.at[g, "key_share"])  # type: ignore[arg-type]
        if abs(got - float(want)) > _TOL:
            out.append(f"relocation2015_key: {g} key_share {got:.10f}, the key re-derived gives {float(want):.10f}")
        row = kt.loc[g].to_dict()
        lim = row["cap_limit"]
        for part in ("asylum_effect", "unemployment_effect"):
            if not pd.isna(lim) and float(row[part]) > float(lim) + _TOL:
                out.append(f"relocation2015_key: {g} {part} {float(row[part]):.6f} exceeds its cap {lim:.6f}")
    if abs(float(kt["key_share"].sum()) - 1) > 1e-9:
        out.append(f"relocation2015_key: key shares add up to {float(kt['key_share'].sum()):.10f}, not 1")
    return out


def _expected_allocation(scenario, key: dict[str, Fraction]) -> dict[tuple[str, str], int]:
    s: Relocation2015Settings = scenario.design_settings
    out: dict[tuple[str, str], int] = {}
    keyed = {g: v for g, v in key.items() if g not in s.pledges}
    for b, st in scenario.beneficiaries.items():
        vol = int(st.needs.relocation or 0)
        for g, n in s.pledges.items():
            out[g, b] = _round_half_up(s.split.get(b, Fraction(0)) * n)
        rest = max(0, vol - sum(out[g, b] for g in s.pledges))
        if not keyed:
            continue
        if s.rounding is Method.PER_STATE:  # the Commission's practice: each quota rounded on its own
            total = sum(keyed.values())
            out.update({(g, b): _round_half_up(rest * v / total) for g, v in keyed.items()})
        else:
            app = apportion(keyed, rest, s.rounding)
            if not check(app).sum_ok or not check(app).quota_ok:
                continue  # reported by the caller through the totals
            out.update({(g, b): n for g, n in app.seats.items()})
    return out


def _check_allocation(scenario, at: pd.DataFrame, want: dict[tuple[str, str], int]) -> list[str]:
    s: Relocation2015Settings = scenario.design_settings
    out = []
    records = {(str(g), str(b)): r for (g, b), r in zip(at.index, at.to_dict("records"), strict=True)}
    got = set(records)
    if got != set(want):
        return [f"relocation2015_allocation: rows {sorted(got ^ set(want))} differ from the bound states x "
                "beneficiaries"]
    for (g, b), n in sorted(want.items()):
        row = records[g, b]
        if int(row["allocated"]) != n:
            how = "its pledge split" if g in s.pledges else f"the key, rounded {s.rounding.value}"
            out.append(f"relocation2015_allocation: {g} from {b} allocated {int(row['allocated'])}, {how} gives {n}")
        f = s.suspension.get(g, Fraction(0))
        if MAX_SUSPENSION < f < 1:  # Art 4(5) of 2015/1601: up to 30 %; Art 9: the obligations in full
            out.append(f"suspension of {g}: {float(f):g} above the 30 % allowed and not a full suspension")
        sus = _round_half_up(f * int(row["allocated"]))
        if int(row["suspended"]) != sus:
            out.append(f"relocation2015_allocation: {g} from {b} suspended {int(row['suspended'])}, "
                       f"{float(f):g} x {int(row['allocated'])} rounded half up is {sus}")
        if int(row["persons"]) != int(row["allocated"]) - int(row["suspended"]):
            out.append(f"relocation2015_allocation: {g} from {b} persons {int(row['persons'])} is not allocated "
                       "less suspended")
        if int(row["lump_sum_eur"]) != int(row["persons"]) * s.lump_sum_eur:
            out.append(f"relocation2015_allocation: {g} from {b} lump sum EUR {int(row['lump_sum_eur'])} is not "
                       f"{int(row['persons'])} x EUR {s.lump_sum_eur} (Art 10)")
    if s.rounding not in (Method.PER_STATE, Method.CEILING):
        for b, st in scenario.beneficiaries.items():
            keyed = [n for (g, x), n in want.items() if x == b and g not in s.pledges]
            rest = max(0, int(st.needs.relocation or 0) - sum(n for (g, x), n in want.items()
                                                               if x == b and g in s.pledges))
            if keyed and sum(keyed) != rest:
                out.append(f"volume from {b}: {sum(keyed)} apportioned by {s.rounding.value}, not {rest}")
    return out


def _check_states(scenario, st: pd.DataFrame, at: pd.DataFrame, key: dict[str, Fraction]) -> list[str]:
    s: Relocation2015Settings = scenario.design_settings
    out = []
    per = at.groupby(level=GEO)["persons"].sum()
    frm = at.groupby(level="beneficiary")["persons"].sum()
    for geo, series in st.iterrows():
        g, row = str(geo), series.to_dict()
        role = "beneficiary" if g in scenario.beneficiaries else "bound" if g in key else "outside"
        if row["role"] != role:
            out.append(f"design_states: {g} is {row['role']!r}, the scenario makes it {role!r}")
            continue
        want = {"persons": int(per.get(g, 0)) if role == "bound" else None,
                "relocated_from": int(frm.get(g, 0)) if role == "beneficiary" else None,
                "receives_eur": int(per.get(g, 0)) * s.lump_sum_eur if role == "bound" else None}
        for c, v in want.items():
            x = None if pd.isna(row[c]) else int(row[c])
            if x != v:
                out.append(f"design_states: {g} {c} {x}, the allocation gives {v}")
        if role == "bound" and abs(float(row["key_share"]) - float(key[g])) > _TOL:
            out.append(f"design_states: {g} key_share {float(row['key_share']):.10f}, the key gives "
                       f"{float(key[g]):.10f}")
    return out


def verify(scenario, tables: dict[str, pd.DataFrame], population, gdp) -> list[str]:
    """Violations of the 2015 schemes' rules in a run's tables (empty: verified)."""
    key = expected_key(scenario, population, gdp)
    out = _check_key(key, tables["relocation2015_key"])
    want = _expected_allocation(scenario, key)
    out += _check_allocation(scenario, tables["relocation2015_allocation"], want)
    out += _check_states(scenario, tables["design_states"], tables["relocation2015_allocation"], key)
    return out


__all__ = ["expected_key", "verify"]
