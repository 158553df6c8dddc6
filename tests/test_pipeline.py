"""Full runs on the bundled scenarios: golden files, backends, determinism.

The golden files are regression guards; the numbers they rest on are
checked against hand computations and published figures in
tests/test_scenarios.py and tests/test_key.py.
"""

import os
import pickle

import pytest

import solidarity
from solidarity.outputs.report import render
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
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    for name, data in files.items():
        assert data == (folder / name).read_bytes(), f"{path.stem}/{name} differs from golden"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_backends_give_identical_tables(path, runs):
    """Every level has a unique optimum or an exact rule after it, so every
    backend gives byte-identical tables (meta aside: it names the solver)."""
    base = render({k: v for k, v in runs[path.stem].tables.items() if k != "meta"}, ["csv"])
    sc = solidarity.load_scenario(path)
    for solver in (SolverName.SCIPY, SolverName.CBC, SolverName.PULP_HIGHS):
        other = solidarity.run(sc, solver=solver)
        assert other.solve.objective == runs[path.stem].solve.objective, solver
        assert render({k: v for k, v in other.tables.items() if k != "meta"}, ["csv"]) == base, solver


def test_byte_identical_outputs(runs):
    sc = solidarity.load_scenario(BUNDLED[0])
    a = render(solidarity.run(sc).tables, ["csv", "parquet", "json", "md"])
    b = render(solidarity.run(sc).tables, ["csv", "parquet", "json", "md"])
    assert a == b and len(a) == 3 * len(solidarity.run(sc).tables) + 1


def test_result_api(runs):
    res = runs["2026-adopted"]
    assert res.tables["shares"].loc["DE", "fair_share_relocations"] == 4_555
    assert res.tables["pledges"].loc[("BE", "financial"), "units"] == 12_900_000
    text = repr(res)
    assert len(text.splitlines()) <= 4 and len(text) < 600
    trace = {t.name: t for t in res.solve.trace}
    assert trace["unmet"].method in ("milp", "lp", "shortcut") and trace["fairness"].method == "exact"
    meta = res.tables["meta"]["value"]
    assert meta["verification"] == "passed" and meta["level_balance"].startswith("exact; optimal")
    assert meta["benefitting_states_deducted_by_default"] == "CY EL ES IT"


def test_results_pickle(runs):
    """Scenarios, data and results travel to worker processes."""
    res = runs["crisis-frontline"]
    back = pickle.loads(pickle.dumps(res))
    assert back.tables["crisis"].equals(res.tables["crisis"])
    assert pickle.loads(pickle.dumps(res.scenario)) == res.scenario


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
    meta = res.tables["meta"]["value"]
    assert "gdp.tsv" in meta["gdp"] and "last update 11/07/2025" in meta["population"]
    assert "CP_MEUR" in meta["gdp"]
    sh = res.tables["shares"]
    assert sh["fair_share_eur"].sum() == 2_000_000 and sh["relocations_apportioned"].sum() == 100
    assert sh.at["AT", "gdp_flag"] == "p" and sh.at["BE", "gdp_flag"] == ""
