"""The frame every design plugs into: [design] at load, the dispatch in
pipeline.run, and commands that run the adopted Pact only."""

import pytest
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import InputError
from solidarity.inputs.scenario import parse_scenario
from solidarity.pipeline import run_pact
from solidarity.schema import Design

POOL = "[pool]\nrelocations = 100\nfinancial_eur = 0\n"


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="s.toml")
    return [str(p) for p in err.value.problems]


def test_without_a_design_table_the_scenario_runs_the_adopted_pact():
    sc = parse_scenario('[scenario]\nname = "x"\nyear = 2026\n' + POOL)
    assert sc.design is Design.AMMR and sc.design_settings is None


def test_an_unknown_design_is_named_with_the_designs_there_are():
    found = problems('[scenario]\nname = "x"\nyear = 2026\n[design]\nkind = "dublin-v"\n' + POOL)
    assert len(found) == 1
    assert found[0].startswith("s.toml: design.kind = 'dublin-v': unknown value")
    assert all(d.value in found[0] for d in Design)


def test_design_must_be_a_table():
    found = problems('design = "dublin-iv"\n[scenario]\nname = "x"\nyear = 2026\n' + POOL)
    assert found == ["s.toml: design = 'dublin-iv': must be a table, not a string; allowed: a table with kind "
                     "and the design's keys"]


def test_the_adopted_pact_starts_in_2024_a_design_in_its_own_years():
    found = problems('[scenario]\nname = "x"\nyear = 2015\n' + POOL)
    assert len(found) == 1 and found[0].startswith("s.toml: scenario.year = 2015: ") and "2024" in found[0]


def test_the_pacts_own_run_refuses_another_design():
    sc = parse_scenario('[scenario]\nname = "x"\nyear = 2026\n' + POOL)
    other = type(sc)(**{**sc.__dict__, "design": Design.DUBLIN_IV})
    with pytest.raises(InputError, match="design.kind = 'dublin-iv': this command runs the adopted Pact only"):
        run_pact(other)


def test_cycle_refuses_a_design_with_exit_code_3(tmp_path):
    """A multi-year cycle carries the Pact's ledger; a design has none."""
    folder = tmp_path / "cycle"
    folder.mkdir()
    (folder / "2015.toml").write_text('[scenario]\nname = "x"\nyear = 2016\n[design]\nkind = "dublin-iv"\n'
                                      + POOL, encoding="utf-8")
    res = CliRunner().invoke(app, ["cycle", str(folder), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
