"""Independent verifier of a Dublin IV run (COM(2016) 270 Art 34-37).

It re-simulates the year from the inputs (population, GDP, monthly
applications) in its own loop, without :mod:`solidarity.pact.dublin4`, and
checks each rule against the tables ``design_states`` and ``dublin4_months``:

- Art 35 (Annex I): the key shares (50 % population, 50 % GDP of the participants);
- Art 34(2)-(3) [paragraphs unverified]: each month's reference number and who is above the trigger;
- Art 36(1): persons go only to states below 100 % of their reference number,
  each of which stops at 100 %, in proportion to the key (the apportionment
  method of :mod:`solidarity.pact.apportionment`, the package's one tested
  implementation, applied here in a loop of this module's own);
- Art 36(1) (the Commission's explanatory memorandum: "all new applications",
  "as long as [it] continues to be above 150 %"; cessation in Art 43
  [unverified article number]): a state gives away only new applications,
  and only while above 150 %;
- Art 37(1), (3): a state that opted out receives nobody and pays exactly the
  contribution times the persons it would have received; contributions paid
  equal contributions received;
- conservation: a state's count is what was lodged in it, minus what was
  allocated away, plus what was allocated to it; persons out equal persons in.

Returns the violations as sentences (empty: verified).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from ..inputs.design_dublin4 import Dublin4Settings, Window
from ..inputs.monthly import load_monthly, months_from
from ..schema import Method
from .apportionment import apportion

_TOL = 1e-9


def _key(scenario, population, gdp) -> dict[str, Fraction]:
    pop, val = population.exact(), gdp.exact()
    parts = sorted(scenario.participants)
    tp, tg = sum(pop[g] for g in parts), sum(val[g] for g in parts)
    return {g: (pop[g] / tp + val[g] / tg) / 2 for g in parts}


def _fill(house: int, weights: dict[str, Fraction | int], room: dict[str, int], method: Method) -> dict[str, int]:
    """Pro rata to ``weights``; a state reaching its room keeps it and leaves, the rest is shared again."""
    got = dict.fromkeys(weights, 0)
    left = {g: w for g, w in weights.items() if room[g] > 0}
    while house > 0 and left:
        share = apportion(left, house, method).seats
        full = {g for g in left if share[g] > room[g]}
        if not full:
            got.update(share)
            return got
        for g in full:
            got[g] = room[g]
            house -= room[g]
            left.pop(g)
    return got


def _window(months: list[str], i: int, rolling: bool) -> list[str]:
    return months[max(0, i - 11):i + 1] if rolling else [m for m in months[:i + 1] if m[:4] == months[i][:4]]


Counts = dict[str, dict[str, int]]  #: state -> month -> persons


def resimulate(key: dict[str, Fraction], lodged: Counts, months: list[str],
               s: Dublin4Settings) -> dict[tuple[str, str], dict]:
    """The expected row of every (state, month), from the inputs alone.

    Long because the month's trigger, pro-rata allocation and opt-out
    re-allocation are re-derived together, in this module's own loop.
    """
    net = {(g, m): 0 for g in key for m in months}  # allocated out minus in
    out: dict[tuple[str, str], dict] = {}
    t, lo = Fraction(s.trigger_percent, 100), Fraction(s.receive_below_percent, 100)
    for i in range(months.index(s.first_month), len(months)):
        m, win = months[i], _window(months, i, s.window is Window.ROLLING)
        union = sum(lodged[g][w] for g in key for w in win)
        e: dict[str, dict] = {}
        for g in key:
            ref = key[g] * union
            resp = sum(lodged[g][w] - net[g, w] for w in win)
            above = resp > t * ref
            e[g] = {"ref": ref, "resp": resp, "above": above, "below": not above and resp < lo * ref,
                    "give": min(lodged[g][m], resp - math.floor(t * ref)) if above else 0}
        givers: dict[str, int] = {g: v["give"] for g, v in e.items() if v["give"] > 0}
        room: dict[str, int] = {g: math.ceil(lo * v["ref"] - v["resp"]) for g, v in e.items() if v["below"]}
        n = min(sum(givers.values()), sum(room.values()))
        would = _fill(n, {g: key[g] for g in room}, room, s.method) if n else dict.fromkeys(room, 0)
        others = [g for g in room if g not in s.opt_out]
        lost = sum(would[g] for g in room if g in s.opt_out)
        spare = {g: room[g] - would[g] for g in others}
        moved = min(lost, sum(spare.values()))
        extra = _fill(moved, {g: key[g] for g in others}, spare, s.method) if moved else {}
        weights: dict[str, Fraction | int] = dict(givers)
        full_out = _fill(n, weights, givers, s.method) if n else {}
        real_out = _fill(n - lost + moved, weights, full_out, s.method) if n else {}
        for g, v in e.items():
            w = would.get(g, 0)
            got = 0 if g in s.opt_out else w + extra.get(g, 0)
            gave = real_out.get(g, 0)
            net[g, m] = gave - got
            out[g, m] = {"lodged": lodged[g][m], "responsible": v["resp"], "reference": v["ref"],
                         "triggered": v["above"], "receiving": v["below"], "would_receive": w,
                         "allocated_in": got, "allocated_out": gave,
                         "pays_eur": s.contribution_eur * w if g in s.opt_out else 0,
                         "receives_eur": s.contribution_eur * (extra.get(g, 0) if g not in s.opt_out else 0)
                         + s.contribution_eur * (full_out.get(g, 0) - gave)}
    return out


def _months_needed(s: Dublin4Settings) -> list[str]:
    y, mo = int(s.first_month[:4]), int(s.first_month[5:7])
    if s.window is Window.ROLLING:
        k = y * 12 + mo - 1 - 11
        start = f"{k // 12:04d}-{k % 12 + 1:02d}"
        return months_from(start, 11 + s.months)
    return months_from(f"{y:04d}-01", mo - 1 + s.months)


def _check_key(st: pd.DataFrame, key: dict[str, Fraction]) -> list[str]:
    shares = {str(g): float(x) for g, x in st["key_share"].items()}
    bad = [f"design_states {g}: key_share {shares.get(g)!r}, Art 35 gives {float(k)!r}"
           for g, k in key.items() if g not in shares or abs(shares[g] - float(k)) > _TOL]
    extra = sorted(set(shares) - set(key))
    return bad + [f"design_states {g}: not a participant" for g in extra]


def _records(mt: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """The monthly table's rows by (state, month)."""
    return {(str(r["geo"]), str(r["month"])): r for r in mt.reset_index().to_dict("records")}


def _check_months(rows: dict[tuple[str, str], dict], exp: dict[tuple[str, str], dict],
                  s: Dublin4Settings) -> list[str]:
    """Long because each rule has its own sentence, read off the same row."""
    v: list[str] = []
    missing = sorted(set(exp) - set(rows))
    v += [f"dublin4_months: no row for {g} {m}" for g, m in missing]
    for (g, m), row in rows.items():
        x = exp.get((g, m))
        at = f"dublin4_months {g} {m}"
        if x is None:
            v.append(f"{at}: not a participant's simulated month")
            continue
        if int(row["lodged"]) != x["lodged"]:
            v.append(f"{at}: lodged {row['lodged']}, the applications file has {x['lodged']}")
        if abs(float(row["reference_number"]) - float(x["reference"])) > 0.006:
            v.append(f"{at}: reference number {row['reference_number']}, Art 34(3) gives {float(x['reference']):.2f}")
        if bool(row["triggered"]) != x["triggered"] or int(row["responsible"]) != x["responsible"]:
            v.append(f"{at}: triggered {bool(row['triggered'])} with {row['responsible']} responsible; Art 34(2) "
                     f"gives {x['triggered']} with {x['responsible']} against {s.trigger_percent} % of "
                     f"{float(x['reference']):.2f}")
        if int(row["allocated_in"]) > 0 and not x["receiving"]:
            v.append(f"{at}: {row['allocated_in']} allocated to a state not below {s.receive_below_percent} % of "
                     "its reference number (Art 36)")
        if int(row["allocated_in"]) > 0 and (int(row["responsible_after"]) - 1) * 100 >= \
                s.receive_below_percent * x["reference"]:
            v.append(f"{at}: received beyond {s.receive_below_percent} % of its reference number (Art 36): "
                     f"{row['responsible_after']} after, reference {float(x['reference']):.2f}")
        if int(row["allocated_out"]) != x["allocated_out"]:
            v.append(f"{at}: allocated away {row['allocated_out']}, Art 34(2)/36 give {x['allocated_out']} "
                     f"(new applications only, until back at {s.trigger_percent} %)")
        if (int(row["allocated_in"]), int(row["would_receive"])) != (x["allocated_in"], x["would_receive"]):
            v.append(f"{at}: allocated in {row['allocated_in']} (would receive {row['would_receive']}), the pro-rata "
                     f"split by {s.method.value} gives {x['allocated_in']} ({x['would_receive']})")
        if g in s.opt_out and (int(row["allocated_in"]) != 0
                               or int(row["pays_eur"]) != s.contribution_eur * int(row["would_receive"])):
            v.append(f"{at}: opted out (Art 37(1)) but receives {row['allocated_in']} and pays {row['pays_eur']} "
                     f"EUR for {row['would_receive']} it would have received")
        if (int(row["pays_eur"]), int(row["receives_eur"])) != (x["pays_eur"], x["receives_eur"]):
            v.append(f"{at}: pays {row['pays_eur']} / receives {row['receives_eur']} EUR, Art 37(1), (3) gives "
                     f"{x['pays_eur']} / {x['receives_eur']}")
        if int(row["responsible_after"]) != int(row["responsible"]) - int(row["allocated_out"]) + \
                int(row["allocated_in"]):
            v.append(f"{at}: responsible_after {row['responsible_after']} is not responsible - allocated_out + "
                     "allocated_in (conservation)")
    return v


def _sum(rows: dict[tuple[str, str], dict], col: str, at: int, value: str) -> int:
    return sum(int(r[col]) for k, r in rows.items() if k[at] == value)


def _check_totals(st: pd.DataFrame, rows: dict[tuple[str, str], dict], lodged: Counts, months: list[str],
                  s: Dublin4Settings) -> list[str]:
    v = []
    states = {str(r["geo"]): r for r in st.reset_index().to_dict("records")}
    for col, m in (("persons", "allocated_in"), ("relocated_from", "allocated_out"), ("pays_eur", "pays_eur"),
                   ("receives_eur", "receives_eur")):
        for g, r in states.items():
            total = _sum(rows, m, 0, g)
            if int(r[col]) != total:
                v.append(f"design_states {g}: {col} {r[col]}, the months add up to {total}")
    for m in sorted({k[1] for k in rows}):
        gone, came = _sum(rows, "allocated_out", 1, m), _sum(rows, "allocated_in", 1, m)
        if gone != came:
            v.append(f"dublin4_months {m}: {gone} allocated away but {came} allocated in (conservation)")
        paid, got = _sum(rows, "pays_eur", 1, m), _sum(rows, "receives_eur", 1, m)
        if paid != got:
            v.append(f"dublin4_months {m}: contributions paid {paid} EUR, received {got} EUR "
                     "(Art 37(1), (3): paid to the state that takes the person)")
    # Conservation over the window: a state's count is its own lodged, less what went, plus what came.
    for (g, m), row in rows.items():
        if m not in months or g not in lodged:
            continue
        win = _window(months, months.index(m), s.window is Window.ROLLING)
        net = sum(int(rows[g, w]["allocated_out"]) - int(rows[g, w]["allocated_in"])
                  for w in win if w != m and (g, w) in rows)
        own = sum(lodged[g][w] for w in win)
        if int(row["responsible"]) != own - net:
            v.append(f"dublin4_months {g} {m}: responsible {row['responsible']} is not lodged {own} minus "
                     f"allocated away plus allocated in ({net} net) over the window (conservation)")
    return v


def verify(scenario, tables: dict[str, pd.DataFrame], population, gdp,
           applications: pd.DataFrame | None = None) -> list[str]:
    """Violations of COM(2016) 270 Art 34-37 in a Dublin IV run's tables (empty: verified).

    ``applications`` (index geo, one column per month) are re-read from the
    scenario's file when not given.
    """
    s = scenario.design_settings
    if applications is None:
        from pathlib import Path

        f = s.applications_file
        path = None if f is None else (Path(f) if Path(f).is_absolute() else Path(scenario.path).parent / f)
        applications = load_monthly(_months_needed(s), scenario.participants, path,
                                    dict(s.applications_filters) or None).values
    key = _key(scenario, population, gdp)
    months = _months_needed(s)
    frame = applications.loc[sorted(key), months]
    lodged = {str(g): {str(m): int(x) for m, x in r.items()} for g, r in frame.to_dict("index").items()}
    exp = resimulate(key, lodged, months, s)
    st, rows = tables["design_states"], _records(tables["dublin4_months"])
    return _check_key(st, key) + _check_months(rows, exp, s) + _check_totals(st, rows, lodged, months, s)
