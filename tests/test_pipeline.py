"""Full runs on the bundled scenarios: golden files, backends, determinism."""

import os

import pandas as pd
import pytest

import solidarity
from solidarity.errors import InputError
from solidarity.report import render, write_atomic
from solidarity.schema import SolverName

from .conftest import BUNDLED, GOLDEN, MINIMAL

GOLDEN_TABLES = ("shares", "obligations", "pledges", "flows", "beneficiaries", "pool", "offsets")


@pytest.fixture(scope="module")
def runs():
    return {p.stem: solidarity.run(solidarity.load_scenario(p)) for p in BUNDLED}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_golden(path, runs):
    """Compare every table with tests/golden; UPDATE_GOLDEN=1 rewrites them."""
    res = runs[path.stem]
    files = render({k: res.tables[k] for k in GOLDEN_TABLES}, ["csv"])
    folder = GOLDEN / path.stem
    if os.environ.get("UPDATE_GOLDEN"):
        write_atomic(files, folder)
    for name, data in files.items():
        assert data == (folder / name).read_bytes(), f"{path.stem}/{name} differs from golden"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_backends_agree(path, runs):
    base = runs[path.stem]
    sc = solidarity.load_scenario(path)
    for solver in (SolverName.CBC, SolverName.PULP_HIGHS):
        other = solidarity.run(sc, solver=solver)
        assert other.solve.objective == base.solve.objective, solver
        pd.testing.assert_frame_equal(other.tables["pledges"], base.tables["pledges"])
        pd.testing.assert_frame_equal(other.tables["flows"], base.tables["flows"])


def test_adopted_2026_facts(runs):
    t = runs["2026-adopted"].tables
    shares = t["shares"].set_index("geo")
    assert shares["fair_relocations"].sum() == 21_000
    assert (shares.loc[["AT", "CZ", "HR", "PL", "CY", "EL", "IT", "ES"], "obligation_eur"] == 0).all()
    ob = t["obligations"].set_index("geo")
    # HU and SK pledged nothing: their whole obligation is unmet
    assert (ob.loc[["HU", "SK"], "unmet_eur"] == ob.loc[["HU", "SK"], "obligation_eur"]).all()
    pl = t["pledges"].set_index(["geo", "type"])["units"]
    assert pl[("BE", "financial")] == 12_900_000 and pl[("BE", "relocation")] == 0
    pool = t["pool"].set_index("item")
    assert pool.loc["value", "shortfall"] == ob["unmet_eur"].sum()
    meta = dict(zip(t["meta"]["key"], t["meta"]["value"]))
    assert meta["verification"] == "passed" and meta["status"] == "optimal"
    assert meta["param_sar_share"] == "0.42" and "2025" in meta["population"]


def test_byte_identical_outputs(tmp_path, runs):
    path = BUNDLED[0]
    sc = solidarity.load_scenario(path)
    a = render(solidarity.run(sc).tables, ["csv", "parquet", "json", "md"])
    b = render(solidarity.run(sc).tables, ["csv", "parquet", "json", "md"])
    assert a == b and len(a) == 8 * 3 + 1


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    files = {"a.csv": b"1\n", "b.csv": None}  # None cannot be written
    with pytest.raises(TypeError):
        write_atomic(files, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_alternative_without_request_is_a_domain_error():
    sc = solidarity.parse_scenario(MINIMAL + "[states.AT]\nfixed = {alternative_eur = 1000}\n")
    with pytest.raises(InputError, match="Art 57\\(2\\)"):
        solidarity.run(sc)


def test_preference_mix_is_followed_when_nothing_else_binds():
    sc = solidarity.parse_scenario(MINIMAL + "[states.LU]\nmix = {financial = 1.0}\n")
    t = solidarity.run(sc).tables["pledges"].set_index(["geo", "type"])
    assert t.loc[("LU", "relocation"), "units"] == 0
    assert t.loc[("LU", "financial"), "units"] == t.loc[("LU", "financial"), "preferred_units"] > 0


def test_scenario_with_users_eurostat_files(tmp_path):
    """A scenario names its own downloads (relative paths); meta records them."""
    parts = ["AT", "BE", "BG"]
    (tmp_path / "gdp.tsv").write_text(
        "freq,unit,na_item,geo\\TIME_PERIOD\t2024 \n"
        "A,CP_MEUR,B1GQ,AT\t494087.6 p\nA,CP_MEUR,B1GQ,BE\t620271.8 \nA,CP_MEUR,B1GQ,BG\t104768.8 \n")
    (tmp_path / "pop.csv").write_text(
        "DATAFLOW,LAST UPDATE,freq,unit,age,sex,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
        + "".join(f"ESTAT:DEMO_PJAN(1.0),11/07/2025 23:00,A,NR,TOTAL,T,{g},2025,{v},\n"
                  for g, v in zip(parts, [9197213, 11900100, 6437360])))
    (tmp_path / "s.toml").write_text(f"participants = {parts!r}\n".replace("'", '"') + MINIMAL.replace(
        "21000", "100").replace("420000000", "2000000") + "[data]\ngdp_file = 'gdp.tsv'\npopulation_file = 'pop.csv'\n")
    res = solidarity.run(solidarity.load_scenario(tmp_path / "s.toml"))
    meta = dict(zip(res.tables["meta"]["key"], res.tables["meta"]["value"]))
    assert "gdp.tsv (sha256" in meta["gdp"] and "last update 11/07/2025" in meta["population"]
    assert res.tables["shares"]["fair_relocations"].sum() == 100
