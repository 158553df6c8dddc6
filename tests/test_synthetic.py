"""Synthetic pools: seeded, realistic spreads, the same pool in files and in memory."""

import tomllib
from dataclasses import fields

import numpy as np
import pytest
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import ExitCode, InputError
from solidarity.inputs.data import load_indicator
from solidarity.inputs.synthetic import (
    generate,
    population_csv,
    to_files,
    to_inputs,
    to_toml,
    unit_codes,
)
from solidarity.pipeline import run_stages
from solidarity.schema import GDP, KNOWN_CODES, POPULATION

FILES = ("scenario.toml", "population.csv", "gdp.csv")


@pytest.fixture(scope="module")
def big():
    return generate(2000, 100, seed=3)


def test_same_seed_same_bytes_other_seed_other_pool(tmp_path):
    a = to_files(generate(300, 40, seed=7), tmp_path / "a")
    b = to_files(generate(300, 40, seed=7), tmp_path / "b")
    c = to_files(generate(300, 40, seed=8), tmp_path / "c")
    for f in FILES:
        assert a[f].read_bytes() == b[f].read_bytes()
        assert a[f].read_bytes() != c[f].read_bytes()


def test_scenario_text_reads_back_as_the_document():
    pool = generate(120, 12, seed=1)
    assert tomllib.loads(to_toml(pool)) == pool.document


def test_unit_codes_sort_numerically_and_are_not_country_codes():
    assert unit_codes(3) == ("U00001", "U00002", "U00003")
    codes = unit_codes(123_456)
    assert codes[-1] == "U123456" and list(codes) == sorted(codes)
    assert not set(unit_codes(1000)) & set(KNOWN_CODES)


def test_spreads_like_regions(big):
    logp = np.log(big.population)
    assert 0.9 < logp.std() < 1.3  # log-normal population
    assert abs(big.population.sum() / 450e6 - 1) < 0.3  # about the EU's
    per_head = big.gdp_tenths * 1e5 / big.population
    assert np.corrcoef(logp, np.log(per_head))[0, 1] > 0.1  # correlated, positively
    assert 20_000 < np.median(per_head) < 60_000


def test_every_kind_of_state(big):
    st, f = big.document["states"], big.facts
    assert f["recorded"] + f["stated"] + f["assumed"] == 2000 - 100
    assert f["assumed"] > 0.7 * 1900 and f["recorded"] > 0 and f["stated"] > 0
    fixed = [b["fixed"] for b in st.values() if "fixed" in b]
    assert {} in fixed  # nothing pledged
    assert any(set(x) == {"financial_eur"} for x in fixed)  # money only
    assert any("relocations" in x for x in fixed)
    assert any("mix" in b for b in st.values()) and any("preferred" in b for b in st.values())
    assert any(b.get("max", {}).get("relocations") == 0 for b in st.values())
    assert any("min" in b for b in st.values())
    assert any(b.get("deduction") in (0.25, 0.5, 1.0) and b.get("status") == "significant_situation"
               for b in st.values())
    assert all(sum(b["mix"].values()) == pytest.approx(1) for b in st.values() if "mix" in b)


def test_beneficiaries_needs_and_sar(big):
    bens, st = big.document["beneficiaries"], big.document["states"]
    assert len(bens) == 100 and set(bens) <= set(big.codes)
    pledging = [b for b in bens if "deduction" in st[b]]
    assert len(pledging) == 10  # a few also contribute; the others are fully deducted by default
    assert all(st[b]["status"] == "under_pressure" for b in bens)
    assert all(v["needs"]["relocations"] > 0 and v["needs"]["financial_eur"] > 0 for v in bens.values())
    assert 0 < sum("alternative_eur" in v["needs"] for v in bens.values()) < 100
    assert 0 < sum(v.get("sar", False) for v in bens.values()) < 100
    assert big.document["pool"]["sar_share"] in (0.1, 0.2, 0.3, 0.42)


@pytest.mark.parametrize("seed", range(8))
def test_obligations_cover_60_to_120_percent_of_needs(seed):
    f = generate(400, 30, seed=seed).facts
    assert 0.6 <= f["coverage_drawn"] <= 1.2
    assert 0.55 <= f["coverage"] <= 1.3  # needs are rounded to whole persons and thousands of EUR


def test_pool_defaults():
    assert generate(26, 4).document["pool"]["relocations"] == 21_000
    p = generate(5000, 10).document["pool"]
    assert p["relocations"] == 150_000 and p["financial_eur"] == 150_000 * 20_000
    assert generate(50, 5, coverage=1.0, relocations=5000).facts["coverage_drawn"] == 1.0


@pytest.mark.parametrize("args, kwargs", [((1, 1), {}), ((10, 0), {}), ((10, 10), {}),
                                          ((10, 2), {"recorded": 1.5}),
                                          ((10, 2), {"recorded": 0.6, "stated": 0.6}),
                                          ((10, 2), {"correlation": 1.0})])
def test_bad_arguments(args, kwargs):
    with pytest.raises(ValueError):
        generate(*args, **kwargs)


def test_in_memory_indicators_are_the_files_values(tmp_path):
    pool = generate(150, 10, seed=2)
    paths = to_files(pool, tmp_path)
    inputs = to_inputs(pool)
    for name, ind, f in ((POPULATION, inputs.population, "population.csv"), (GDP, inputs.gdp, "gdp.csv")):
        loaded = load_indicator(name, path=paths[f], require=pool.codes)
        assert loaded.year == ind.year
        assert (loaded.values[list(pool.codes)].to_numpy() == ind.values.to_numpy()).all()
        assert loaded.vintage == ind.vintage


def test_in_memory_scenario():
    pool = generate(80, 6, seed=4)
    sc = to_inputs(pool).scenario
    assert sc.participants == pool.codes
    assert tuple(sc.beneficiaries) == pool.beneficiaries
    # Art 60(3): a benefitting unit without a deduction of its own is fully deducted.
    for b in pool.beneficiaries:
        st = sc.state(b)
        assert st.deduction == 1 and st.deduction_default or "deduction" in pool.document["states"][b]
    assert sc.pool.relocations == 21_000 and sc.digest


@pytest.mark.parametrize("n, m, seed, options", [(26, 4, 0, {}), (60, 8, 1, {"alternative": 0.0}),
                                                   (50, 6, 2, {})])
def test_pipeline_runs_and_verifies(n, m, seed, options):
    pool = generate(n, m, seed=seed, **options)
    res = run_stages(to_inputs(pool))  # raises VerificationError if a rule's outcome is wrong
    assert len(res.inputs.contributors) == n and len(res.inputs.beneficiaries) == m
    assert res.solve.status.value == "optimal"
    assert {"shares", "pledges", "flows", "beneficiaries", "pool", "meta"} <= set(res.tables)
    pledges = res.tables["pledges"]
    assert "assumed" in set(pledges["source"]) <= {"recorded", "stated", "assumed"}


def test_scenario_file_loads_as_the_in_memory_scenario(tmp_path):
    from solidarity.inputs.scenario import load_scenario
    from solidarity.pipeline import run

    pool = generate(40, 5, seed=0, alternative=0.0)
    to_files(pool, tmp_path)
    loaded = load_scenario(tmp_path / "scenario.toml")
    mine = to_inputs(pool).scenario
    semantic = ("name", "year", "description", "units", "participants", "key", "pool", "states",
                "beneficiaries", "allocation", "solver", "offsets", "crisis")
    for f in fields(mine):
        if f.name in semantic:
            assert getattr(loaded, f.name) == getattr(mine, f.name), f.name
    a, b = run(loaded), run_stages(to_inputs(pool))
    for name in a.tables:
        if name != "meta":
            assert a.tables[name].equals(b.tables[name]), name


def test_cli_writes_the_generators_files(tmp_path):
    runner = CliRunner()
    out = tmp_path / "pool"
    res = runner.invoke(app, ["synthetic", "--contributors", "50", "--beneficiaries", "5", "--seed", "9",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    want = generate(50, 5, seed=9)
    assert (out / "scenario.toml").read_text() == to_toml(want)
    assert (out / "population.csv").read_text() == population_csv(want)
    again = runner.invoke(app, ["synthetic", "-c", "50", "-b", "5", "-o", str(out)])
    assert again.exit_code == ExitCode.INVALID_INPUT and "--force" in again.output
    assert runner.invoke(app, ["synthetic", "-c", "50", "-b", "5", "-o", str(out), "--force"]).exit_code == 0
    assert runner.invoke(app, ["synthetic", "-c", "5", "-b", "5", "-o", str(tmp_path / "x")]).exit_code == \
        ExitCode.INVALID_INPUT


def test_solidarity_run_on_a_written_pool(tmp_path):
    out = tmp_path / "pool"
    runner = CliRunner()
    assert runner.invoke(app, ["synthetic", "-c", "60", "-b", "6", "-s", "3", "-o", str(out)]).exit_code == 0
    res = runner.invoke(app, ["run", str(out / "scenario.toml"), "-o", str(tmp_path / "res"), "--quiet"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "res" / "pledges.csv").read_text().count("U000") >= 60


@pytest.mark.parametrize("units, code, message", [
    ("synthetic", "DE", "not a synthetic unit code"),
    ("countries", "U00001", "unknown country code"),
])
def test_units_decide_which_codes_are_accepted(units, code, message):
    from solidarity.inputs.scenario import parse_scenario

    text = (f'participants = ["{code}"]\n[scenario]\nname = "x"\nyear = 2026\nunits = "{units}"\n'
            f'[pool]\nrelocations = 21000\nfinancial_eur = 420000000\n')
    with pytest.raises(InputError) as err:
        parse_scenario(text)
    assert message in str(err.value) and "participants[0]" in str(err.value)


def test_synthetic_units_need_participants():
    from solidarity.inputs.scenario import parse_scenario

    with pytest.raises(InputError, match="required for synthetic units"):
        parse_scenario('[scenario]\nname = "x"\nyear = 2026\nunits = "synthetic"\n'
                       '[pool]\nrelocations = 21000\nfinancial_eur = 420000000\n')
