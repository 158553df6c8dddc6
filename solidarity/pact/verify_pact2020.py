"""Independent verifier of a run under the 2020 Pact proposal (COM(2020) 610, COM(2020) 613).

Re-derives, from the scenario and the data alone and in its own code (it
imports neither :mod:`solidarity.pact.pact2020` nor the apportionment code
nor the optimiser), what each rule demands, and compares the tables with it:

- the key (Art 54 [unverified]: 50 % population, 50 % GDP of the bound states);
- the fair shares: they add up to the pool and satisfy the defining property
  of the chosen apportionment method (largest remainder, a divisor method, or
  each quota rounded up);
- the pledges as the scenario states them (nothing for a state that stated
  nothing);
- the correction (Art 52-53 [paragraphs unverified]): triggered exactly when the pledges fall more
  than ``shortfall_trigger`` short; each state below ``correction_share`` of
  its fair share topped up to it (rounded up), of the type it chose, and no
  top-up otherwise;
- return sponsorship (Art 55; the 8 and 4 months of Art 55(2) and COM(2020) 613
  [unverified]): returns = rate x sponsorships rounded down,
  transfers = sponsorships - returns;
- the SAR pool (Art 47-49 [unverified details]) by the same key;
- a crisis (COM(2020) 613 Art 2(1)) has neither a SAR pool nor capacity
  building (Art 45(1)(d));
- the flows: each contributor's relocations, sponsorships, transfers and SAR
  relocations add up to its row and are split in proportion to the needs
  (largest remainder);
- ``design_states`` and the ``pool`` totals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import pandas as pd

from ..inputs.design_pact2020 import Choice, Settings
from ..schema import BENEFICIARY, Method


def _key(scenario, population, gdp) -> dict[str, Fraction]:
    bound = [g for g in scenario.participants if g not in scenario.beneficiaries]
    pe, ge = population.exact(), gdp.exact()
    tp, tg = sum((pe[g] for g in bound), Fraction(0)), sum((ge[g] for g in bound), Fraction(0))
    return {g: (pe[g] / tp + ge[g] / tg) / 2 for g in bound}


def _largest_remainder_ok(weights: Mapping[str, Fraction], seats: Mapping[str, int], house: int) -> str:
    """'' when ``seats`` is a largest-remainder apportionment of ``house``; else why not."""
    total = sum(weights.values(), Fraction(0))
    if sum(seats.values()) != house:
        return f"add up to {sum(seats.values())}, not {house}"
    if total == 0:
        return "" if house == 0 else "no weight to apportion by"
    q = {g: Fraction(w) * house / total for g, w in weights.items()}
    up = {g for g in q if seats[g] == math.floor(q[g]) + 1}
    bad = [g for g in q if seats[g] - math.floor(q[g]) not in (0, 1)]
    if bad:
        return f"{', '.join(sorted(bad))} not the quota rounded down or up"
    rem = {g: q[g] - math.floor(q[g]) for g in q}
    down = set(q) - up
    if up and down and min(rem[g] for g in up) < max(rem[g] for g in down):
        return "a larger remainder was rounded down while a smaller one was rounded up"
    return ""


def _signpost_sq(method: Method, n: int) -> Fraction:
    """The divisor method's n-th signpost, squared (squares keep Huntington-Hill's exact)."""
    if method is Method.WEBSTER:
        return (Fraction(n) + Fraction(1, 2)) ** 2
    if method is Method.DHONDT:
        return Fraction(n + 1) ** 2
    return Fraction(n * (n + 1))


def _divisor_ok(method: Method, weights: Mapping[str, Fraction], seats: Mapping[str, int], house: int) -> str:
    """'' when no state's next unit has a higher priority than any state's last unit."""
    if sum(seats.values()) != house:
        return f"add up to {sum(seats.values())}, not {house}"
    if any(seats[g] > 0 for g in weights if weights[g] == 0):
        return "a state without weight got a unit"

    def prio(g: str, n: int) -> tuple[int, Fraction]:  # (1, 0): infinite (a zero signpost)
        s2 = _signpost_sq(method, n)
        return (1, Fraction(0)) if s2 == 0 else (0, Fraction(weights[g]) ** 2 / s2)

    nxt = [prio(g, seats[g]) for g in weights if weights[g] > 0]
    last = [prio(g, seats[g] - 1) for g in weights if seats[g] >= 1]
    if nxt and last and max(nxt) > min(last):
        return "a state's next unit has a higher priority than another's last"
    return ""


def _apportion_ok(method: Method, weights: Mapping[str, Fraction], seats: Mapping[str, int], house: int) -> str:
    if method is Method.HAMILTON:
        return _largest_remainder_ok(weights, seats, house)
    if method is Method.CEILING:
        total = sum(weights.values(), Fraction(0))
        want = {g: math.ceil(Fraction(w) * house / total) if total else 0 for g, w in weights.items()}
        bad = sorted(g for g in weights if seats[g] != want[g])
        return f"{', '.join(bad)} not the quota rounded up" if bad else ""
    return _divisor_ok(method, weights, seats, house)


def _int(x: Any) -> int:
    return 0 if pd.isna(x) else int(x)


def _float(x: Any) -> float:
    return float(x)


def _check_key_and_shares(scenario, s: Settings, sp: pd.DataFrame, key: dict[str, Fraction]) -> list[str]:
    out = []
    if sorted(sp.index) != sorted(key):
        return [f"sponsorship: rows {sorted(sp.index)} are not the bound states {sorted(key)}"]
    for g, k in key.items():
        if abs(_float(sp.at[g, "key_share"]) - float(k)) > 1e-12:
            out.append(f"{g}: key share {_float(sp.at[g, 'key_share']):.12f}, Art 54 gives {float(k):.12f}")
    for col, house in (("fair_share", scenario.pool.relocations), ("sar_relocations", s.sar_relocations)):
        why = _apportion_ok(s.method, key, {g: _int(sp.at[g, col]) for g in key}, house)
        if why:
            out.append(f"sponsorship.{col}: not a {s.method.value} apportionment of {house} by the key: {why}")
    return out


def _check_pledges(s: Settings, sp: pd.DataFrame) -> list[str]:
    out = []
    for g in sp.index:
        p = s.pledge(g)
        got = (_int(sp.at[g, "pledged_relocations"]), _int(sp.at[g, "pledged_sponsorships"]),
               _int(sp.at[g, "capacity_eur"]), sp.at[g, "pledge_source"])
        want = (p.relocations, p.sponsorships, p.capacity_eur, "scenario" if p.stated else "none")
        if got != want:
            out.append(f"{g}: pledges {got} differ from the scenario's {want}")
    return out


def _topup_split(s: Settings, g: str, topup: int) -> tuple[int, int]:
    """(relocations, sponsorships) of a top-up, re-derived (halves up, in integers)."""
    choice = s.correction_choice.get(g, s.correction_default)
    p = s.pledge(g)
    if choice is Choice.RELOCATION:
        return topup, 0
    if choice is Choice.SPONSORSHIP:
        return 0, topup
    own = p.relocations + p.sponsorships
    spo = (2 * topup * p.sponsorships + own) // (2 * own) if own else 0
    return topup - spo, spo


def _check_correction(scenario, s: Settings, sp: pd.DataFrame, pool: pd.DataFrame) -> list[str]:
    out = []
    need = scenario.pool.relocations
    pledged = sum(s.pledge(g).relocations + s.pledge(g).sponsorships for g in sp.index)
    triggered = (need - pledged) * s.shortfall_trigger.denominator > s.shortfall_trigger.numerator * need
    status = pool.at["correction", "status"] if "correction" in pool.index else ""
    if status != ("triggered" if triggered else "not triggered"):
        out.append(f"pool.correction: status {status!r}, but {pledged} pledged of {need} needed is "
                   f"{'more' if triggered else 'not more'} than {s.shortfall_trigger} short (Art 52-53)")
    cs = s.correction_share
    for g in sp.index:
        p, fair = s.pledge(g), _int(sp.at[g, "fair_share"])
        floor = -(-cs.numerator * fair // cs.denominator) if triggered else 0
        topup = max(0, floor - p.relocations - p.sponsorships)
        rel, spo = _topup_split(s, g, topup)
        got = tuple(_int(sp.at[g, c]) for c in ("correction_floor", "topup", "topup_relocations",
                                                 "topup_sponsorships", "relocations", "sponsorships"))
        want = (floor, topup, rel, spo, p.relocations + rel, p.sponsorships + spo)
        if got != want:
            out.append(f"{g}: correction (floor, top-up, of which relocations, sponsorships; relocations, "
                       f"sponsorships after it) {got}, Art 52-53 gives {want}")
        if triggered and got[4] + got[5] < floor:
            out.append(f"{g}: {got[4] + got[5]} relocations and sponsorships, below its floor {floor}")
    return out


def _check_sponsorship(s: Settings, sp: pd.DataFrame) -> list[str]:
    out = []
    r = s.return_rate
    for g in sp.index:
        spo = _int(sp.at[g, "sponsorships"])
        ret, tra = _int(sp.at[g, "returns_expected"]), _int(sp.at[g, "transfers"])
        want = r.numerator * spo // r.denominator
        if (ret, tra) != (want, spo - want):
            out.append(f"{g}: returns {ret} and transfers {tra} of {spo} sponsorships; a return rate of "
                       f"{r} gives {want} and {spo - want} (Art 55(2))")
    return out


def _check_flows(scenario, s: Settings, sp: pd.DataFrame, fl: pd.DataFrame) -> list[str]:
    out = []
    needs = {b: int(x.needs.relocation or 0) for b, x in scenario.beneficiaries.items()}
    sar = {b: n for b, n in needs.items() if scenario.beneficiaries[b].sar and n > 0}
    for g in sp.index:
        mine = fl.xs(g, level=0) if g in fl.index.get_level_values(0) else fl.iloc[0:0].droplevel(0)
        col = {c: {b: _int(mine.at[b, c]) if b in mine.index else 0 for b in needs} for c in mine.columns}
        for c, weights in (("relocations", needs), ("sponsorships", needs), ("sar_relocations", sar)):
            seats = {b: col[c][b] for b in weights}
            if sum(col[c].values()) != sum(seats.values()):
                out.append(f"{g}: {c} flow to a state outside the distribution")
            why = _largest_remainder_ok({b: Fraction(w) for b, w in weights.items() if w > 0},
                                        {b: v for b, v in seats.items() if weights[b] > 0},
                                        _int(sp.at[g, c]))
            if why:
                out.append(f"{g}: {c} flows not in proportion to the needs (Art 57): {why}")
        spo_w = {b: Fraction(v) for b, v in col["sponsorships"].items() if v > 0}
        why = _largest_remainder_ok(spo_w, {b: col["transfers"][b] for b in spo_w}, _int(sp.at[g, "transfers"]))
        if why or sum(col["transfers"].values()) != _int(sp.at[g, "transfers"]):
            out.append(f"{g}: transfer flows not in proportion to its sponsorships: {why or 'outside them'}")
    return out


def _check_states(scenario, sp: pd.DataFrame, st: pd.DataFrame, fl: pd.DataFrame, key) -> list[str]:
    out = []
    want_rows = sorted(set(key) | set(scenario.beneficiaries))
    if sorted(st.index) != want_rows:
        return [f"design_states: rows {sorted(st.index)}, expected {want_rows}"]
    if st["pays_eur"].notna().any() or st["receives_eur"].notna().any():
        out.append("design_states: money recorded, but the 2020 proposal has no money contributions")
    for g in key:
        persons = sum(_int(sp.at[g, c]) for c in ("relocations", "transfers", "sar_relocations"))
        if st.at[g, "role"] != "bound" or _int(st.at[g, "persons"]) != persons:
            out.append(f"{g}: design_states persons {_int(st.at[g, 'persons'])} ({st.at[g, 'role']!s}), expected "
                       f"{persons}: relocations + transfers + SAR relocations (bound)")
        if abs(_float(st.at[g, "key_share"]) - float(key[g])) > 1e-12:
            out.append(f"{g}: design_states key share differs from Art 54's")
    by_b = fl.groupby(level=BENEFICIARY).sum()
    for b in scenario.beneficiaries:
        away = sum(_int(by_b.at[b, c]) for c in ("relocations", "transfers", "sar_relocations")) \
            if b in by_b.index else 0
        if st.at[b, "role"] != "beneficiary" or _int(st.at[b, "relocated_from"]) != away:
            out.append(f"{b}: design_states relocated_from {_int(st.at[b, 'relocated_from'])}, the flows give {away}")
    return out


def _check_pool(scenario, s: Settings, sp: pd.DataFrame, pool: pd.DataFrame) -> list[str]:
    tot = {c: sum(_int(x) for x in sp[c]) for c in ("relocations", "sponsorships", "returns_expected",
                                                     "transfers", "sar_relocations", "topup")}
    want = {"need": scenario.pool.relocations, "correction_topups": tot["topup"],
            "relocations": tot["relocations"], "sponsorships": tot["sponsorships"],
            "covered": tot["relocations"] + tot["sponsorships"], "returns_expected": tot["returns_expected"],
            "transfers": tot["transfers"], "sar_pool": s.sar_relocations, "deadline": 4 if s.crisis else 8,
            "pledged": sum(s.pledge(g).relocations + s.pledge(g).sponsorships for g in sp.index)}
    out = []
    for item, v in want.items():
        got = _int(pool.at[item, "amount"]) if item in pool.index else None
        if got != v:
            out.append(f"pool.{item}: {got}, expected {v}")
    return out


def _check_crisis(s: Settings, sp: pd.DataFrame) -> list[str]:
    """COM(2020) 613 Art 2(1): no SAR pool (Art 47-49) and no capacity building (Art 45(1)(d)) in a crisis."""
    if not s.crisis:
        return []
    out = []
    sar = s.sar_relocations + sum(_int(x) for x in sp["sar_relocations"])
    cap = sum(s.pledge(g).capacity_eur for g in sp.index) + sum(_int(x) for x in sp["capacity_eur"])
    if sar:
        out.append(f"a search-and-rescue pool ({sar} persons in settings and table) in a crisis: "
                   "COM(2020) 613 Art 2(1) excludes Art 47-49")
    if cap:
        out.append(f"capacity-building measures (EUR {cap} in settings and table) in a crisis: "
                   "COM(2020) 613 Art 2(1) excludes Art 45(1)(d)")
    return out


def verify(scenario, tables: Mapping[str, pd.DataFrame], population, gdp) -> list[str]:
    """Every violation found (empty: verified)."""
    s: Settings = scenario.design_settings
    sp, fl, st, pool = (tables[k] for k in ("sponsorship", "sponsorship_flows", "design_states", "pool"))
    key = _key(scenario, population, gdp)
    out = _check_key_and_shares(scenario, s, sp, key)
    if out and out[0].startswith("sponsorship: rows"):
        return out
    out += _check_pledges(s, sp)
    out += _check_correction(scenario, s, sp, pool)
    out += _check_sponsorship(s, sp)
    out += _check_flows(scenario, s, sp, fl)
    out += _check_states(scenario, sp, st, fl, key)
    out += _check_pool(scenario, s, sp, pool)
    out += _check_crisis(s, sp)
    return out


__all__ = ["verify"]
