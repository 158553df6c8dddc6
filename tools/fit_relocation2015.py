"""Measure which inputs and formula reproduce the COM(2015) 286 tables best.

Not part of the test suite: a measuring tool for issue 17. For every variant
(each a documented reading of the Commission's key or a different Eurostat
input), it computes the key over the 23 bound states, the persons from Italy
(24 000) and Greece (16 000) rounded half up per state, and prints the largest
key difference in points and how many states are within one person of the
published tables (tests/test_design_relocation2015.py).

The inputs are the Eurostat "_1_Data.csv" extracts of June 2016 and UNHCR's
resettlement export of October 2015 kept in georgeblck/refugee-distribution
(commit e743ca3); unpack them first::

    G=<git dir of georgeblck/refugee-distribution>; D=/tmp/extracts; mkdir -p $D
    for f in migr_asyappctza demo_pjan nama_10_gdp une_rt_a; do
      git --git-dir=$G show e743ca3:original_data/eurostat_zip/$f.zip > $D/$f.zip
      unzip -o -q $D/$f.zip -d $D; done
    git --git-dir=$G show e743ca3:original_data/all_unhcr/resettlement.csv > $D/resettlement.csv
    git --git-dir=$G show e743ca3:original_data/Old/asylum_applicants_year.csv > $D/asylum_applicants_year.csv
    python tools/fit_relocation2015.py $D [--top 40] [--fix axis=value ...] [--implied-gdp]

The last file (an undated extract of extra-EU applicants) is optional. The
measured table is in docs/designs-relocation2015.md.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_design_relocation2015 import PUBLISHED_EL, PUBLISHED_IT, PUBLISHED_KEY

BOUND = sorted(PUBLISHED_KEY)
OTHERS = ["IT", "EL", "DK", "IE", "UK"]
NAMES = {"AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CY": "Cyprus", "CZ": "Czech Republic",
         "DE": "Germany (until 1990 former territory of the FRG)", "DK": "Denmark", "EE": "Estonia",
         "EL": "Greece", "ES": "Spain", "FI": "Finland", "FR": "France", "HR": "Croatia", "HU": "Hungary",
         "IE": "Ireland", "IT": "Italy", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MT": "Malta",
         "NL": "Netherlands", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden",
         "SI": "Slovenia", "SK": "Slovakia", "UK": "United Kingdom"}
UNHCR = {**NAMES, "DE": "Germany", "CZ": "Czech Rep.", "UK": "United Kingdom of Great Britain and Northern Ireland"}


def _num(s: str) -> float | None:
    s = s.strip().replace(",", "")
    return None if s in (":", "") else float(s)


def _eurostat(path: Path, where: dict[str, str]) -> dict[tuple[str, int], float]:
    """{(code, year): value} from a Eurostat _1_Data.csv, rows matching ``where``."""
    by_name = {v: k for k, v in NAMES.items()}
    if "demo_pjan" in path.name:
        by_name["Germany (including former GDR)"] = "DE"
        by_name.pop("Germany (until 1990 former territory of the FRG)")
    out = {}
    with path.open(encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            code = by_name.get(row["GEO"])
            if code is None or any(row.get(k) != v for k, v in where.items()):
                continue
            v = _num(row["Value"])
            if v is not None:
                out[code, int(row["TIME"])] = v
    return out


def _unhcr(path: Path) -> dict[tuple[str, int], float]:
    by_name = {v: k for k, v in UNHCR.items()}
    out: dict[tuple[str, int], float] = {}
    with path.open(encoding="utf-8", errors="replace") as f:
        rows = list(csv.reader(f))
    for row in rows[4:]:
        if len(row) < 4 or row[0] not in by_name or not row[2].isdigit():
            continue
        v = row[3].strip()
        n = float(v) if v.replace(".", "").isdigit() else 0.0  # "*" (1-4 persons) counted as 0
        key = (by_name[row[0]], int(row[2]))
        out[key] = out.get(key, 0.0) + n
    return out


def load(d: Path) -> dict[str, dict]:
    total = {"AGE": "Total", "SEX": "Total"}
    return {
        "pop": _eurostat(d / "demo_pjan_1_Data.csv", total),
        "gdp": _eurostat(d / "nama_10_gdp_1_Data.csv", {"UNIT": "Current prices, million euro"}),
        "une": _eurostat(d / "une_rt_a_1_Data.csv", total),
        "asy": _eurostat(d / "migr_asyappctza_1_Data.csv", {**total, "CITIZEN": "Total",
                                                             "ASYL_APP": "Asylum applicant"}),
        "nasy": _eurostat(d / "migr_asyappctza_1_Data.csv", {**total, "CITIZEN": "Total",
                                                              "ASYL_APP": "First time applicant"}),
        "gdp_pps": _eurostat(d / "nama_10_gdp_1_Data.csv",
                             {"UNIT": "Current prices, million Purchasing Power Standards"}),
        "res": _unhcr(d / "resettlement.csv"),
        # original_data/Old/asylum_applicants_year.csv (same repository, undated extract): extra-EU citizens
        "xasy": (_eurostat(d / "asylum_applicants_year.csv", {**total, "CITIZEN": "Extra EU-28",
                                                              "ASYL_APP": "Asylum applicant"})
                 if (d / "asylum_applicants_year.csv").exists() else {}),
    }


# --- the variants ------------------------------------------------------------------

AXES = {
    "applicants": ["all", "first", "extra-eu"],  # migr_asyappctza ASY_APP vs NASY_APP; extra-EU citizens
    "resettled": ["unhcr", "none"],
    "window": ["2010-2014", "2010-2013", "2009-2013"],
    "croatia": ["zero", "known"],               # missing years as 0 / average over known years
    "per_million": ["key", "yearly"],           # key's population / each year's population
    "unemployment": ["2014", "2013", "2010-2014"],
    "population": ["2014", "2015"],
    "gdp": ["2013", "2014"],
    "gdp_unit": ["eur", "pps"],                 # current prices, million EUR / million PPS
    "inverse": ["1/x", "max-x", "1-share"],
    "cap": ["none", "0.3(p+g)", "0.3(p+g)/2"],
    "universe": ["bound", "eu28"],              # normalise over the 23 bound states / EU-28 then renormalise
}


def _inverse(x: dict[str, float], how: str) -> dict[str, float]:
    if how == "1/x":
        v = {g: 1 / x[g] for g in x}
    elif how == "max-x":
        m = max(x.values())
        v = {g: m - x[g] for g in x}
    else:  # 1 - the state's share of the criterion
        s = sum(x.values())
        v = {g: 1 - x[g] / s for g in x}
    t = sum(v.values())
    return {g: a / t for g, a in v.items()}


def _share(x: dict[str, float]) -> dict[str, float]:
    t = sum(x.values())
    return {g: a / t for g, a in x.items()}


def key(data: dict, v: dict[str, str]) -> dict[str, float] | None:
    geos = BOUND + (OTHERS if v["universe"] == "eu28" else [])
    py, gy = int(v["population"]), int(v["gdp"])
    y0, y1 = (int(y) for y in v["window"].split("-"))
    years = range(y0, y1 + 1)
    try:
        pop = {g: data["pop"][g, py] for g in geos}
        gdp = {g: data["gdp" if v["gdp_unit"] == "eur" else "gdp_pps"][g, gy] for g in geos}
        if "-" in v["unemployment"]:
            u0, u1 = (int(y) for y in v["unemployment"].split("-"))
            une = {g: sum(data["une"][g, y] for y in range(u0, u1 + 1)) / (u1 - u0 + 1) for g in geos}
        else:
            une = {g: data["une"][g, int(v["unemployment"])] for g in geos}
    except KeyError:
        return None
    apps = data[{"all": "asy", "first": "nasy", "extra-eu": "xasy"}[v["applicants"]]]
    asy = {}
    for g in geos:
        per = []
        for y in years:
            a = apps.get((g, y))
            if a is None:
                if v["croatia"] == "known":
                    continue
                a = 0.0
            r = data["res"].get((g, y), 0.0) if v["resettled"] == "unhcr" else 0.0
            den = data["pop"][g, y] if v["per_million"] == "yearly" else pop[g]
            per.append((a + r) * 1e6 / den)
        if not per:
            return None
        asy[g] = sum(per) / (len(per) if v["croatia"] == "known" else len(years))
    if min(asy.values()) <= 0:
        return None
    p, q = _share(pop), _share(gdp)
    a0, u0_ = _inverse(asy, v["inverse"]), _inverse(une, v["inverse"])
    if v["cap"] == "none":
        k = {g: 0.4 * p[g] + 0.4 * q[g] + 0.1 * a0[g] + 0.1 * u0_[g] for g in geos}
    else:
        f = 0.3 if v["cap"] == "0.3(p+g)" else 0.15
        lim = {g: f * (p[g] + q[g]) for g in geos}
        k = {g: 0.4 * p[g] + 0.4 * q[g] + 0.1 * min(a0[g], lim[g]) + 0.1 * min(u0_[g], lim[g]) for g in geos}
        res = 1 - sum(k.values())
        k = {g: k[g] + res * (p[g] + q[g]) / 2 for g in geos}
    return _share({g: k[g] for g in BOUND})


def measure(k: dict[str, float]) -> tuple[float, int, int, int]:
    """(max key difference in points, states within one person IT, EL, sum of |person differences|)."""
    dk = max(abs(100 * k[g] - PUBLISHED_KEY[g]) for g in BOUND)
    it = {g: math.floor(24_000 * k[g] + 0.5) - PUBLISHED_IT[g] for g in BOUND}
    el = {g: math.floor(16_000 * k[g] + 0.5) - PUBLISHED_EL[g] for g in BOUND}
    return (dk, sum(abs(d) <= 1 for d in it.values()), sum(abs(d) <= 1 for d in el.values()),
            sum(map(abs, it.values())) + sum(map(abs, el.values())))


def implied_gdp(data: dict) -> dict[str, float]:
    """Per state, the 2013 GDP the published key implies over the bundled one, if
    the whole gap were GDP's (uncapped key, the annex's readings; the key taken
    at the middle of what its two decimals and both published numbers allow)."""
    mid = {}
    for g in BOUND:
        lo = max((PUBLISHED_KEY[g] - 0.005) / 100, (PUBLISHED_IT[g] - 0.5) / 24_000, (PUBLISHED_EL[g] - 0.5) / 16_000)
        hi = min((PUBLISHED_KEY[g] + 0.005) / 100, (PUBLISHED_IT[g] + 0.5) / 24_000, (PUBLISHED_EL[g] + 0.5) / 16_000)
        mid[g] = (lo + hi) / 2
    pop = {g: data["pop"][g, 2014] for g in BOUND}
    p, q = _share(pop), _share({g: data["gdp"][g, 2013] for g in BOUND})
    asy = {g: sum(data["asy"].get((g, y), 0.0) + data["res"].get((g, y), 0.0) for y in range(2010, 2015))
           / 5 * 1e6 / pop[g] for g in BOUND}
    a, u = _inverse(asy, "1/x"), _inverse({g: data["une"][g, 2014] for g in BOUND}, "1/x")
    g_share = _share({g: (mid[g] - 0.4 * p[g] - 0.1 * a[g] - 0.1 * u[g]) / 0.4 for g in BOUND})
    return {g: g_share[g] / q[g] for g in BOUND}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("extracts", type=Path)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--fix", action="append", default=[], help="axis=value, keep this axis fixed")
    ap.add_argument("--implied-gdp", action="store_true", help="print the GDP ratios the published key implies")
    a = ap.parse_args(argv)
    data = load(a.extracts)
    if a.implied_gdp:
        for g, r in sorted(implied_gdp(data).items(), key=lambda t: t[1]):
            print(f"{g}  {r:.4f}")
        return 0
    axes = dict(AXES)
    for fx in a.fix:
        name, val = fx.split("=", 1)
        axes[name] = [val]
    rows = []
    for combo in itertools.product(*axes.values()):
        v = dict(zip(axes, combo))
        k = key(data, v)
        if k is not None:
            rows.append((measure(k), v))
    rows.sort(key=lambda r: (r[0][3], r[0][0]))
    names = list(axes)
    print("max_key_pts  IT<=1  EL<=1  sum|d|  " + "  ".join(names))
    for (dk, it, el, s), v in rows[: a.top]:
        print(f"{dk:11.3f}  {it:5d}  {el:5d}  {s:6d}  " + "  ".join(v[n] for n in names))
    print(f"({len(rows)} variants measured)")
    print("\nbest variant with each axis value (the other axes free):")
    for n in names:
        for val in axes[n]:
            best = next(((m, v) for m, v in rows if v[n] == val), None)
            if best is not None:
                (dk, it, el, s), _ = best
                print(f"  {n} = {val}: max {dk:.3f} pts, IT {it}/23, EL {el}/23, sum|d| {s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
