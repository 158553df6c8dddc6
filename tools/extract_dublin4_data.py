"""Rebuild the bundled Dublin IV data files from public Eurostat extracts.

The extracts are those kept in the public repository georgeblck/refugee-distribution
(folder ``original_data/``, commits bc68070 of 2019-07-12 and 16cb1b8 of 2020-10-07):

- ``migr_asyappctzm_1_Data.csv``: Eurostat "1_Data" CSV (periods 2008M01 to 2017M11,
  country names, values with thousands commas), citizen = Total, both ASYL_APP values;
- ``migr_asyappctzm__custom_39520_20201006_200227.tsv``: Eurostat TSV downloaded on
  6 October 2020 (periods 2008-01 to 2020-08);
- ``demo_pjan_1_Data.csv`` and ``nama_10_gdp_1_Data.csv``: population on 1 January
  and GDP (current prices, million euro), downloaded about July 2019.

Usage: ``python tools/extract_dublin4_data.py SRC_DIR DATA_DIR`` where SRC_DIR holds
the four files (``git show <commit>:original_data/<file>``). Writes
``asylum-monthly-dublin4.csv``, ``population-dublin4.csv`` and ``gdp-dublin4.csv``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

NAMES = {
    "Austria": "AT", "Belgium": "BE", "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY",
    "Czech Republic": "CZ", "Czechia": "CZ", "Denmark": "DK", "Estonia": "EE", "Finland": "FI",
    "France": "FR", "Germany (until 1990 former territory of the FRG)": "DE", "Germany": "DE",
    "Greece": "EL", "Hungary": "HU", "Ireland": "IE", "Italy": "IT", "Latvia": "LV", "Lithuania": "LT",
    "Luxembourg": "LU", "Malta": "MT", "Netherlands": "NL", "Poland": "PL", "Portugal": "PT",
    "Romania": "RO", "Slovakia": "SK", "Slovenia": "SI", "Spain": "ES", "Sweden": "SE",
    "United Kingdom": "UK", "Iceland": "IS", "Liechtenstein": "LI", "Norway": "NO", "Switzerland": "CH",
}
COUNTRY = {code: name for name, code in NAMES.items() if "(" not in name and name != "Czech Republic"}
V2019 = ("Eurostat migr_asyappctzm, first-time applicants, citizen total; 1_Data CSV download "
         "(periods to 2017M11) kept in georgeblck/refugee-distribution commit bc68070 (2019-07-12)")
V2020 = ("Eurostat migr_asyappctzm, first-time applicants (NASY_APP), citizen TOTAL; TSV download "
         "of 2020-10-06 kept in georgeblck/refugee-distribution commit 16cb1b8 (2020-10-07)")
NOTE = "Eurostat rounds monthly asylum figures to the nearest 5"


def _num(text: str) -> str:
    t = text.replace(",", "").strip()
    return "" if t in (":", "") else str(int(float(t))) if "." not in t else t


def monthly(src: Path) -> list[list[str]]:
    rows = []
    with open(src / "migr_asyappctzm_1_Data.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            month = r["TIME"].replace("M", "-")
            if r["ASYL_APP"] == "First time applicant" and r["GEO"] in NAMES and "2014-01" <= month <= "2015-12":
                g = NAMES[r["GEO"]]
                rows.append([g, COUNTRY[g], month, _num(r["Value"]), V2019, NOTE])
    with open(src / "migr_asyappctzm__custom_39520_20201006_200227.tsv", encoding="utf-8") as fh:
        head = fh.readline().rstrip("\n").split("\t")
        periods = [p.strip() for p in head[1:]]
        for line in fh:
            cells = line.rstrip("\n").split("\t")
            freq, unit, citizen, sex, age, app, geo = cells[0].split(",")
            if citizen != "TOTAL" or app != "NASY_APP" or geo not in COUNTRY:
                continue
            for p, c in zip(periods, cells[1:]):
                if "2018-07" <= p <= "2020-08":
                    rows.append([geo, COUNTRY[geo], p, _num(c.strip().split(" ")[0]), V2020, NOTE])
    return sorted(rows, key=lambda r: (r[2], r[0]))


def yearly(src: Path, file: str, year: str, keep, unit: str, vintage: str) -> list[list[str]]:
    out = []
    with open(src / file, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["TIME"] == year and r["GEO"] in NAMES and keep(r) and _num(r["Value"]):
                g = NAMES[r["GEO"]]
                out.append([g, COUNTRY[g], year, _num(r["Value"]), unit, vintage, ""])
    return sorted(out)


def main(src: Path, dst: Path) -> None:
    with open(dst / "asylum-monthly-dublin4.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["geo", "country", "month", "value", "vintage", "note"])
        w.writerows(monthly(src))
    for name, file, year, keep, unit, vint in (
            ("population-dublin4.csv", "demo_pjan_1_Data.csv", "2015",
             lambda r: r["AGE"] == "Total" and r["SEX"] == "Total", "persons on 1 January",
             "Eurostat demo_pjan, download of about July 2019 (georgeblck/refugee-distribution bc68070)"),
            ("gdp-dublin4.csv", "nama_10_gdp_1_Data.csv", "2014",
             lambda r: r["UNIT"] == "Current prices, million euro", "million EUR, current prices",
             "Eurostat nama_10_gdp B1GQ CP_MEUR, download of about July 2019 "
             "(georgeblck/refugee-distribution bc68070)")):
        with open(dst / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["geo", "country", "year", "value", "unit", "vintage", "note"])
            w.writerows(yearly(src, file, year, keep, unit, vint))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
