"""Stage 6: an independent check of every constraint, in exact integers.

The checker reads the problem statement (:class:`~solidarity.model.ModelInput`)
and the integer solution, and recomputes each rule from scratch with Python
integers. It never looks at the solver, the sparse matrix or the objective:
a bug in the model builder or a solver tolerance shows up here as a
violation, and a run with any violation is an error, not a table.
"""

from __future__ import annotations

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
    lower, upper, pref = _ints(inp.lower), _ints(inp.upper), _ints(inp.preferred)
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
    for g in t.index:
        r, f = int(t.at[g, "indicative_relocations"]), int(t.at[g, "indicative_financial_eur"])
        if int(t.at[g, "obligation_eur"]) != e * r + f:
            out.append(f"{g}: obligation {int(t.at[g, 'obligation_eur'])} is not "
                       f"{e} x {r} + {f} EUR")
        if r < 0 or f < 0 or r > int(t.at[g, "fair_relocations"]) or f > int(t.at[g, "fair_financial_eur"]):
            out.append(f"{g}: deduction outside the fair share")
    obligations = dict(zip(inp.contributors, inp.obligation.tolist()))
    for g, o in obligations.items():
        if int(t.at[g, "obligation_eur"]) != o:
            out.append(f"{g}: model obligation {o} differs from the shares table")
    if sum(int(v) for v in t["indicative_relocations"]) != inp.target_relocations:
        out.append("pool relocation target is not the sum of indicative relocations")
    if sum(int(v) for v in t["indicative_financial_eur"]) != inp.target_money:
        out.append("pool money target is not the sum of indicative euros")
    return out
