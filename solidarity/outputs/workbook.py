"""All tables of a run in one Excel workbook (``--format xlsx``).

openpyxl is an optional extra (``pip install 'solidarity[xlsx]'``), imported
inside the functions.

Layout: a sheet per table, named as the table, with its key as ordinary
columns; row 1 holds the column names exactly as in the CSV, JSON and
Parquet files and data starts in row 2, so pandas' defaults read it::

    pd.read_excel("tables.xlsx", sheet_name="shares", index_col=0)

gives the table indexed by its key with numeric columns (a table keyed by
two or three columns, such as ``pledges`` or ``flows``, needs
``index_col=[0, 1]`` or ``[0, 1, 2]``: the ``key`` column of the ``columns``
sheet says which). Each header cell carries a comment with the column's unit
(``EUR``, ``persons``, ``fraction``...) and meaning; the header row and the
key columns are frozen. A last sheet, ``columns``, documents every column of
every sheet (table, column, type, unit, description, key) from the table
registry (:mod:`solidarity.outputs.tables`).

Cells hold exact values: whole numbers as numbers, fractions unrounded
(shown as percentages), text as text (never as a formula), ``true`` and
``false`` as booleans; an empty text, a missing whole number (type
``Int``) and a missing float are empty cells. With pandas' defaults an
empty text cell reads as NaN and a whole-number column with empty cells as
floats; :func:`read_sheet` gives every table exactly (values and dtypes),
indexed as ``Result.tables`` holds it::

    from solidarity.outputs.workbook import read_sheet
    df = read_sheet("tables.xlsx", "pledges")

It reads the sheet with :data:`READ` (``dtype=object,
keep_default_na=False, na_values=[""]``: cells as they are, only empty cells
missing) and sets each column's dtype from the workbook's own ``columns``
sheet (:func:`restore`: ``str`` -> object with ``""`` for empty, ``int`` ->
int64, ``Int`` -> Int64, ``float`` -> float64, ``bool`` -> bool), so it also
reads tables the registry does not know.

The same tables give a byte-identical file: the document properties carry
no creation or modification date (openpyxl would stamp the time of saving)
and every member of the zip archive gets the same fixed timestamp
(1980-01-01, the earliest a zip file can hold).
"""

from __future__ import annotations

import datetime
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .tables import _DTYPES, REGISTRY, flat

#: Keyword arguments for ``pandas.read_excel`` (see the module's docstring).
READ: dict[str, Any] = {"dtype": object, "keep_default_na": False, "na_values": [""]}
COLUMNS_SHEET = "columns"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_DATE = datetime.datetime(*_ZIP_TIME)
#: dcterms:created and dcterms:modified (optional in the core properties)
_DATES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")
_MAX_WIDTH = 60


def _dtype_name(s: pd.Series) -> str:
    """The registry type of a column the registry does not know."""
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if isinstance(s.dtype, pd.Int64Dtype) or str(s.dtype) in ("Int64", "Int32"):
        return "Int"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "float"
    return "str"


def columns_doc(name: str, df: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per column of a table (flat form): table, column, type, unit,
    description, key; from the registry, or inferred for other tables."""
    spec = REGISTRY.get(name)
    rows = []
    for c in df.columns:
        if spec is not None and c in spec.names:
            col = spec.column(c)
            rows.append({"table": name, "column": c, "type": col.dtype, "unit": col.unit,
                         "description": col.doc, "key": c in spec.key})
        else:
            rows.append({"table": name, "column": str(c), "type": _dtype_name(df[c]), "unit": "",
                         "description": "", "key": False})
    return rows


def _cell(v, dtype: str):
    """A Python value for openpyxl; None for an empty cell."""
    if dtype == "str":
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if dtype == "bool":
        return bool(v)
    if dtype in ("int", "Int"):
        return int(v)
    if dtype == "float":
        v = float(v)
        if np.isinf(v):
            raise ValueError("an infinite number cannot be written to a workbook")
        return v
    return v


def _number_format(dtype: str, unit: str) -> str | None:
    if dtype in ("int", "Int"):
        return "0" if unit == "year" else "#,##0"
    if dtype == "float":
        if unit == "fraction":
            return "0.0000%"
        if unit == "million EUR":
            return "#,##0.0"
        return "#,##0.00##"
    return None


def _shown_width(v, dtype: str, unit: str) -> int:
    if v is None:
        return 0
    if dtype in ("int", "Int"):
        return len(str(v)) if unit == "year" else len(f"{v:,}")
    if dtype == "float":
        return 10 if unit == "fraction" else len(f"{v:,.2f}") + 2
    if dtype == "bool":
        return 5
    return max(len(line) for line in str(v).split("\n"))


def _sheet_name(name: str, used: set[str]) -> str:
    bad = set('[]:*?/\\')
    base = "".join("_" if ch in bad else ch for ch in str(name))[:31] or "table"
    out, k = base, 1
    while out.lower() in used:
        k += 1
        out = f"{base[:28]}~{k}"
    used.add(out.lower())
    return out


def _header_note(doc: dict) -> str:
    """The comment on a header cell: the column's unit and meaning."""
    unit = f"unit: {doc['unit']}" if doc.get("unit") else ""
    return "\n".join(p for p in (unit, doc.get("description", "")) if p)


def _write_header(ws, columns, docs: list[dict]) -> None:
    """Row 1: the column names, each with its unit and meaning as a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Border, Font, PatternFill, Side

    font, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF4")
    line = Border(bottom=Side(style="thin", color="7F7F7F"))
    for j, (c, d) in enumerate(zip(columns, docs), start=1):
        h = ws.cell(row=1, column=j, value=str(c))
        h.data_type = "s"
        h.font, h.fill, h.border = font, fill, line
        note = _header_note(d)
        if note:
            h.comment = Comment(note, "solidarity", width=320, height=120)


def _write_sheet(ws, df: pd.DataFrame, docs: list[dict]) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    types = [d["type"] for d in docs]
    units = [d["unit"] for d in docs]
    _write_header(ws, df.columns, docs)
    widths = [len(str(c)) for c in df.columns]
    formats = [_number_format(t, u) for t, u in zip(types, units)]
    for i, rec in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, (v, t) in enumerate(zip(rec, types), start=1):
            value = _cell(v, t)
            if value is None:
                continue
            cell = ws.cell(row=i, column=j, value=value)
            if t == "str":
                cell.data_type = "s"  # text stays text, even if it starts with "="
            elif formats[j - 1]:
                cell.number_format = formats[j - 1]
            widths[j - 1] = max(widths[j - 1], _shown_width(value, t, units[j - 1]))
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, w in enumerate(widths, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = min(w + 2, _MAX_WIDTH)
        if w + 2 > _MAX_WIDTH:
            for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                row[0].alignment = wrap
    nkey = sum(1 for d in docs if d["key"])
    ws.freeze_panes = f"{get_column_letter(nkey + 1)}2"


def to_xlsx(tables: Mapping[str, pd.DataFrame], title: str = "solidarity") -> bytes:
    """One workbook: a sheet per table, then ``columns`` (see the module's
    docstring for the layout and for reading it back)."""
    from openpyxl import Workbook

    from .. import __version__

    if COLUMNS_SHEET in tables:
        raise ValueError(f"a table may not be named {COLUMNS_SHEET!r}: that sheet documents the columns")
    wb = Workbook()
    for blank in list(wb.worksheets):
        wb.remove(blank)
    used: set[str] = {COLUMNS_SHEET}
    every: list[dict] = []
    for name, df in tables.items():
        out = flat(name, df)
        docs = columns_doc(name, out)
        sheet = _sheet_name(name, used)
        for d in docs:
            d["table"] = sheet
        every += docs
        _write_sheet(wb.create_sheet(sheet), out, docs)
    doc = pd.DataFrame(every, columns=["table", "column", "type", "unit", "description", "key"])
    meta = [{"type": "str", "unit": "", "key": k, "description": d} for k, d in (
        (True, "the sheet"), (True, "the column's header (row 1 of the sheet)"),
        (False, "str, int, Int (whole number, may be empty), float or bool"),
        (False, "persons, EUR, million EUR, fraction, year, code, text, flag"),
        (False, "what the column holds"), (False, "true for the columns of the table's key"))]
    meta[-1]["type"] = "bool"
    _write_sheet(wb.create_sheet(COLUMNS_SHEET), doc, meta)
    props = wb.properties
    props.title = title
    props.creator = props.lastModifiedBy = f"solidarity {__version__}"
    props.description = ("Read a sheet back: pandas.read_excel(file, sheet_name=NAME, index_col=0) "
                         "(index_col=[0, 1] for a table keyed by two columns: see the 'columns' sheet); "
                         "exactly, with every dtype: solidarity.outputs.workbook.read_sheet(file, NAME).")
    props.created = props.modified = _FIXED_DATE  # removed from the file by _save
    return _save(wb)


def _exact_string(value) -> str:
    """openpyxl writes numbers as ``"%.16g"``, which loses the last digit of
    some floats; Python's ``repr`` is the shortest text that reads back to
    the same double (Excel, openpyxl and pandas all parse it)."""
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    from openpyxl.compat import safe_string
    return safe_string(value)


def _save(wb) -> bytes:
    """The workbook's bytes with fixed dates: openpyxl's own ``save`` stamps
    the time in the properties and in every zip member."""
    from openpyxl.cell import _writer
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    plain = getattr(_writer, "safe_string")  # noqa: B009 - the name openpyxl's cell writer calls
    setattr(_writer, "safe_string", _exact_string)  # noqa: B010
    try:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(wb, archive).write_data()
    finally:
        setattr(_writer, "safe_string", plain)  # noqa: B010
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _DATES.sub(b"", data)
            dst.writestr(fixed, data)
    return out.getvalue()


# --- reading back ------------------------------------------------------------------

def restore(df: pd.DataFrame, name: str | None = None, types: Mapping[str, str] | None = None,
            key: Iterable[str] = ()) -> pd.DataFrame:
    """Give a sheet read with ``pandas.read_excel(..., **READ)`` its dtypes.

    ``types`` maps column -> registry type (``str``, ``int``, ``Int``,
    ``float``, ``bool``) and ``key`` names the key columns; by default both
    come from the registry's table ``name``. The columns are cast as
    :func:`solidarity.outputs.tables.frame` casts them, and the key goes through the
    index and back as :func:`solidarity.outputs.tables.flat` does, so the result is
    equal, values and dtypes, to the flat table :func:`to_xlsx` wrote.
    """
    if types is None:
        if name not in REGISTRY:
            raise KeyError(f"table {name!r} is not in the registry: pass types= (the 'columns' sheet)")
        spec = REGISTRY[name]
        types, key = {c.name: c.dtype for c in spec.columns}, spec.key
    out = df.copy()
    for col, t in types.items():
        if col not in out.columns:
            continue
        if t == "str":
            out[col] = out[col].fillna("").astype(str).astype(object)
        else:
            out[col] = out[col].astype(_DTYPES[t])  # type: ignore[call-overload]
    key = [k for k in key if k in out.columns]
    if key:
        out = out.set_index(key).reset_index()[list(df.columns)]
    return out


def read_sheet(source, name: str) -> pd.DataFrame:
    """A table from a workbook written by :func:`to_xlsx` (a path, a file
    object or the bytes), exactly as written, with the types of the
    workbook's ``columns`` sheet, indexed by its key as ``Result.tables``
    holds it."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    with pd.ExcelFile(source, engine="openpyxl") as book:  # closes the file it opened
        cols = restore(pd.read_excel(book, sheet_name=COLUMNS_SHEET, **READ),
                       types={c: "str" for c in ("table", "column", "type", "unit")})
        cols["key"] = cols["key"].astype(bool)
        mine = cols[cols["table"] == name]
        sheet = pd.read_excel(book, sheet_name=name, **READ)
    key = list(mine.loc[mine["key"], "column"])
    types = dict(zip(mine["column"], mine["type"]))
    out = restore(sheet, types=types, key=key)
    if not key:
        return out
    for k in key:  # pandas 3's reset_index (in restore) infers its str dtype; Result.tables keeps object
        if types.get(k) == "str":
            out[k] = out[k].astype(object)
    return out.set_index(key)
