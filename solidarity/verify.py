"""Stage 6: an independent check of every constraint, in exact integers.

The checker reads the problem statement (:class:`~solidarity.model.ModelInput`)
and the integer solution, and recomputes each rule from scratch with Python
integers. It never looks at the solver, the sparse matrix or the objective:
a bug in the model builder or a solver tolerance shows up here as a
violation, and a run with any violation is an error, not a table.
"""

from __future__ import annotations

import math

from .apportionment import check as check_apportionment
from .key import FairShares
from .model import ModelInput, Solution
from .schema import TYPES, Method


def _ints(a) -> list:
    return a.tolist()


def verify(inp: ModelInput, sol: Solution, shares: FairShares | None = None) -> list[str]:
    """Return every violated rule, in words (empty list: all good)."""
    out: list[str] = []
    C, B = inp.contributors, inp.beneficiaries
    e = int(inp.rate)
    unit = [e, 1, 1]
    p, x = _ints(sol.pledges), _ints(sol.flows)
    lower, upper = _ints(inp.lower), _ints(inp.upper)
    O, need = _ints(inp.obligation), _ints(inp.needs)
    unmet, over = _ints(sol.unmet), _ints(sol.over)

    for i, g in enumerate(C):
        value = sum(unit[t] * p[i][t] for t in range(3))
        for t, typ in enumerate(TYPES):
            if p[i][t] < 0:
                out.append(f"{g}: negative {typ} pledge {p[i][t]}")
            if p[i][t] < lower[i][t]:
                out.append(f"{g}: {typ} pledge {p[i][t]} below its floor {lower[i][t]}")
            if upper[i][t] >= 0 and p[i][t] > upper[i][t]:
                out.append(f"{g}: {typ} pledge {p[i][t]} above its cap {upper[i][t]}")
        if unmet[i] != max(0, O[i] - value):
            out.append(f"{g}: unmet obligation reported {unmet[i]}, recomputed {max(0, O[i] - value)}")
        if over[i] != max(0, value - O[i]):
            out.append(f"{g}: pledge above obligation reported {over[i]}, recomputed {max(0, value - O[i])}")
        forced = sum(unit[t] * lower[i][t] for t in range(3)) - O[i]
        if value - O[i] > max(0, forced):
            out.append(f"{g}: pledges worth {value} EUR exceed the obligation {O[i]} EUR "
                       f"beyond what its floors force")
        for t, typ in enumerate(TYPES):
            sent = sum(x[i][b][t] for b in range(len(B)))
            if any(x[i][b][t] < 0 for b in range(len(B))):
                out.append(f"{g}: negative {typ} flow")
            if sent > p[i][t]:
                out.append(f"{g}: sends {sent} {typ.unit} of {typ} but pledged {p[i][t]}")
            if typ.value == "alternative" and sent != p[i][t]:
                out.append(f"{g}: alternative measures pledged {p[i][t]} EUR but only {sent} EUR "
                           "requested by beneficiaries (Art 57(2))")
        for b, h in enumerate(B):
            if h == g and any(x[i][b]):
                out.append(f"{g}: sends solidarity to itself")

    for b, h in enumerate(B):
        for t, typ in enumerate(TYPES):
            got = sum(x[i][b][t] for i in range(len(C)))
            if got > need[b][t]:
                out.append(f"{h}: receives {got} {typ.unit} of {typ}, more than its need {need[b][t]}")
            if int(sol.need_shortfall[b][t]) != need[b][t] - got:
                out.append(f"{h}: {typ} need shortfall reported {int(sol.need_shortfall[b][t])}, "
                           f"recomputed {need[b][t] - got}")

    rel = sum(p[i][0] for i in range(len(C)))
    money = sum(p[i][1] + p[i][2] for i in range(len(C)))
    want = [max(0, inp.target_relocations - rel), max(0, inp.target_money - money)]
    for k, what in enumerate(("relocation", "money")):
        if int(sol.pool_shortfall[k]) != want[k]:
            out.append(f"pool {what} shortfall reported {int(sol.pool_shortfall[k])}, recomputed {want[k]}")
    sar_value = sum(unit[t] * x[i][b][t] for i in range(len(C)) for b in range(len(B))
                    if inp.sar[b] for t in range(3))
    if sol.sar_shortfall != max(0, inp.sar_reserve - sar_value):
        out.append(f"SAR reserve shortfall reported {sol.sar_shortfall}, "
                   f"recomputed {max(0, inp.sar_reserve - sar_value)}")

    if shares is not None:
        out += _verify_shares(inp, shares)
    return out


def _verify_shares(inp: ModelInput, shares: FairShares) -> list[str]:
    out = []
    t = shares.table
    for app, what in ((shares.relocations, "fair-share relocations"),
                      (shares.financial, "fair-share euros")):
        res = check_apportionment(app)
        out += [f"{what}: {msg}" for msg in res.problems()
                if app.method in (Method.HAMILTON, Method.CEILING) or "add up" in msg]
    e = shares.rate
    col = {c: {g: int(v) for g, v in t[c].items()} for c in (
        "fair_relocations", "fair_financial_eur", "fair_value_eur", "deducted_relocations",
        "deducted_financial_eur", "redistributed_relocations", "redistributed_financial_eur",
        "credit_used_eur", "indicative_relocations", "indicative_financial_eur", "obligation_eur")}
    for g in t.index:
        r, f = col["indicative_relocations"][g], col["indicative_financial_eur"][g]
        if col["obligation_eur"][g] != e * r + f:
            out.append(f"{g}: obligation {col['obligation_eur'][g]} is not {e} x {r} + {f} EUR")
        base_r = col["fair_relocations"][g] - col["deducted_relocations"][g] + col["redistributed_relocations"][g]
        base_f = col["fair_financial_eur"][g] - col["deducted_financial_eur"][g] + col["redistributed_financial_eur"][g]
        if e * (base_r - r) + (base_f - f) != col["credit_used_eur"][g] or r < 0 or f < 0:
            out.append(f"{g}: indicative contribution is not fair share - deduction + redistribution - credit")
        if not 0 <= col["deducted_relocations"][g] <= col["fair_relocations"][g] or \
                not 0 <= col["deducted_financial_eur"][g] <= col["fair_financial_eur"][g]:
            out.append(f"{g}: deduction outside the fair share")
        if not shares.redistributed and (col["redistributed_relocations"][g] or col["redistributed_financial_eur"][g]):
            out.append(f"{g}: receives redistributed deductions although redistribution is off")
        if not shares.redistributed and col["obligation_eur"][g] > col["fair_value_eur"][g]:
            out.append(f"{g}: deductions raised the obligation above the fair share")
    if shares.redistributed:
        for a, b in (("deducted_relocations", "redistributed_relocations"),
                     ("deducted_financial_eur", "redistributed_financial_eur")):
            if sum(col[a].values()) != sum(col[b].values()) and any(col[b].values()):
                out.append(f"redistributed {b.split('_', 1)[1]} do not add up to what was deducted")
    obligations = dict(zip(inp.contributors, inp.obligation.tolist()))
    for g, o in obligations.items():
        if int(t.at[g, "obligation_eur"]) != o:
            out.append(f"{g}: model obligation {o} differs from the shares table")
    if sum(int(v) for v in t["indicative_relocations"]) != inp.target_relocations:
        out.append("pool relocation target is not the sum of indicative relocations")
    if sum(int(v) for v in t["indicative_financial_eur"]) != inp.target_money:
        out.append("pool money target is not the sum of indicative euros")
    return out


def verify_rules(scenario, shares: FairShares, inp: ModelInput, sol: Solution, rules) -> list[str]:
    """Re-check offsets and the crisis plan from their definitions."""
    out: list[str] = []
    geos = inp.contributors
    rel = {g: int(v) for g, v in zip(geos, sol.pledges[:, 0].tolist())}
    fair = {g: int(shares.table.at[g, "indicative_relocations"]) for g in geos}
    o = rules.offsets
    s = scenario.offsets
    needs = s.identified_needs if s.identified_needs is not None else int(inp.needs[:, 0].sum())
    threshold = max(s.needs_share * needs, s.minimum_relocations)
    total = sum(rel.values())
    want_gap = max(0, math.ceil(threshold) - total) if total < threshold else 0
    if o.gap != want_gap:
        out.append(f"offsets: gap {o.gap}, recomputed {want_gap}")
    caps = {g: max(0, fair[g] - rel[g]) for g in geos}
    for g in geos:
        if not 0 <= o.owed[g] <= caps[g]:
            out.append(f"{g}: offset {o.owed[g]} outside 0..{caps[g]} (fair share minus pledge)")
    if sum(o.owed.values()) != min(want_gap, sum(caps.values())):
        out.append(f"offsets add up to {sum(o.owed.values())}, not min(gap, caps) = "
                   f"{min(want_gap, sum(caps.values()))}")
    c = rules.crisis
    if c is not None:
        if c.covered != c.needs:
            out.append(f"crisis plan for {c.state}: {c.covered} covered of {c.needs}")
        if c.total(c.state) != 0:
            out.append(f"crisis plan: {c.state} contributes to its own plan")
        for g in geos:
            if c.from_unallocated[g] > rules.available[g]:
                out.append(f"{g}: crisis takes {c.from_unallocated[g]} unallocated, has {rules.available[g]}")
            if c.additional[g] > scenario.crisis.additional.get(g, 0):
                out.append(f"{g}: crisis takes more additional pledges than offered")
            if c.within_fair_share[g] > rules.headroom.get(g, 0):
                out.append(f"{g}: crisis offsets within fair share exceed its headroom")
            if c.credit_eur[g] != shares.rate * c.above_fair_share[g]:
                out.append(f"{g}: crisis credit is not the excess over its fair share")
        if any(c.above_fair_share.values()) and any(
                c.within_fair_share[g] < rules.headroom.get(g, 0) for g in geos if g != c.state):
            out.append("crisis offsets above fair shares while some fair-share headroom is unused")
    return out


def verify_ledger(ledger) -> list[str]:
    """Re-check a multi-year ledger table row by row and year to year."""
    out: list[str] = []
    rows = ledger.sort_values(["geo", "year"]).to_dict("records")
    last: dict[str, dict] = {}
    for r in rows:
        g, y = r["geo"], int(r["year"])
        if not 0 <= r["credit_used_eur"] <= r["credit_available_eur"]:
            out.append(f"{g} {y}: credit used {r['credit_used_eur']} outside 0..{r['credit_available_eur']}")
        if not 0 <= r["implemented_value_eur"] <= r["pledged_value_eur"]:
            out.append(f"{g} {y}: implemented value outside 0..pledged value")
        prev = last.get(g)
        if prev is not None and r["carried_in_relocations"] != prev["carried_out_relocations"]:
            out.append(f"{g} {y}: carried in {r['carried_in_relocations']}, "
                       f"but {prev['carried_out_relocations']} were carried out in {y - 1}")
        if prev is not None and r["credit_available_eur"] < prev["credit_available_eur"] - prev["credit_used_eur"]:
            out.append(f"{g} {y}: unused credit from {y - 1} was lost")
        last[g] = r
    return out
