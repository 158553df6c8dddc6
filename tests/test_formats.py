"""Every table of a run read back with pandas' own readers and defaults:
JSON (``orient="table"``), Excel (``index_col``) and Parquet give the table
indexed by its key, with its dtypes, its values and its units; the loaders
(:func:`solidarity.outputs.audit.read_tables`, ``read_sheet``) give exactly
``Result.tables``."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from solidarity.outputs.audit import read_tables
from solidarity.outputs.report import render, to_json, to_parquet
from solidarity.outputs.tables import REGISTRY

from .conftest import SCENARIOS


@pytest.fixture(scope="module", params=["2026-adopted", "crisis-frontline"])
def run(request):
    from solidarity.inputs.scenario import load_scenario
    from solidarity.pipeline import run

    return run(load_scenario(SCENARIOS / f"{request.param}.toml"))


def _as_api(df: pd.DataFrame) -> pd.DataFrame:
    """pandas 3 reads text as its ``str`` dtype; ``Result.tables`` keeps text
    as object. Only that is translated: everything else must already match."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].astype(object)
    if out.index.nlevels > 1:
        out.index = pd.MultiIndex.from_arrays(
            [lv.astype(object) if pd.api.types.is_string_dtype(lv) else lv
             for lv in (out.index.get_level_values(i) for i in range(out.index.nlevels))], names=out.index.names)
    elif pd.api.types.is_string_dtype(out.index):
        out.index = out.index.astype(object)
    return out


def _same(got: pd.DataFrame, want: pd.DataFrame, **kw) -> None:
    pd.testing.assert_frame_equal(_as_api(got), want, check_index_type=bool(len(want)), **kw)


def test_json_is_pandas_table_orient(run):
    for name, df in run.tables.items():
        blob = to_json(name, df)
        _same(pd.read_json(io.BytesIO(blob), orient="table", precise_float=True), df, check_exact=True)
        # pandas' default float parser may differ in the last bit, nothing more
        _same(pd.read_json(io.BytesIO(blob), orient="table"), df, check_exact=False, rtol=1e-15)
        schema = json.loads(blob)["schema"]
        spec = REGISTRY[name]
        assert schema["primaryKey"] == list(spec.key) and schema["table"] == {"name": name, "description": spec.doc}
        fields = {f["name"]: f for f in schema["fields"]}
        assert list(fields) == spec.names
        for c in spec.columns:
            assert (fields[c.name]["unit"], fields[c.name]["description"]) == (c.unit, c.doc)


def test_parquet_keeps_index_and_units(run):
    for name, df in run.tables.items():
        blob = to_parquet(name, df)
        _same(pd.read_parquet(io.BytesIO(blob)), df, check_exact=True)
        schema = pq.read_schema(io.BytesIO(blob))
        for c in REGISTRY[name].columns:
            meta = schema.field(c.name).metadata
            assert meta == {b"unit": c.unit.encode(), b"description": c.doc.encode()}
        assert schema.metadata[b"solidarity.table"] == name.encode()


def test_excel_with_index_col(run):
    book = render(run.tables, ["xlsx"])["tables.xlsx"]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(book))
    for name, df in run.tables.items():
        spec = REGISTRY[name]
        got = pd.read_excel(io.BytesIO(book), sheet_name=name, index_col=list(range(len(spec.key))))
        assert list(got.index.names) == list(spec.key) and list(got.columns) == list(df.columns)
        for c in spec.columns:
            if c.name in spec.key:
                continue
            if c.dtype in ("int", "bool") and len(df):  # exact dtypes for columns with no empty cell
                assert got[c.name].dtype == df[c.name].dtype, (name, c.name)
                assert got[c.name].tolist() == df[c.name].tolist(), (name, c.name)
            if c.dtype in ("float", "Int") and len(df):
                # Excel has one number type: whole floats read as int64, an Int column with gaps as float
                assert pd.api.types.is_numeric_dtype(got[c.name]), (name, c.name)
                assert np.allclose(got[c.name].astype(float), df[c.name].astype(float), equal_nan=True)
            note = wb[name].cell(row=1, column=spec.names.index(c.name) + 1).comment.text
            assert note == f"unit: {c.unit}\n{c.doc}"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_read_tables_gives_the_api_frames(run, tmp_path, fmt):
    for fname, blob in render(run.tables, [fmt]).items():
        (tmp_path / fname).write_bytes(blob)
    back = read_tables(tmp_path)
    assert list(back) == [n for n in REGISTRY if n in run.tables]
    for name, df in run.tables.items():
        pd.testing.assert_frame_equal(back[name], df, check_exact=True, check_index_type=bool(len(df)))
