"""Stage 1: indicator data (population, GDP) with provenance.

Three file formats are read, detected from the header line:

* the project's tidy CSV (``geo,country,year,value,unit,vintage,note``), which
  is what ships in ``data/``;
* Eurostat's bulk TSV download (``freq,unit,geo\\TIME_PERIOD`` then one column
  per year; values such as ``123.4 p`` carry flags, ``:`` is missing);
* Eurostat SDMX-CSV (``DATAFLOW,LAST UPDATE,freq,...,TIME_PERIOD,OBS_VALUE``).

Every loaded :class:`Indicator` records its year, unit, vintage and source so a
run can say exactly which data it used.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from .errors import InputError, Problem
from .schema import GDP, GEO, POPULATION, YEAR

#: Where the bundled data lives: ``data/`` at the top of the repository, which
#: is also packaged as ``solidarity/_data``.
_CANDIDATES = (Path(__file__).resolve().parent / "_data",
               Path(__file__).resolve().parent.parent / "data")


def data_dir() -> Path:
    for cand in _CANDIDATES:
        if (cand / "population.csv").is_file():
            return cand
    raise FileNotFoundError("bundled data not found; reinstall the package")  # pragma: no cover


#: Bundled file and default Eurostat dimension filters per indicator.
INDICATORS: dict[str, dict] = {
    POPULATION: {"file": "population.csv", "unit": "persons on 1 January",
                 "filters": {"age": "TOTAL", "sex": "T", "unit": "NR"},
                 "dataset": "demo_pjan"},
    GDP: {"file": "gdp.csv", "unit": "million EUR, current prices",
          "filters": {"unit": "CP_MEUR", "na_item": "B1GQ"},
          "dataset": "nama_10_gdp"},
}

_SDMX_NON_DIMS = {"DATAFLOW", "LAST UPDATE", "OBS_VALUE", "OBS_FLAG", "CONF_STATUS",
                  "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "TIME_PERIOD"}


@dataclass(frozen=True, eq=False)
class Indicator:
    """One indicator for one year, indexed by Eurostat country code.

    ``values`` are floats for the vectorised core; :meth:`exact` gives the same
    numbers as exact fractions (the decimal written in the source file).
    """

    name: str
    year: int
    values: pd.Series
    unit: str
    vintage: str
    source: str
    notes: Mapping[str, str] = field(default_factory=dict)

    def exact(self) -> dict[str, Fraction]:
        # repr() of a float read from a decimal with <= 15 significant digits
        # is that decimal again, so this recovers the file's value exactly.
        return {g: Fraction(repr(float(v))) for g, v in self.values.items()}


# --- parsing -----------------------------------------------------------------

_NUM = re.compile(r"^\s*(:|[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([a-z ]*)\s*$")


def _parse_value(text: str) -> tuple[float, str] | None:
    """Eurostat cell ``'123.4 p'`` -> ``(123.4, 'p')``; ``':'`` -> NaN; junk -> None."""
    m = _NUM.match(text)
    if not m:
        if text.strip().startswith(":"):
            return math.nan, text.strip()[1:].strip()
        return None
    num, flag = m.groups()
    return (math.nan if num == ":" else float(num)), flag.strip()


def _file_label(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.name} (sha256 {digest})"


def _detect(first_line: str) -> str:
    if "\\TIME_PERIOD" in first_line or "\\time" in first_line:
        return "eurostat-tsv"
    cols = [c.strip().strip('"') for c in first_line.split(",")]
    if "OBS_VALUE" in cols:
        return "sdmx-csv"
    if {"geo", "year", "value"} <= set(cols):
        return "tidy"
    return "unknown"


def read_table(path: Path) -> tuple[pd.DataFrame, str]:
    """Read any supported file into long form.

    Returns a frame with columns ``geo, year, value, flag, vintage`` plus any
    dimension columns, and the detected format name.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(str(path), "file", str(path), "file not found"))
    text = path.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text else ""
    kind = _detect(first)
    if kind == "eurostat-tsv":
        return _read_tsv(path, text), kind
    if kind == "sdmx-csv":
        return _read_sdmx(path, text), kind
    if kind == "tidy":
        return _read_tidy(path, text), kind
    raise InputError(Problem(str(path), "header", first[:80], "unrecognised file format",
                             "Eurostat bulk TSV, Eurostat SDMX-CSV, or a CSV with columns geo,year,value"))


def _bad_values(path: Path, rows: Iterable[tuple[str, str, str]]) -> list[Problem]:
    return [Problem(str(path), where, cell, "not a number",
                    "a number, optionally followed by Eurostat flags (e.g. '123.4 p'), or ':'")
            for where, cell, _ in rows]


def _read_tsv(path: Path, text: str) -> pd.DataFrame:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = lines[0].split("\t")
    dims = header[0].split("\\")[0].split(",")
    years = [h.strip() for h in header[1:]]
    records, bad = [], []
    for lineno, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        keys = cells[0].split(",")
        for year, cell in zip(years, cells[1:]):
            parsed = _parse_value(cell)
            if parsed is None:
                bad.append((f"line {lineno}, {year}", cell.strip(), ""))
                continue
            records.append({**dict(zip(dims, keys)), YEAR: int(year[:4]),
                            "value": parsed[0], "flag": parsed[1]})
    if bad:
        raise InputError(_bad_values(path, bad))
    frame = pd.DataFrame.from_records(records)
    frame["vintage"] = _file_label(path)
    return frame


def _read_sdmx(path: Path, text: str) -> pd.DataFrame:
    reader = csv.DictReader(io.StringIO(text))
    records, bad = [], []
    for lineno, row in enumerate(reader, start=2):
        cell = (row.get("OBS_VALUE") or "").strip()
        parsed = (math.nan, "") if cell in ("", ":") else _parse_value(cell)
        if parsed is None:
            bad.append((f"line {lineno}, OBS_VALUE", cell, ""))
            continue
        rec = {k: (v.split(":")[0] if v else v) for k, v in row.items()
               if k not in _SDMX_NON_DIMS}
        rec[YEAR] = int(str(row["TIME_PERIOD"])[:4])
        rec["value"] = parsed[0]
        rec["flag"] = (row.get("OBS_FLAG") or "").strip()
        rec["vintage"] = (f"{row.get('DATAFLOW', 'Eurostat')}, last update {row['LAST UPDATE']}"
                          if row.get("LAST UPDATE") else "")
        records.append(rec)
    if bad:
        raise InputError(_bad_values(path, bad))
    frame = pd.DataFrame.from_records(records)
    if (frame["vintage"] == "").any():
        frame.loc[frame["vintage"] == "", "vintage"] = _file_label(path)
    return frame


def _read_tidy(path: Path, text: str) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), dtype={"geo": str, "note": str, "vintage": str,
                                                  "unit": str, "country": str})
    bad = frame.index[pd.to_numeric(frame["value"], errors="coerce").isna()
                      & frame["value"].notna()]
    if len(bad):
        raise InputError(_bad_values(path, [(f"line {i + 2}, value", str(frame.at[i, "value"]), "")
                                            for i in bad]))
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    frame[YEAR] = frame[YEAR].astype(int)
    frame["flag"] = ""
    if "vintage" not in frame:
        frame["vintage"] = _file_label(path)
    return frame


# --- selection ---------------------------------------------------------------

def load_indicator(name: str, year: int | None = None, path: str | Path | None = None,
                   filters: Mapping[str, str] | None = None, vintage: str | None = None,
                   require: Iterable[str] = ()) -> Indicator:
    """Load one indicator for one year.

    Parameters
    ----------
    name : ``"population"`` or ``"gdp_meur"``.
    year : data year; default the latest year in the file.
    path : a user file (tidy CSV, Eurostat TSV or SDMX-CSV); default bundled.
    filters : Eurostat dimension values to keep (defaults per indicator, used
        only for the columns a file has).
    vintage : label to record when the file itself carries none.
    require : country codes that must have a value; all missing ones are
        reported together.
    """
    spec = INDICATORS[name]
    source = Path(path) if path is not None else data_dir() / spec["file"]
    frame, kind = read_table(source)
    label = str(source) if path is not None else f"bundled data/{spec['file']}"
    wanted = {**spec["filters"], **(filters or {})}
    for dim, val in wanted.items():
        if dim in frame.columns and kind != "tidy":
            frame = frame[frame[dim] == val]
    if frame.empty:
        raise InputError(Problem(label, "filters", dict(wanted), "no rows left after filtering",
                                 "dimension values present in the file"))
    years = sorted(int(y) for y in frame[YEAR].unique())
    chosen = years[-1] if year is None else int(year)
    if chosen not in years:
        raise InputError(Problem(label, "year", chosen, "year not in the file",
                                 ", ".join(map(str, years))))
    rows = frame[frame[YEAR] == chosen]
    dup = rows[GEO][rows[GEO].duplicated()].unique().tolist()
    if dup:
        raise InputError(Problem(label, "geo", sorted(dup), "several rows per country: the "
                                 "file has more dimensions than the filters select",
                                 f"add filters for the other dimension columns ({', '.join(c for c in rows.columns if c not in (GEO, YEAR, 'value', 'flag', 'vintage'))})"))
    rows = rows.set_index(GEO).sort_index()
    values = rows["value"].astype(float)
    missing = [g for g in require if g not in values.index or math.isnan(values.get(g, math.nan))]
    problems = [Problem(label, f"{GEO}={g}, {YEAR}={chosen}", "missing", f"no {name} value",
                        "a number for every participant") for g in missing]
    nonpos = [g for g in require if g in values.index and values[g] <= 0]
    problems += [Problem(label, f"{GEO}={g}, {YEAR}={chosen}", float(values[g]),
                         f"{name} must be positive", "a number > 0") for g in nonpos]
    if problems:
        raise InputError(problems)
    vint = vintage or "; ".join(sorted(set(rows["vintage"].dropna().astype(str)))) or _file_label(source)
    unit = (str(rows["unit"].iloc[0]) if kind == "tidy" and "unit" in rows else spec["unit"])
    notes = {}
    if "note" in rows:
        notes = {g: str(n) for g, n in rows["note"].items() if isinstance(n, str) and n}
    flags = {g: f for g, f in rows["flag"].items() if f}
    for g, f in flags.items():
        notes[g] = (notes.get(g, "") + f" Eurostat flag '{f}'").strip()
    values.name = name
    return Indicator(name=name, year=chosen, values=values, unit=unit, vintage=vint,
                     source=label, notes=notes)
