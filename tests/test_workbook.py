"""The workbook: every table round-trips through pandas.read_excel, the
columns sheet documents them, reruns give the same bytes."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("openpyxl")

from solidarity.outputs.report import render
from solidarity.outputs.tables import REGISTRY, flat, frame
from solidarity.outputs.workbook import READ, read_sheet, restore, to_xlsx

from .conftest import SCENARIOS


@pytest.fixture(scope="module", params=["2026-adopted", "crisis-frontline"])
def run(request):
    from solidarity.inputs.scenario import load_scenario
    from solidarity.pipeline import run

    return run(load_scenario(SCENARIOS / f"{request.param}.toml"))


@pytest.fixture(scope="module")
def book(run):
    return to_xlsx(run.tables, "a title")


def test_every_table_round_trips_with_the_documented_line(run, book):
    for name, df in run.tables.items():
        got = restore(pd.read_excel(io.BytesIO(book), sheet_name=name, **READ), name)
        pd.testing.assert_frame_equal(got, flat(name, df), check_exact=True)


def test_read_sheet_uses_the_columns_sheet(run, book, tmp_path):
    path = tmp_path / "tables.xlsx"
    path.write_bytes(book)
    for name, df in run.tables.items():
        # the indexed form of Result.tables
        pd.testing.assert_frame_equal(read_sheet(path, name), df, check_exact=True)
        pd.testing.assert_frame_equal(read_sheet(book, name), df, check_exact=True)


def test_columns_sheet(run, book):
    cols = restore(pd.read_excel(io.BytesIO(book), sheet_name="columns", **READ),
                   types={"table": "str", "column": "str", "type": "str", "unit": "str", "description": "str",
                          "key": "bool"})
    assert list(cols.columns) == ["table", "column", "type", "unit", "description", "key"]
    want = [(name, c.name, c.dtype, c.unit, c.doc, c.name in REGISTRY[name].key)
            for name in run.tables for c in REGISTRY[name].columns]
    assert [tuple(r) for r in cols.itertuples(index=False, name=None)] == want


def test_sheets_headers_and_frozen_panes(run, book):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(book))
    assert wb.sheetnames == [*run.tables, "columns"]
    assert wb.properties.title == "a title"
    pledges = wb["pledges"]
    assert [c.value for c in pledges[1]] == REGISTRY["pledges"].names
    units = {c.name: c.unit for c in REGISTRY["pledges"].columns}
    value = pledges.cell(row=1, column=REGISTRY["pledges"].names.index("value_eur") + 1)
    assert value.comment.text == "unit: EUR\nvalue pledged"
    assert units["geo"] == "code" and pledges.cell(row=1, column=1).comment.text.startswith("unit: code\n")
    assert isinstance(pledges.cell(row=2, column=REGISTRY["pledges"].names.index("units") + 1).value, int)
    assert pledges.freeze_panes == "C2"  # the header row and the key (geo, type)
    assert wb["shares"].freeze_panes == "B2"
    for ws in wb.worksheets:
        widths = [ws.column_dimensions[c].width for c in ws.column_dimensions]
        assert widths and all(4 <= w <= 62 for w in widths)
    # a missing whole number is an empty cell, not 0 or "nan"
    prefer = REGISTRY["pledges"].names.index("preferred_units") + 1
    values = [pledges.cell(row=r, column=prefer).value for r in range(2, pledges.max_row + 1)]
    assert None in values and "nan" not in values


def test_byte_identical_and_no_dates(run, book):
    assert to_xlsx(run.tables, "a title") == book
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "dcterms:created" not in core and "dcterms:modified" not in core
    assert render(run.tables, ["xlsx"], title="a title") == {"tables.xlsx": book}


def test_awkward_values_round_trip():
    """Text that looks like a formula, a number or a missing value; floats
    that need 17 digits; empty whole numbers; an empty table; a table the
    registry does not know."""
    strange = ["=1+1", "NA", "None", "007", "", " lead", "nan", "#N/A", "TRUE", "1e5", "ünï ✓"]
    meta = frame("meta", [{"key": f"k{i}", "value": v} for i, v in enumerate(strange)])
    prow = frame("pool", [{"item": "a", "unit": "EUR", "amount": 1, "reference": None, "shortfall": 2**40,
                           "status": "", "rule": "r"},
                          {"item": "b", "unit": "", "amount": None, "reference": None, "shortfall": -3,
                           "status": "=x", "rule": "s"}])
    other = pd.DataFrame({"geo": ["DE", "FR", "IT"], "x": [0.1 + 0.2, 1 / 3, np.nan], "n": [1, 2, 3],
                          "flag": [True, False, True], "s": ["a", "", "0.5"]})
    other[["geo", "s"]] = other[["geo", "s"]].astype(object)  # text as the registry keeps it
    empty = frame("credits", [])
    tables = {"meta": meta, "pool": prow, "credits": empty, "extra": other}
    book = to_xlsx(tables, "t")
    for name in ("meta", "pool", "credits"):
        got = restore(pd.read_excel(io.BytesIO(book), sheet_name=name, **READ), name)
        pd.testing.assert_frame_equal(got, flat(name, tables[name]), check_exact=True)
    pd.testing.assert_frame_equal(read_sheet(book, "extra"), other, check_exact=True)
    assert read_sheet(book, "meta")["value"].tolist() == strange
    pd.testing.assert_frame_equal(read_sheet(book, "credits"), empty, check_exact=True, check_index_type=False)


def test_pandas_defaults_read_numbers_as_numbers(run, book):
    """``pd.read_excel(path, sheet_name=NAME, index_col=...)`` with nothing else:
    the header is row 1, the key becomes the index, numeric columns are numeric."""
    for name, df in run.tables.items():
        key = REGISTRY[name].key
        got = pd.read_excel(io.BytesIO(book), sheet_name=name, index_col=list(range(len(key))))
        assert list(got.index.names) == list(key) and len(got) == len(df)
        for c in REGISTRY[name].columns:
            if c.name in key or not len(df):
                continue
            if c.dtype in ("int", "float", "Int"):
                assert pd.api.types.is_numeric_dtype(got[c.name]), (name, c.name, got[c.name].dtype)
                assert np.allclose(got[c.name].astype(float), df[c.name].astype(float), equal_nan=True)
            if c.dtype == "int":
                assert got[c.name].dtype == np.int64, (name, c.name)


def test_reserved_sheet_name():
    with pytest.raises(ValueError, match="columns"):
        to_xlsx({"columns": pd.DataFrame({"a": [1]})}, "t")
