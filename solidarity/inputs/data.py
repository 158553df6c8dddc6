"""Stage 1: indicator data (population, GDP) with provenance.

Files are read as Eurostat publishes them, plain or gzipped (recognised by
their first bytes, not their name):

* Eurostat bulk TSV: a header such as ``freq,unit,geo\\TIME_PERIOD`` (older
  files: ``unit,geo\\time``), then one tab-separated column per period; cells
  such as ``123.4 p`` carry flags and ``:`` (or ``: c``) is missing;
* SDMX-CSV 1.0 (``DATAFLOW,LAST UPDATE,freq,...,TIME_PERIOD,OBS_VALUE,OBS_FLAG``)
  and 2.0 (``STRUCTURE,STRUCTURE_ID,ACTION,freq,...,OBS_VALUE,OBS_FLAG,...``),
  with plain codes or ``DE:Germany`` cells and column names in any case;
* the project's tidy CSV (``geo,country,year,value,unit,vintage,note``), which
  is what ships in ``data/``.

Loading runs in this order so that only what is used gets checked: the file
is cut into rows and dimension codes, the dimension filters pick rows, and
only the picked rows' cells are parsed. A junk cell in a row the filters drop
therefore never rejects a file, and a 6 MB bulk file loads in well under a
tenth of a second. Every step works on whole columns with pyarrow compute
kernels (pandas' own ``str.split``/``str.extract`` would loop over the cells in
Python) and the pyarrow CSV reader; Python loops only run over problems found,
header cells, years or participants.

Every problem is an :class:`~solidarity.errors.InputError` naming the file,
the place (line and column, or geo and year), the value and what is allowed.
Every loaded :class:`Indicator` records its year (and why that year), unit,
flags, filters, vintage and the file's SHA-256 so a run can say exactly which
data it used.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import MISSING, InputError, Problem
from ..schema import GDP, GEO, KNOWN_CODES, POPULATION, YEAR
from .trust import read_bounded

if TYPE_CHECKING:  # for annotations only: a scenario is validated apart from its data
    from .scenario import Scenario

#: Where the bundled data lives: ``data/`` at the top of the repository, which
#: is also packaged as ``solidarity/_data``.
_CANDIDATES = (Path(__file__).resolve().parent.parent / "_data",
               Path(__file__).resolve().parent.parent.parent / "data")


def data_dir() -> Path:
    """Folder holding the bundled ``population.csv`` and ``gdp.csv``."""
    for cand in _CANDIDATES:
        if (cand / "population.csv").is_file():
            return cand
    raise FileNotFoundError("bundled data not found; reinstall the package")  # pragma: no cover


#: Bundled file, unit assumed when a file states none, and default Eurostat
#: dimension filters per indicator (used only for dimensions a file has).
INDICATORS: dict[str, dict] = {
    POPULATION: {"file": "population.csv", "unit": "persons on 1 January",
                 "filters": {"age": "TOTAL", "sex": "T", "unit": "NR"},
                 "dataset": "demo_pjan"},
    GDP: {"file": "gdp.csv", "unit": "million EUR, current prices",
          "filters": {"unit": "CP_MEUR", "na_item": "B1GQ"},
          "dataset": "nama_10_gdp"},
}

#: Format names, as recorded in :attr:`Indicator.format`.
TIDY, TSV, SDMX1, SDMX2 = "tidy", "eurostat-tsv", "sdmx-csv-1.0", "sdmx-csv-2.0"

_ACCEPTED = ("UTF-8 text in one of: Eurostat bulk TSV (header like "
             "'freq,unit,geo\\TIME_PERIOD<tab>2024'), SDMX-CSV 1.0 (DATAFLOW,LAST UPDATE,"
             "...,TIME_PERIOD,OBS_VALUE), SDMX-CSV 2.0 (STRUCTURE,STRUCTURE_ID,ACTION,...,"
             "OBS_VALUE) or a CSV with columns geo,year,value; plain or gzipped")
_CELL_ALLOWED = ("a number such as 123.4, optionally followed by Eurostat flags "
                 "('123.4 p'), or ':' for missing")

#: Meaning of Eurostat's observation flags, for notes.
FLAGS = {"b": "break in time series", "c": "confidential", "d": "definition differs",
         "e": "estimated", "f": "forecast", "n": "not significant", "p": "provisional",
         "r": "revised", "s": "Eurostat estimate", "u": "low reliability",
         "z": "not applicable"}

#: Readable labels for common Eurostat unit codes (CLVnn_* are derived).
UNITS = {"NR": "persons", "THS": "thousands", "CP_MEUR": "million EUR, current prices",
         "CP_MNAC": "million national currency, current prices",
         "CP_EUR_HAB": "EUR per capita, current prices",
         "CP_MPPS_EU27_2020": "million PPS (EU27 from 2020), current prices",
         "PC_GDP": "percentage of GDP"}

# SDMX-CSV columns that are not dimensions a filter could name.
_SDMX_META = {"DATAFLOW", "LAST UPDATE", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME",
              "ACTION", "TIME_PERIOD", "TIME", "GEO"}
# Tidy-CSV columns that are not dimensions.
_TIDY_META = {GEO, "country", YEAR, "value", "flag", "vintage", "note"}
# Names the long frame uses for its own columns; a file dimension may not take them.
_RESERVED = {YEAR, "value", "flag", "vintage", "note", "period", "raw", "column"}

# Internal columns of the row frame (the underscore keeps them apart from dimensions).
_LINE, _TIME, _CELL, _OFLAG, _VINT, _UPDATED, _NOTE = (
    "_line", "_time", "_cell", "_oflag", "_vintage", "_updated", "_note")

# A cell: a number or ':' and then optional lower-case flags, or nothing at all.
# [0-9] rather than \d, which would also accept non-ASCII digits.
_CELL_RE = (r"^(?:(?P<num>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
            r"|(?P<miss>:))?\s*(?P<flag>[a-z]*)$")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIMIT = 10  # problems of one kind reported before "and N more"


@dataclass(frozen=True, eq=False)
class Indicator:
    """One indicator for one year, indexed by Eurostat country code.

    ``values`` are floats for the vectorised core; :meth:`exact` gives the same
    numbers as exact fractions (the decimal written in the source file). Only
    plain types are stored so that an indicator pickles.

    Attributes
    ----------
    name, year : indicator name and data year.
    values : float Series indexed by geo code (every geo of that year,
        aggregates such as ``EU27_2020`` included; NaN where missing).
    unit : unit code from the file with a label where known, e.g.
        ``'CP_MEUR (million EUR, current prices)'``.
    vintage, source : release of the data, and the file as the user named it.
    notes : geo -> free text (the tidy file's ``note``, flag meanings).
    flags : geo -> Eurostat flags of the selected value (``''`` when none).
    filters : dimension -> code actually applied.
    year_rule : ``'given'``, or how the default year was chosen.
    path, sha256, format, compressed : the file read, for an audit manifest.
    """

    name: str
    year: int
    values: pd.Series
    unit: str
    vintage: str
    source: str
    notes: dict[str, str] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    year_rule: str = "given"
    path: str = ""
    sha256: str = ""
    format: str = ""
    compressed: bool = False

    def exact(self) -> dict[str, Fraction]:
        """The values as exact fractions of the decimals in the file."""
        # repr() of a float read from a decimal with <= 15 significant digits
        # is that decimal again, so this recovers the file's value exactly.
        return {cast(str, g): Fraction(repr(float(v))) for g, v in self.values.items()}


# --- small helpers -------------------------------------------------------------

def _fail(problems: list[Problem], limit: int | None = _LIMIT) -> None:
    """Raise the problems if any: the first ``limit`` and a count of the rest
    (a broken file can have thousands of bad cells)."""
    if problems:
        if limit is not None and len(problems) > limit:
            rest = len(problems) - limit
            problems = problems[:limit] + [Problem(problems[0].file, "...", MISSING,
                                                   f"and {rest} more like these")]
        raise InputError(problems)


def _listing(values: Iterable, limit: int = 30) -> str:
    """``'A, B, C'``, shortened to the first ``limit`` with a count of all."""
    vals = [str(v) for v in values]
    shown = ", ".join(vals[:limit])
    return shown + (f", ... ({len(vals)} in all)" if len(vals) > limit else "")


def _years(years: Iterable[int]) -> str:
    """``'1960-2023, 2025'``: runs of three or more consecutive years collapsed."""
    out: list[str] = []
    ys = sorted(set(int(y) for y in years))
    i = 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        out += [f"{ys[i]}-{ys[j]}"] if j - i >= 2 else [str(y) for y in ys[i:j + 1]]
        i = j + 1
    return ", ".join(out)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _series(arr: pa.Array) -> pd.Series:
    """A pyarrow string array as a pandas string Series (the text is not copied)."""
    return pd.Series(pd.array(arr, dtype="str"))


def _codes(arr: pa.Array) -> pd.Series:
    """Cells as codes: ``'DE:Germany'`` -> ``'DE'``, surrounding spaces dropped."""
    if pc.any(pc.match_substring(arr, ":")).as_py():
        arr = pc.replace_substring_regex(arr, ":.*", "")
    return _series(pc.utf8_trim_whitespace(arr))


def unit_label(code: str) -> str:
    """``'CP_MEUR'`` -> ``'CP_MEUR (million EUR, current prices)'``; unknown codes as is."""
    m = re.fullmatch(r"CLV(\d\d)_M(EUR|NAC)", code)
    label = UNITS.get(code) or (m and (f"chain-linked volumes 20{m[1]}, million "
                                       f"{'EUR' if m[2] == 'EUR' else 'national currency'}"))
    return f"{code} ({label})" if label else code


# --- bytes to lines ------------------------------------------------------------

@dataclass
class _Raw:
    """A file cut into rows; values still text."""

    kind: str
    label: str  # the file as named in messages
    rows: pd.DataFrame  # dims, geo, _line; CSV also _time, _cell, _oflag, _vintage, ...
    dims: list[str]  # dimensions a filter may name (not geo, not time)
    periods: list[str]  # TSV: the period columns
    cells: pa.ListArray | None  # TSV: each line's cells (key first), parsed only when kept
    value_col: str  # name of the value column, for messages
    time_col: str  # and of the time column ('' for TSV: periods are columns)
    path: Path
    sha256: str
    compressed: bool


def _read_bytes(path: Path, label: str) -> bytes:
    def problem(msg: str) -> InputError:
        return InputError(Problem(label, "file", MISSING, msg, _ACCEPTED))
    if path.is_dir():
        raise problem("is a directory, not a file")
    try:  # non-blocking, regular files only, size bounded: a device or FIFO never hangs us
        return read_bounded(path)
    except FileNotFoundError:
        raise problem("file not found") from None
    except PermissionError:
        raise problem("cannot be read: permission denied") from None
    except (OSError, ValueError) as exc:  # e.g. a name with a NUL byte, an I/O error, a device
        raise problem(f"cannot be read: {getattr(exc, 'strerror', None) or exc}") from None


def _decode(data: bytes, label: str, compressed: bool) -> str:
    """Bytes (already un-gzipped) to text, rejecting what is not UTF-8 text."""
    after = " after gunzip" if compressed else ""
    NEWLINE = b"\n"

    def fail(key: str, value: object, msg: str) -> None:
        raise InputError(Problem(label, key, value, msg + after, _ACCEPTED))
    if data[:4] == b"PK\x03\x04":
        fail("byte 0", data[:4], "a ZIP archive (or .xlsx workbook), not a text file")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        fail("byte 0", data[:2], "UTF-16 text (save the file as UTF-8)")
    bad = _CONTROL.search(data)  # before decoding: binary data is better named so
    if bad:
        at = bad.start()
        fail(f"byte {at}, line {data.count(NEWLINE, 0, at) + 1}", data[at:at + 1],
             "control character: binary data, not text")
    bom = 3 if data[:3] == b"\xef\xbb\xbf" else 0  # a UTF-8 byte-order mark is fine
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + bom
        fail(f"byte {at}, line {data.count(NEWLINE, 0, at) + 1}", data[at:at + 4], "not UTF-8 text")
    if not text.strip():
        fail("file", MISSING, "empty file")
    return text


def _lines(text: str) -> tuple[pa.Array, np.ndarray]:
    """Non-blank lines and their 1-based line numbers in the file."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = pc.list_flatten(pc.split_pattern(pa.array([text]), "\n"))
    blank = pc.equal(pc.utf8_trim_whitespace(lines), "").to_numpy(zero_copy_only=False)
    return lines.filter(pa.array(~blank)), np.flatnonzero(~blank) + 1


def _check_names(names: list[str], columns: list[int], label: str) -> None:
    """Dimension names (at these 1-based columns) must be non-empty, distinct and
    not clash with the frame's own columns."""
    seen: set[str] = set()
    problems = []
    for i, n in zip(columns, names):
        if not n or n in seen or n in _RESERVED or n.startswith("_"):
            why = ("empty column name" if not n else "duplicated column name" if n in seen
                   else "reserved column name")
            problems.append(Problem(label, f"line 1, column {i}", n, why,
                                    "distinct dimension names such as freq, unit, geo"))
        seen.add(n)
    _fail(problems)


def _read_raw(path: Path, label: str) -> _Raw:
    """Read, un-gzip, decode and cut a file into rows (no value is parsed yet)."""
    data = _read_bytes(path, label)
    digest = hashlib.sha256(data).hexdigest()
    compressed = data[:2] == b"\x1f\x8b"
    if compressed:
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(Problem(label, "file", MISSING,
                                     f"truncated or corrupt gzip data ({exc})",
                                     "a complete .gz download")) from None
    text = _decode(data, label, compressed)
    lines, numbers = _lines(text)
    header = lines[0].as_py()
    if len(lines) < 2:  # the line is not quoted: the file may be anything (a boundary refuses less than all)
        raise InputError(Problem(label, f"line {numbers[0]}", MISSING,
                                 "header only: no data rows", "one row per observation"))
    if not text.endswith(("\n", "\r")):  # a download cut short ends mid-line
        raise InputError(Problem(label, f"line {numbers[-1]}", MISSING,
                                 "the last line has no line end: the file looks truncated",
                                 "a complete file, every line ending in a newline"))
    if "\\" in header.split("\t")[0]:
        rows, dims, periods, cells = _split_tsv(lines, numbers, label)
        return _Raw(TSV, label, rows, dims, periods, cells, "column", "", path, digest, compressed)
    kind, rows, dims, value_col, time_col = _split_csv(lines, numbers, label)
    return _Raw(kind, label, rows, dims, [], None, value_col, time_col, path, digest, compressed)


def _split_tsv(lines: pa.Array, numbers: np.ndarray, label: str):
    """Eurostat bulk TSV: a key cell ``A,NR,DE`` then one cell per period."""
    head = [c.strip() for c in lines[0].as_py().split("\t")]
    keys, _, time = head[0].partition("\\")
    time, commas, _ = time.partition(",")  # commas for tabs: no period column then
    if time.strip().upper() not in ("TIME_PERIOD", "TIME"):
        raise InputError(Problem(label, "line 1, column 1", MISSING,
                                 "Eurostat TSV header must end in \\TIME_PERIOD or \\time",
                                 "e.g. 'freq,unit,geo\\TIME_PERIOD'"))
    dims = [d.strip().lower() for d in keys.split(",")]
    periods = [] if commas else head[1:]
    _check_names(dims, [1] * len(dims), label)
    problems = []
    if GEO not in dims:
        problems.append(Problem(label, "line 1, column 1", head[0], "no geo dimension",
                                "a header like 'freq,unit,geo\\TIME_PERIOD'"))
    if not periods:
        problems.append(Problem(label, "line 1", head[0], "no time columns",
                                "tab-separated period columns after the key column"))
    dup = sorted({p for p in periods if periods.count(p) > 1 or not p})
    problems += [Problem(label, "line 1", p, "empty or duplicated time period column",
                         "one column per period") for p in dup]
    _fail(problems)
    body, nums = lines.slice(1), numbers[1:]
    cells = pc.split_pattern(body, "\t")
    keys = pc.list_element(cells, 0)
    codes = pc.split_pattern(keys, ",")
    ncells = pc.list_value_length(cells).to_numpy()
    ncodes = pc.list_value_length(codes).to_numpy()
    problems = [Problem(label, f"line {nums[i]}", int(ncells[i]), "wrong number of cells",
                        f"{len(head)} tab-separated cells, as in the header")
                for i in np.flatnonzero(ncells != len(head))]
    problems += [Problem(label, f"line {nums[i]}, column 1", keys[i].as_py(),
                         f"{ncodes[i]} codes in the key", f"{len(dims)} codes: {','.join(dims)}")
                 for i in np.flatnonzero(ncodes != len(dims))]
    _fail(problems)
    rows = pd.DataFrame({d: _series(pc.utf8_trim_whitespace(pc.list_element(codes, i)))
                         for i, d in enumerate(dims)})
    rows[_LINE] = nums
    return rows, [d for d in dims if d != GEO], periods, cells


def _csv_columns(lines: pa.Array, numbers: np.ndarray, label: str, width: int) -> list[pa.Array]:
    """CSV body to one string array per column; every line must hold one whole row."""
    body = lines.slice(1)
    whole = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(body)], pa.int32()), body), "\n")
    names = [f"c{i}" for i in range(width)]

    def parse(threads: bool):
        bad: list = []

        def skip(row):
            bad.append(row)
            return "skip"
        table = pacsv.read_csv(
            pa.BufferReader(whole[0].as_buffer()),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=threads),
            parse_options=pacsv.ParseOptions(invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
        return table, bad
    try:
        table, bad = parse(True)
    except pa.ArrowInvalid:
        table, bad = None, [None]
    if bad or table.num_rows != len(body):
        try:  # again, serially: only then are rows given with their numbers
            table, bad = parse(False)
        except pa.ArrowInvalid as exc:
            raise InputError(Problem(label, "file", MISSING, f"not valid CSV: {exc}",
                                     "comma-separated cells, one row per line")) from None
    problems = []
    for row in bad:
        where = f"line {numbers[row.number]}" if row.number and row.number < len(numbers) else "row"
        problems.append(
            Problem(label, where, row.text.split("\n")[0][:80], "quote not closed on its line",
                    "balanced double quotes") if "\n" in row.text else
            Problem(label, where, row.actual_columns, "wrong number of cells",
                    f"{width} comma-separated cells, as in the header"))
    _fail(problems)
    if table.num_rows != len(body):  # pragma: no cover - the checks above should catch it
        raise InputError(Problem(label, "file", MISSING, "rows could not be told apart",
                                 "comma-separated cells, one row per line"))
    return [c.combine_chunks() for c in table.columns]


def _split_csv(lines: pa.Array, numbers: np.ndarray, label: str):
    """SDMX-CSV 1.0/2.0 or tidy CSV: one observation per row."""
    header = lines[0].as_py()
    try:
        names = [n.partition(":")[0].strip() for n in next(csv.reader([header]))]
    except csv.Error:
        names = []
    upper = [n.upper() for n in names]
    if "OBS_VALUE" in upper:
        kind = SDMX2 if {"STRUCTURE", "STRUCTURE_ID"} & set(upper) else SDMX1
    elif {"GEO", YEAR.upper(), "VALUE"} <= set(upper):
        kind = TIDY
    else:
        raise InputError(Problem(label, "line 1 (header)", MISSING,  # not quoted: it may be anything
                                 "unrecognised file format", _ACCEPTED))
    cols = _csv_columns(lines, numbers, label, len(names))
    empty = pa.repeat("", len(cols[0]))

    def col(name: str, codes: bool = False) -> pd.Series:
        arr = cols[upper.index(name)] if name in upper else empty
        return _codes(arr) if codes else _series(pc.utf8_trim_whitespace(arr))

    rows = pd.DataFrame(index=range(len(cols[0])))
    if kind == TIDY:
        dims = [i for i, u in enumerate(upper) if u.lower() not in _TIDY_META]
        rows[_TIME], rows[_CELL], rows[_OFLAG] = col("YEAR"), col("VALUE"), col("FLAG")
        rows[_VINT], rows[_NOTE] = col("VINTAGE"), col("NOTE")
        value_col, time_col = "value", "year"
    else:
        time = next((t for t in ("TIME_PERIOD", "TIME") if t in upper), None)
        _fail([Problem(label, "line 1 (header)", header[:80], f"no {what} column", allowed)
               for what, ok, allowed in (
                   ("geo", "GEO" in upper, "a geo column with Eurostat country codes"),
                   ("time", time, "a TIME_PERIOD (or TIME) column"))
               if not ok])
        assert time is not None  # else _fail raised
        # Dimensions precede OBS_VALUE; attributes (OBS_FLAG, CONF_STATUS) follow it.
        dims = [i for i in range(upper.index("OBS_VALUE")) if upper[i] not in _SDMX_META]
        rows[_TIME], rows[_CELL], rows[_OFLAG] = col(time, True), col("OBS_VALUE"), col("OBS_FLAG", True)
        rows[_VINT] = col("DATAFLOW" if kind == SDMX1 else "STRUCTURE_ID")
        rows[_UPDATED] = col("LAST UPDATE")
        value_col, time_col = "OBS_VALUE", names[upper.index(time)]
    dim_names = [names[i].lower() for i in dims]
    _check_names(dim_names, [i + 1 for i in dims], label)
    for i, name in zip(dims, dim_names):
        rows[name] = _series(pc.utf8_trim_whitespace(cols[i])) if kind == TIDY else _codes(cols[i])
    rows[GEO] = col("GEO", True)
    rows[_LINE] = numbers[1:]
    return kind, rows, dim_names, value_col, time_col


# --- selection -----------------------------------------------------------------

def _filters(raw: _Raw, spec: dict, filters: Mapping[str, str] | None) -> dict[str, str]:
    """The filters to apply: defaults for dimensions the file has, then the user's."""
    user = {str(k).strip().lower(): str(v).strip() for k, v in dict(filters or {}).items()}
    have = ", ".join(raw.dims) or "none besides geo and time"
    _fail([Problem(raw.label, f"filters.{k}", v, f"the file has no dimension '{k}'"
                   + _did_you_mean(k, raw.dims), f"dimensions in the file: {have}")
           for k, v in user.items() if k not in raw.dims])
    # The tidy file is already one series; its unit column is a label, not a code.
    defaults = {} if raw.kind == TIDY else {k: v for k, v in spec["filters"].items()
                                           if k in raw.dims}
    return {**defaults, **user}


def _select(raw: _Raw, applied: dict[str, str]) -> pd.DataFrame:
    """Rows matching every filter; an error says which values there are."""
    rows = raw.rows
    hit = {d: (rows[d] == v).to_numpy() for d, v in applied.items()}
    problems = []
    for d, v in applied.items():
        if not hit[d].any():
            present = sorted(rows[d].unique())
            problems.append(Problem(raw.label, f"filters.{d}", v, f"no rows have {d} = '{v}'"
                                    + _did_you_mean(v, present),
                                    f"{d} values in the file: {_listing(present)}"))
    _fail(problems)
    keep = np.logical_and.reduce(list(hit.values())) if hit else np.ones(len(rows), bool)
    if not keep.any():
        # Each value exists but not together: show, per dimension, what the others allow.
        others = {}
        for d in applied:
            others[d] = np.ones(len(rows), bool)
            for o in applied:
                if o != d:
                    others[d] &= hit[o]
        raise InputError(Problem(raw.label, "filters", applied, "no rows match all filters together",
                                 "; ".join(f"{d} with the other filters: "
                                           f"{_listing(sorted(rows.loc[others[d], d].unique()))}"
                                           for d in applied)))
    return rows[keep]


def _check_rows(raw: _Raw, kept: pd.DataFrame, applied: dict[str, str]) -> None:
    """Geo codes readable, one row per geo and period, a single unit."""
    geo = kept[GEO]
    lower = (geo != geo.str.upper()) & (geo.str.fullmatch(r"[a-z]{2}[a-z0-9_]*")
                                        | geo.str.upper().isin(list(KNOWN_CODES)))
    problems = [Problem(raw.label, f"line {kept[_LINE].iloc[i]}, geo", geo.iloc[i],
                        "lower-case geo code", f"upper-case Eurostat codes: '{geo.iloc[i].upper()}'")
                for i in np.flatnonzero((lower & ~geo.duplicated()).to_numpy())]
    problems += [Problem(raw.label, f"line {n}, geo", "", "empty geo code",
                         "a Eurostat geo code such as 'DE'")
                 for n in kept.loc[(geo == "").to_numpy(), _LINE]]
    _fail(problems)
    key = [GEO] if raw.kind == TSV else [GEO, _TIME]
    dup = kept[kept.duplicated(key, keep=False)]
    groups = dup.groupby(key, sort=True)
    varying = [d for d in raw.dims if len(dup) and groups[d].nunique().max() > 1]
    if "unit" in raw.dims and kept["unit"].nunique() > 1 and "unit" not in varying:
        varying.append("unit")  # one unit per geo is not enough: they must agree
    if varying:
        raise InputError(Problem(
            raw.label, "filters", applied,
            "several rows per geo and year remain after filtering" if len(dup) else
            "rows for different geos have different units",
            "add filters for " + "; ".join(f"{d} = one of {_listing(sorted(kept[d].unique()))}"
                                           for d in varying)))
    problems = []
    for k, lines in groups[_LINE].agg(list).items():
        g, t = (k, None) if raw.kind == TSV else cast(tuple[object, object], k)
        where = f"geo={g}" + (f", year={t}" if t is not None else "")
        problems.append(Problem(raw.label, where, MISSING,
                                f"duplicated rows (lines {_listing(lines, 5)})",
                                "one row per geo and year"))
    _fail(problems)


def _observations(raw: _Raw, kept: pd.DataFrame) -> pd.DataFrame:
    """Parse the kept rows' cells into ``geo, year, value, flag`` (one row per observation)."""
    if raw.kind == TSV:
        assert raw.cells is not None  # set for TSV files
        n, p = len(kept), len(raw.periods)
        cells = pc.list_flatten(pc.list_slice(raw.cells.take(pa.array(kept.index.to_numpy())), 1))
        obs = kept.loc[kept.index.repeat(p)].reset_index(drop=True)
        obs["period"] = pd.Series(np.tile(np.asarray(raw.periods, dtype=object), n), dtype="str")
        obs["column"] = "column " + obs["period"]
        oflag = pd.Series("", index=obs.index, dtype="str")
    else:
        obs = kept.reset_index(drop=True)
        cells, oflag = pa.array(obs[_CELL]), obs[_OFLAG]
        obs["period"], obs["column"] = obs[_TIME], raw.value_col
    cells = pc.utf8_trim_whitespace(cells)
    m = pc.extract_regex(cells, _CELL_RE)  # null where a cell does not match
    num, miss, flag = (_series(pc.struct_field(m, [i])) for i in range(3))
    value = pd.to_numeric(num.where(num != "")).to_numpy(dtype=float)  # NaN where missing
    # A flag alone ("p") is not a cell; an empty cell is missing, like ":".
    ok = m.is_valid().to_numpy(zero_copy_only=False) & ((num != "") | (miss != "") | (flag == "")).to_numpy()
    huge = np.isinf(value)
    obs["raw"] = _series(cells)
    _fail([Problem(raw.label, f"line {obs[_LINE].iloc[i]}, {obs['column'].iloc[i]}",
                   obs["raw"].iloc[i], "number out of range" if huge[i] else "not a number",
                   _CELL_ALLOWED) for i in np.flatnonzero(~ok | huge)])
    obs["value"] = value
    obs["flag"] = oflag.where(oflag != "", flag).to_numpy()
    # Only yearly data can be used; other periods matter only if they hold values.
    annual = obs["period"].str.fullmatch(r"[0-9]{4}").to_numpy()
    hint = " (filter freq = A)" if "freq" in raw.dims else ""
    bad = obs[~annual & ~np.isnan(value)].drop_duplicates("period")
    _fail([Problem(raw.label, f"line {r[_LINE]}, {raw.time_col or r['column']}", r["period"],
                   "not an annual time period", f"a year such as 2024{hint}")
           for _, r in bad.iterrows()])
    obs = obs[annual].copy()
    obs[YEAR] = obs["period"].astype(int)
    obs["vintage"] = obs.get(_VINT, "")
    if _UPDATED in obs:  # SDMX-CSV 1.0: "ESTAT:DEMO_PJAN(1.0), last update 11/07/2025 23:00"
        dated = obs[_UPDATED] != ""
        obs.loc[dated, "vintage"] = obs.loc[dated, _VINT] + ", last update " + obs.loc[dated, _UPDATED]
    obs["note"] = obs.get(_NOTE, "")
    return obs


def _choose_year(raw: _Raw, obs: pd.DataFrame, year, present: list[str]
                 ) -> tuple[int, str, Problem | None]:
    """The year to use and how it was chosen, or a problem if no year will do.

    ``present`` are the required participants that the file has at all.
    """
    label = raw.label
    years = sorted(obs[YEAR].unique().tolist())
    if year is not None:
        try:
            chosen = int(year)
        except (TypeError, ValueError):
            raise InputError(Problem(label, "year", year, "not a year", _years(years))) from None
        if chosen not in years:
            raise InputError(Problem(label, "year", chosen, "year not in the file", _years(years)))
        return chosen, "given", None
    have = obs[~np.isnan(obs["value"].to_numpy())]
    if not present:
        if have.empty:
            raise InputError(Problem(label, "values", MISSING, "no values after filtering",
                                     "at least one number"))
        return int(have[YEAR].max()), "latest year with any value (no participants required)", None
    have = have[have[GEO].isin(present)]
    by_year = have.groupby(YEAR)[GEO].agg(set).to_dict()
    lacks = {y: [g for g in present if g not in by_year.get(y, set())] for y in years}

    def lacking(y: int) -> str:
        miss = lacks[y]
        return f"{y} lacks " + ("all" if len(miss) == len(present) > 3 else _listing(miss, 8))
    complete = [y for y in years if not lacks[y]]
    if not complete:
        return years[-1], "", Problem(label, "year", MISSING,
                                      "no year has a value for every participant",
                                      "; ".join(lacking(y) for y in reversed(years[-5:])))
    chosen = complete[-1]
    later = "".join(f"; {lacking(y)}" for y in years if y > chosen)
    return chosen, f"latest year every participant has ({chosen}{later})", None


def _unit(rows: pd.DataFrame, spec: dict) -> str:
    codes = sorted(set(rows["unit"]) - {""}) if "unit" in rows else []
    if not codes:
        return f"{spec['unit']} (assumed: the file states no unit)"
    return "; ".join(unit_label(c) for c in codes)


#: A state's value may change by at most this factor from one year present in
#: a file to the next (a number cut short, or in the wrong unit, changes more).
MAX_YEAR_CHANGE = 2.0


def _check_changes(raw: _Raw, obs: pd.DataFrame, factor: float) -> None:
    """Refuse a state whose value changes by more than ``factor`` (either way)
    from the previous year present in the file; 0 accepts any change."""
    if not factor:
        return
    have = obs[(obs["value"] > 0).to_numpy() & obs[GEO].isin(list(KNOWN_CODES)).to_numpy()]
    have = have.sort_values([GEO, YEAR])
    prev = have.groupby(GEO)[["value", YEAR, "raw"]].shift(1)
    ratio = (have["value"] / prev["value"]).to_numpy()
    jump = np.flatnonzero((ratio > factor) | (ratio < 1 / factor))
    problems = []
    for i in jump:
        g, y0, y1 = have[GEO].iloc[i], int(prev[YEAR].iloc[i]), int(have[YEAR].iloc[i])
        problems.append(Problem(
            raw.label, f"line {have[_LINE].iloc[i]}, geo={g}",
            f"{y0}: {prev['raw'].iloc[i]}, {y1}: {have['raw'].iloc[i]}",
            f"{g}'s value changes by a factor of {max(ratio[i], 1 / ratio[i]):.3g} from {y0} to {y1}, more than "
            f"{factor:g} (a truncated or misplaced number?)",
            f"a change of at most {factor:g} times; to accept it set data.max_year_change to a larger "
            "factor, or 0 for any (in the scenario or with --set)"))
    _fail(problems)


def load_indicator(name: str, year: int | None = None, path: str | Path | None = None,
                   filters: Mapping[str, str] | None = None, vintage: str | None = None,
                   require: Iterable[str] = (), max_change: float = MAX_YEAR_CHANGE) -> Indicator:
    """Load one indicator for one year.

    Parameters
    ----------
    name : ``"population"`` or ``"gdp_meur"``.
    year : data year; default the latest year for which every required
        participant has a value (the reason is kept in ``year_rule``).
    path : a user file (Eurostat TSV, SDMX-CSV or tidy CSV, gzipped or not);
        default the bundled file.
    filters : Eurostat dimension codes to keep, e.g. ``{"unit": "CP_MEUR"}``;
        the defaults in :data:`INDICATORS` apply to the dimensions a file has.
    vintage : label to record instead of the file's own.
    require : country codes that must have a positive value; all problems
        are reported together.
    max_change : the largest factor by which a state's value may change
        from the previous year present in the file (0: any).

    Returns
    -------
    Indicator

    Raises
    ------
    InputError
        For every problem with the file, the filters, the year or the values.
    """
    if name not in INDICATORS:
        raise InputError(Problem("load_indicator", "name", name, "unknown indicator",
                                 ", ".join(INDICATORS)))
    spec = INDICATORS[name]
    source = Path(path) if path is not None else data_dir() / spec["file"]
    raw = _read_raw(source, str(source) if path is not None else f"bundled data/{spec['file']}")
    applied = _filters(raw, spec, filters)
    kept = _select(raw, applied)
    _check_rows(raw, kept, applied)
    obs = _observations(raw, kept)
    _check_changes(raw, obs, max_change)
    required = list(dict.fromkeys(str(g) for g in require))
    geos = set(obs[GEO])
    after = f" (after filters {_listing(f'{k}={v}' for k, v in applied.items())})" if applied else ""
    problems = [Problem(raw.label, f"geo={g}", MISSING, f"participant not in the file{after}",
                        f"geo codes in the file: {_listing(sorted(geos), 40)}")
                for g in required if g not in geos]
    chosen, rule, none_fits = _choose_year(raw, obs, year, [g for g in required if g in geos])
    if none_fits:  # per-participant details would only repeat it
        _fail([*problems, none_fits], limit=None)
    rows = obs[obs[YEAR] == chosen].set_index(GEO).sort_index()
    for g in required:
        if g not in rows.index:
            if g in geos:
                problems.append(Problem(raw.label, f"geo={g}, {YEAR}={chosen}", MISSING,
                                        f"no {name} row for this year", "a number for every participant"))
            continue
        r = rows.loc[g]
        where = f"line {r[_LINE]}, geo={g}, {YEAR}={chosen}"
        if np.isnan(r["value"]):
            flag = f", Eurostat flag '{r['flag']}' {_flag_meaning(r['flag'])}" if r["flag"] else ""
            problems.append(Problem(raw.label, where, r["raw"], f"no {name} value (missing{flag})",
                                    "a number for every participant"))
        elif r["value"] <= 0:
            problems.append(Problem(raw.label, where, r["raw"], f"{name} must be > 0",
                                    "a number > 0"))
    _fail(problems, limit=None)  # every participant's problem, all at once
    values = rows["value"].astype(float).rename(name)
    flags = {str(g): str(f) for g, f in rows["flag"].items()}
    notes = {str(g): str(n) for g, n in rows["note"].items() if n}
    for g, f in flags.items():
        if f:
            notes[g] = "; ".join(filter(None, [notes.get(g), f"Eurostat flag '{f}' {_flag_meaning(f)}"]))
    return Indicator(
        name=name, year=chosen, values=values, unit=_unit(rows, spec),
        vintage=vintage or _vintage(raw, rows),
        source=raw.label, notes=notes, flags=flags, filters=dict(applied), year_rule=rule,
        path=str(source.resolve()), sha256=raw.sha256, format=raw.kind, compressed=raw.compressed)


def _vintage(raw: _Raw, rows: pd.DataFrame) -> str:
    """The file's own release label; the file name and hash where it has no date."""
    parts = sorted(set(rows["vintage"]) - {""})
    if not parts or (raw.kind != TIDY and not any("last update" in p for p in parts)):
        parts.append(f"{raw.path.name} (sha256 {raw.sha256[:12]})")
    return "; ".join(parts)


def _flag_meaning(flags: str) -> str:
    return "(" + ", ".join(FLAGS.get(f, "unknown flag") for f in flags) + ")"


def read_table(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Read a whole file into long form, every cell checked.

    Returns
    -------
    frame : columns ``geo, year, value, flag, vintage`` plus the file's
        dimension columns, one row per yearly observation.
    kind : the detected format (``'tidy'``, ``'eurostat-tsv'``,
        ``'sdmx-csv-1.0'``, ``'sdmx-csv-2.0'``).
    """
    raw = _read_raw(Path(path), str(path))
    obs = _observations(raw, raw.rows)
    obs["vintage"] = obs["vintage"].where(obs["vintage"] != "", _vintage(raw, obs.iloc[:0]))
    return obs[[*raw.dims, GEO, YEAR, "value", "flag", "vintage"]].reset_index(drop=True), raw.kind


def load_data(scenario: Scenario, design: bool = True) -> tuple[Indicator, Indicator]:
    """Population and GDP for a scenario's participants and years (every
    problem with either file reported at once).

    A design may read its key from data of its own years (its module's
    ``key_data``, see :mod:`solidarity.inputs.designs`); ``design=False``
    reads the scenario's [data] as the Pact does (what ``key_data`` falls
    back on).
    """
    if design:
        from . import designs

        mod = designs.module(scenario.design)
        if mod is not None and hasattr(mod, "key_data"):
            return cast(tuple[Indicator, Indicator], mod.key_data(scenario))
    d = scenario.data
    problems: list[Problem] = []
    out = []
    for name, year, file, filters, vintage in (
            (POPULATION, d.population_year, d.population_file, d.population_filters, d.population_vintage),
            (GDP, d.gdp_year, d.gdp_file, d.gdp_filters, d.gdp_vintage)):
        try:
            out.append(load_indicator(name, year=year, path=file, filters=dict(filters), vintage=vintage,
                                      require=scenario.participants, max_change=d.max_year_change))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return out[0], out[1]
