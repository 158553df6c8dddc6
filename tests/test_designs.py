"""The frame every design plugs into: [design] at load, the dispatch in
pipeline.run, and commands that run the adopted Pact only."""

import pytest
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import InputError
from solidarity.inputs.scenario import parse_scenario
from solidarity.pipeline import run_pact
from solidarity.schema import Design

from .conftest import SCENARIOS

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
    (folder / "2016.toml").write_text((SCENARIOS / "designs" / "2015-dublin-iv.toml").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    res = CliRunner().invoke(app, ["cycle", str(folder), "-o", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    assert "design.kind = 'dublin-iv': this command runs the adopted Pact only" in res.output


# --- every design's scenarios, end to end -----------------------------------------------------

import pandas as pd  # noqa: E402

import solidarity  # noqa: E402
from solidarity.designs import DesignResult  # noqa: E402

DESIGN_FILES = sorted((SCENARIOS / "designs").glob("*.toml"))
ADOPTED = SCENARIOS / "2026-adopted.toml"
KEY_2015 = SCENARIOS / "designs" / "2026-key-2015.toml"
DUBLIN_2026 = SCENARIOS / "designs" / "2026-dublin-iv.toml"


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_the_designs_folder_has_a_scenario_per_design():
    kinds = {solidarity.load_scenario(p).design for p in DESIGN_FILES}
    assert kinds == set(Design), "one example per design (the Pact's: third-country money)"


@pytest.mark.parametrize("path", DESIGN_FILES, ids=lambda p: p.stem)
def test_each_design_scenario_runs_verifies_and_verifies_again_from_its_folder(path, tmp_path):
    out = tmp_path / "out"
    res = _cli("run", path, "-o", out, "-f", "csv", "-q")
    assert res.exit_code == 0, res.output
    assert res.stdout == ""  # --quiet with a folder: nothing on stdout
    res = _cli("verify", out, "--scenario", path)
    assert res.exit_code == 0, res.output
    assert "every rule's outcome verifies" in res.stdout
    meta = pd.read_csv(out / "meta.csv", index_col="key")["value"]
    assert meta["verification"].startswith("passed") and meta["scenario_sha256"]


@pytest.mark.parametrize("path", [p for p in DESIGN_FILES if "third-country" not in p.stem], ids=lambda p: p.stem)
def test_a_changed_number_in_a_design_table_fails_verify_with_exit_5(path, tmp_path):
    """The audit re-derives the design's rules from the tables read back: a cell
    changed in design_states (and its digest recomputed) is caught by the rules."""
    from .test_verify import reseal

    out = tmp_path / "out"
    assert _cli("run", path, "-o", out, "-f", "csv", "-q").exit_code == 0
    states = pd.read_csv(out / "design_states.csv", keep_default_na=False, dtype=str)
    row = next(i for i, v in enumerate(states["persons"]) if v not in ("", "0"))
    states.loc[row, "persons"] = str(int(states.loc[row, "persons"]) + 1)
    states.to_csv(out / "design_states.csv", index=False, lineterminator="\n")
    reseal(out)  # the digests recomputed: only the rules can catch it
    res = _cli("verify", out)
    assert res.exit_code == 5, res.output
    assert "design_states" in res.output or "persons" in res.output


@pytest.mark.parametrize("path", [p for p in DESIGN_FILES if "third-country" not in p.stem], ids=lambda p: p.stem)
def test_explain_names_an_act_for_every_state_of_every_design(path):
    """For every state, the number design_states gives it (persons taken in, or
    relocated from a benefitting state) is stated in a fact that cites the rule
    of an act (an article, an annex, a protocol); a state outside is told why."""
    import re

    res = solidarity.run(solidarity.load_scenario(path))
    assert isinstance(res, DesignResult)
    cites = re.compile(r"Art \d|Annex|Protocol|Decision \(EU\)|\d{4}/\d{3,4}")
    for g, row in res.tables["design_states"].iterrows():
        ex = solidarity.explain(res, g)
        wanted = [int(row[c]) for c in ("persons", "relocated_from") if not pd.isna(row[c])]
        stated = [(s.title + " " + f.text()) for s in ex.sections for f in s.facts
                  if not wanted or any(v.unit == "persons" and v.value in wanted for v in f.values.values())]
        assert stated and any(cites.search(t) for t in stated), (g, wanted, ex.text())


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """The issue's comparison: the 2026 adopted pool under the Pact, the 2015 key and Dublin IV."""
    root = tmp_path_factory.mktemp("designs")
    res = _cli("compare", ADOPTED, KEY_2015, DUBLIN_2026, "-o", root / "tables", "-f", "csv",
               "--charts", root / "charts")
    return res, root


def test_compare_puts_three_designs_side_by_side_in_one_table(side_by_side):
    res, root = side_by_side
    assert res.exit_code == 0, res.output
    st = pd.read_csv(root / "tables" / "compare_states.csv", keep_default_na=False)
    de = st[(st["geo"] == "DE") & (st["item"] == "fair_share_relocations")].set_index("scenario")["amount"]
    runs = {p.stem: solidarity.run(solidarity.load_scenario(p)) for p in (ADOPTED, KEY_2015, DUBLIN_2026)}
    # each number is the one its own run's tables give, on the row of the same measure
    assert int(de["2026-adopted"]) == int(runs["2026-adopted"].tables["shares"].at["DE", "fair_share_relocations"])
    for label in ("2026-key-2015", "2026-dublin-iv"):
        assert int(de[label]) == int(runs[label].tables["design_states"].at["DE", "persons"])
    assert "Designs: 2026-adopted: ammr; 2026-key-2015: relocation-2015; 2026-dublin-iv: dublin-iv" in res.stdout


def test_compare_draws_each_states_numbers_under_each_design(side_by_side):
    pytest.importorskip("matplotlib")
    res, root = side_by_side
    assert res.exit_code == 0, res.output
    drawn = {p.name for p in (root / "charts").iterdir()}
    assert "compare_values_fair_share_relocations.png" in drawn and "compare_values_key_share.svg" in drawn
    svg = (root / "charts" / "compare_values_fair_share_relocations.svg").read_text()
    assert "persons a state takes in" in svg and "Germany (DE)" in svg


def test_a_designs_run_draws_its_numbers_per_state_with_its_tables(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    res = _cli("run", SCENARIOS / "designs" / "2015-com-286.toml", "-o", out, "--charts", out / "charts", "-q")
    assert res.exit_code == 0, res.output
    drawn = {p.name for p in (out / "charts").iterdir()}
    assert {"design_persons.png", "design_persons.svg", "design_receives_eur.svg"} <= drawn
    assert "design_pays_eur.png" not in drawn  # nobody pays under the 2015 decisions: nothing to draw
    svg = (out / "charts" / "design_persons.svg").read_text()
    assert "persons to take in" in svg and "Germany (DE)" in svg
    assert _cli("verify", out).exit_code == 0  # the charts are in the one manifest


def test_a_designs_brief_names_its_acts_not_the_pact(tmp_path):
    out = tmp_path / "out"
    assert _cli("run", DUBLIN_2026, "-o", out, "-f", "html", "-q").exit_code == 0
    page = (out / "brief.html").read_text()
    assert "Another solidarity design · COM(2016) 270, proposal not adopted" in page
    assert "Regulation (EU) 2024/1351" not in page.split("</header>")[0]
    assert "one obligation in two units" not in page


def test_sweep_refuses_a_design_before_any_point_with_exit_code_3(tmp_path):
    res = _cli("sweep", KEY_2015, "--vary", "pool.relocations=20000:22000:1000", "-o", tmp_path / "out")
    assert res.exit_code == 3, res.output
    assert "design.kind = 'relocation-2015': a sweep runs the adopted Pact only" in res.output
    assert not (tmp_path / "out").exists()
