"""`solidarity compare`: input differences, per-state and pool deltas that are
plain subtractions of the runs' tables, --changed-only, several scenarios,
--set on every scenario, the registered tables and the charts hook."""

import json
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

import solidarity
from solidarity.cli import app
from solidarity.outputs.summary import num
from solidarity.outputs.tables import REGISTRY
from solidarity.studies.compare import ITEMS, Comparison, compare, flatten, toml_value

from .conftest import SCENARIOS

PROPOSAL = SCENARIOS / "2026-commission-proposal.toml"
ADOPTED = SCENARIOS / "2026-adopted.toml"
REDISTRIBUTED = SCENARIOS / "deductions-redistributed.toml"


@pytest.fixture(scope="module")
def runs():
    return {p.stem: solidarity.run(solidarity.load_scenario(p)) for p in (PROPOSAL, ADOPTED, REDISTRIBUTED)}


@pytest.fixture(scope="module")
def two(runs) -> Comparison:
    return compare([runs[PROPOSAL.stem], runs[ADOPTED.stem]])


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def cli():
    return _invoke


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """One CLI comparison of the proposal and the adopted pool, tables written as CSV."""
    out = tmp_path_factory.mktemp("compare") / "all"
    return _invoke("compare", PROPOSAL, ADOPTED, "-o", out, "-f", "csv"), out


def _direct(old, new) -> dict[tuple[str, str], int]:
    """(geo, item) -> new minus old, straight from the two runs' tables."""
    out = {}
    for g in old.tables["shares"].index:
        for col in ("fair_share_eur", "fair_share_relocations", "deduction_eur", "obligation_eur"):
            out[g, col] = int(new.tables["shares"].at[g, col]) - int(old.tables["shares"].at[g, col])
        for typ, unit in (("relocation", "relocations"), ("financial", "financial_eur"),
                          ("alternative", "alternative_eur")):
            out[g, f"pledged_{unit}"] = (int(new.tables["pledges"].at[(g, typ), "units"])
                                         - int(old.tables["pledges"].at[(g, typ), "units"]))
            got = [int(r.tables["beneficiaries"].at[(g, typ), "received"])
                   if (g, typ) in r.tables["beneficiaries"].index else None for r in (old, new)]
            if got != [None, None]:  # a beneficiary in either run; else it receives nothing: 0
                out[g, f"received_{unit}"] = (got[1] or 0) - (got[0] or 0)
        for col in ("pledged_value_eur", "unmet_eur"):
            out[g, col] = int(new.tables["obligations"].at[g, col]) - int(old.tables["obligations"].at[g, col])
        out[g, "offsets"] = int(new.tables["offsets"].at[g, "offset"]) - int(old.tables["offsets"].at[g, "offset"])
        for src in ("recorded", "stated", "assumed"):
            by = [int(mine.loc[mine["source"] == src, "value_eur"].sum())
                  for mine in (r.tables["pledges"].loc[g] for r in (old, new))]
            out[g, f"{src}_eur"] = by[1] - by[0]
    return out


def test_cli_shows_inputs_then_states_then_pool(full, runs):
    res, folder = full
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    i, s, p = out.index("Input differences"), out.index("States that changed"), out.index("Pool totals")
    assert i < s < p
    assert "pool.relocations: 30000 -> 21000" in out
    assert "states.BE.fixed.financial_eur: (not set) -> 12900000" in out
    assert "states.AT.deduction: (not set) -> 1.0" in out
    de = out[out.index("DE Germany"):out.index("EE Estonia")]
    old, new = (int(runs[k].tables["shares"].at["DE", "obligation_eur"]) for k in (PROPOSAL.stem, ADOPTED.stem))
    assert num(old) in de and num(new) in de and num(abs(new - old)) in de
    # the written table: per-state deltas equal a direct subtraction of the two runs' tables
    t = pd.read_csv(folder / "compare_states.csv")
    assert sorted(t["scenario"].unique()) == sorted([PROPOSAL.stem, ADOPTED.stem])
    new_rows = t[(t["scenario"] == ADOPTED.stem) & (t["unit"] != "fraction")]
    got = {(r.geo, r.item): int(r.delta) for r in new_rows.itertuples()}
    assert got == _direct(runs[PROPOSAL.stem], runs[ADOPTED.stem])


def test_deltas_are_subtractions(two, runs):
    old, new = runs[PROPOSAL.stem], runs[ADOPTED.stem]
    s = two.states.xs(ADOPTED.stem, level="scenario")
    direct = _direct(old, new)
    assert {k: int(v) for k, v in s["delta"].dropna().items()} == direct
    base = two.states.xs(PROPOSAL.stem, level="scenario")
    assert (base["delta"].dropna() == 0).all() and (base["delta_relative"].dropna() == 0).all()
    # by source: the pledges' value summed per source
    pl = new.tables["pledges"]
    assert int(s.at[("BE", "recorded_eur"), "amount"]) == int(pl.loc["BE"]["value_eur"].sum()) == 12_900_000
    assert int(s.at[("DE", "assumed_eur"), "amount"]) == int(new.tables["obligations"].at["DE", "assumed_value_eur"])
    # key shares: fractions with a fraction delta
    ks = s.xs("key_share", level="item")
    assert ks["fraction"].to_dict() == new.tables["shares"]["key_share"].to_dict()
    assert ks["amount"].isna().all() and (ks["delta_fraction"] == 0).all() and not ks["changed"].any()
    # relative deltas
    r = s.loc[("DE", "obligation_eur")]
    base_de = int(old.tables["shares"].at["DE", "obligation_eur"])
    assert r["delta_relative"] == pytest.approx(int(r["delta"]) / base_de)
    assert pd.isna(s.at[("BE", "unmet_eur"), "delta_relative"])  # from 0: no relative change
    # received only for beneficiaries
    items = set(two.states.xs("DE", level="geo").index.get_level_values("item"))
    assert not any(i.startswith("received_") for i in items)
    assert {"received_relocations", "received_financial_eur"} <= set(
        two.states.xs("CY", level="geo").index.get_level_values("item"))


def test_pool_deltas(two, runs):
    old, new = (runs[k].tables["pool"] for k in (PROPOSAL.stem, ADOPTED.stem))
    p = two.pool.xs(ADOPTED.stem, level="scenario")
    for item in old.index:
        assert int(p.at[item, "delta"]) == int(new.at[item, "amount"]) - int(old.at[item, "amount"])
        assert p.at[item, "status"] == new.at[item, "status"]
    assert bool(p.at["pool_value", "changed"]) and not bool(p.at["equivalence_eur", "changed"])
    # a threshold whose reference moves changed even if its amount did not
    assert bool(p.at["proposal_relocations", "changed"]) is False


def test_inputs_table(two):
    t = two.inputs
    row = t.loc[("pool.relocations", ADOPTED.stem)]
    assert (row["old"], row["new"], row["change"]) == ("30000", "21000", "changed")
    assert t.loc[("states.BE.fixed.financial_eur", ADOPTED.stem), "change"] == "added"
    assert t.loc[("states.CY.deduction", ADOPTED.stem), "change"] == "removed"
    assert t.loc[("states.HU.fixed", ADOPTED.stem), "new"] == "{}"
    assert ("pool.proposal_relocations", ADOPTED.stem) not in t.index  # the same in both
    assert flatten({"a": {"b": 1, "c": {}}, "x y": [1, "z"]}) == {"a.b": 1, "a.c": {}, '"x y"': [1, "z"]}
    assert [toml_value(v) for v in (True, 1, 1.0, "a", (1, 2), {"k": 0})] == \
        ["true", "1", "1.0", '"a"', "[1, 2]", "{k = 0}"]


def test_tables_registered_with_units_and_keys(two):
    for name, key in (("compare_inputs", ("path", "scenario")), ("compare_states", ("geo", "item", "scenario")),
                      ("compare_pool", ("item", "scenario"))):
        spec = REGISTRY[name]
        assert spec.key == key and all(c.unit and c.doc for c in spec.columns)
        df = two.tables[name]
        assert list(df.index.names) == list(key) and df.index.is_unique
        assert list(df.columns) == [c for c in spec.names if c not in key]
    assert set(two.states["unit"]) <= {"EUR", "persons", "fraction"}
    assert set(two.states.index.get_level_values("item")) <= set(ITEMS)
    from solidarity.outputs.report import to_json
    doc = json.loads(to_json("compare_states", two.states))
    fields = {f["name"]: f for f in doc["schema"]["fields"]}
    assert doc["schema"]["primaryKey"] == ["geo", "item", "scenario"] and fields["delta"]["unit"] == "unit"


def test_changed_only(cli, tmp_path, two, full):
    full, folder = full
    some = cli("compare", PROPOSAL, ADOPTED, "--changed-only", "-o", tmp_path / "changed", "-f", "csv")
    assert full.exit_code == 0 and some.exit_code == 0, some.stderr
    a = pd.read_csv(folder / "compare_states.csv")
    c = pd.read_csv(tmp_path / "changed" / "compare_states.csv")
    assert c["changed"].all() and not a["changed"].all()
    assert len(c) == int(a["changed"].sum())
    assert "key_share" not in set(c["item"])  # the same key in both
    assert "key share (%)" in full.stdout and "key share (%)" not in some.stdout
    pool = pd.read_csv(tmp_path / "changed" / "compare_pool.csv")
    assert pool["changed"].all() and "equivalence_eur" not in set(pool["item"])
    assert "equivalence_eur" in full.stdout and "equivalence_eur" not in some.stdout
    assert two.changed_only().states["changed"].all()


def test_three_scenarios(runs):
    c = compare([runs[PROPOSAL.stem], runs[ADOPTED.stem], runs[REDISTRIBUTED.stem]])
    assert c.labels == (PROPOSAL.stem, ADOPTED.stem, REDISTRIBUTED.stem)
    sizes = c.states.groupby(level=["geo", "item"]).size()
    assert (sizes == 3).all()
    third = c.states.xs(REDISTRIBUTED.stem, level="scenario")
    direct = _direct(runs[PROPOSAL.stem], runs[REDISTRIBUTED.stem])
    assert {k: int(v) for k, v in third["delta"].dropna().items()} == direct
    assert set(c.inputs.index.get_level_values("scenario")) == {ADOPTED.stem, REDISTRIBUTED.stem}
    text = c.text()
    assert f"Input differences, {PROPOSAL.stem} -> {REDISTRIBUTED.stem}" in text
    assert text.count("change") >= 2
    with pytest.raises(ValueError):
        compare([runs[ADOPTED.stem]])
    with pytest.raises(ValueError):
        compare([runs[ADOPTED.stem]] * 2, labels=["a", "a"])
    same = compare([runs[ADOPTED.stem]] * 2)
    assert same.labels == (ADOPTED.stem, f"{ADOPTED.stem} (2)") and same.changed_states() == []
    assert same.inputs.empty and "none: the effective scenarios are the same" in same.text()


def test_set_applies_to_every_scenario(cli, tmp_path):
    res = cli("compare", PROPOSAL, ADOPTED, "--set", "pool.sar_share=0.1", "-o", tmp_path, "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert res.stderr.count("override pool.sar_share") == 2
    assert "pool.sar_share" not in res.stdout  # now the same in both: no input difference
    pool = pd.read_csv(tmp_path / "compare_pool.csv").set_index(["item", "scenario"])
    for lab in (PROPOSAL.stem, ADOPTED.stem):
        ref = int(pool.at[("sar_target", lab), "reference"])
        obligations = int(pool.at[("obligations", lab), "amount"])
        assert ref == (obligations + 5) // 10  # 10 % of the obligations, halves up


def test_cli_usage_and_input_errors(cli):
    assert cli("compare", ADOPTED).exit_code == 2
    res = cli("compare", ADOPTED, SCENARIOS / "missing.toml")
    assert res.exit_code == 3 and "missing.toml" in res.stderr
    assert cli("compare", ADOPTED, PROPOSAL, "--set", "pool.relocations=-1").exit_code == 3


def test_charts_hook(cli, tmp_path, monkeypatch):
    from solidarity.outputs import charts
    seen = {}

    def fake(deltas, baseline=None, units=None, title="", labels=None, source="", values=False):
        seen.update(deltas=deltas, baseline=baseline, units=units, labels=labels, source=source, values=values)
        return {"compare_obligation_eur.svg": b"<svg/>"}

    monkeypatch.setattr(charts, "compare_charts", fake)
    res = cli("compare", PROPOSAL, ADOPTED, "--charts", tmp_path / "charts", "-q")
    assert res.exit_code == 0, res.stderr
    assert seen["values"] is False  # two runs of one design: changes against the base
    assert (tmp_path / "charts" / "compare_obligation_eur.svg").read_bytes() == b"<svg/>"
    d = seen["deltas"]
    assert seen["baseline"] == PROPOSAL.stem and {"geo", "metric", "label", "value", "delta"} <= set(d.columns)
    assert d.loc[d["label"] == PROPOSAL.stem, "delta"].isna().all()
    de = d[(d["geo"] == "DE") & (d["metric"] == "obligation_eur") & (d["label"] == ADOPTED.stem)]
    assert float(de["delta"].iloc[0]) == 91_080_039 - 130_114_342
    assert seen["units"]["obligation_eur"] == ("EUR million", 1e6)
    # readable names and the source line: data releases, both scenarios, the tool
    assert seen["labels"]["obligation_eur"] == "obligation"
    assert seen["labels"]["assumed_eur"] == "value pledged, assumed"
    assert seen["source"].startswith("Source: population 2025, Eurostat demo_pjan")
    assert f"Scenarios: {PROPOSAL.stem} (" in seen["source"] and "Drawn with solidarity " in seen["source"]


def test_charts_skipped_with_a_message(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "solidarity.outputs.charts", None)  # import fails
    res = cli("compare", PROPOSAL, ADOPTED, "--charts", tmp_path / "charts")
    assert res.exit_code == 0, res.stderr
    assert "charts skipped" in res.stderr and not (tmp_path / "charts").exists()


def test_notebook_displays(two):
    """A short repr (no frames dumped) and an HTML display with the changed pool items."""
    text = repr(two)
    assert text.startswith(f"<Comparison of 2 runs, base {two.base!r}") and "\n" not in text and len(text) < 400
    page = two._repr_html_()
    assert page.startswith("<div><h3>Comparison: ") and "<table" in page and "<details>" in page
    assert "compare_pool" in page and len(page) < 200_000
