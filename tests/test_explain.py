"""`solidarity explain`: one state's result in words, every number from the
result; text and JSON carry the same content; unknown states exit 3."""

import json
import re

import pytest
from typer.testing import CliRunner

import solidarity
from solidarity.cli import app
from solidarity.errors import InputError
from solidarity.outputs.summary import num
from solidarity.outputs.tables import REGISTRY
from solidarity.studies.explain import UNITS, Explanation, Fact, Value, explain

from .conftest import SCENARIOS

ADOPTED = SCENARIOS / "2026-adopted.toml"
CAPPED = SCENARIOS / "alternative-capped.toml"
#: Article references are the only digits a template may hold.
ARTICLE = re.compile(r"\b(?:CR )?Art \d+(?:\(\d+\))*(?:\([a-z]\))?")


@pytest.fixture(scope="module")
def adopted():
    return solidarity.run(solidarity.load_scenario(ADOPTED))


@pytest.fixture(scope="module")
def capped():
    return solidarity.run(solidarity.load_scenario(CAPPED))


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_belgium_key_fair_share_and_recorded_money_only(adopted):
    ex = explain(adopted, "BE")
    sh, pl = adopted.tables["shares"].loc["BE"], adopted.tables["pledges"].loc["BE"]
    assert ex.value("key", "key_share", "key_share") == sh["key_share"]
    assert ex.value("key", "key_share", "ps") == sh["population_share"]
    assert ex.value("fair_share", "eur", "fair_share_eur") == int(sh["fair_share_eur"]) == 13_014_787
    assert ex.value("fair_share", "persons", "fair_share_relocations") == int(sh["fair_share_relocations"]) == 651
    assert ex.value("obligation", "obligation", "obligation_eur") == int(sh["obligation_eur"])
    for typ in ("relocation", "financial", "alternative"):
        assert ex.value("pledges", typ, "units") == int(pl.at[typ, "units"])
        assert pl.at[typ, "source"] == "recorded"
    assert ex.value("pledges", "financial", "units") == 12_900_000
    assert ex.value("pledges", "total", "unmet") == int(adopted.tables["obligations"].at["BE", "unmet_eur"])
    text = ex.text()
    assert text.startswith("Belgium (BE) in 2026 adopted pool (2026)")
    for shown in ("3.0988 %", f"EUR {num(13_014_787)}", f"{num(651)} persons", f"EUR {num(12_900_000)}",
                  "money only", "recorded", "rounded to 100"):
        assert shown in text, shown
    assert "its recorded pledge" in ex.section("levels").fact("bound").text()
    # population and GDP with year, vintage and flag
    pop = ex.section("data").fact("population")
    assert pop.values["year"].value == adopted.population.year
    assert pop.values["vintage"].value == adopted.population.vintage
    assert pop.values["flag"].value == "none"


def test_the_two_relocation_figures_each_say_what_they_are(adopted):
    """Issue 13: shares has two relocation figures per state; each gets one
    sentence naming the one the Commission publishes. 2026: the rounded-up
    equivalents add up to 21 013 (26 states, each ceil(V / 20 000)); the
    Hamilton apportionment of R adds up to exactly 21 000."""
    ex = explain(adopted, "DE")
    persons, apportioned = ex.section("fair_share").fact("persons"), ex.section("fair_share").fact("apportioned")
    assert ex.value("fair_share", "persons", "sum_fair") == 21_013
    assert "4 555 persons" in persons.text() and "the figure the Commission publishes" in persons.text()
    # quota 21.6857 % x 21 000 = 4 554.002, Hamilton gives 4 554
    assert ex.value("fair_share", "apportioned", "relocations_apportioned") == 4_554
    assert ex.value("fair_share", "apportioned", "sum_apportioned") == 21_000
    assert "not the Commission's published figure" in apportioned.text()
    doc = REGISTRY["shares"].column
    assert "the figure the Commission publishes" in doc("fair_share_relocations").doc
    assert "not the Commission's published figure" in doc("relocations_apportioned").doc
    # one name, one meaning: offsets carries the persons after deduction under shares' name for it
    assert "fair_share_relocations" not in REGISTRY["offsets"].names
    assert "obligation_relocations" in REGISTRY["offsets"].names
    off, sh = adopted.tables["offsets"], adopted.tables["shares"]
    assert (off["obligation_relocations"] == sh.loc[off.index, "obligation_relocations"]).all()



def test_germany_names_what_bound_it(adopted):
    ex = explain(adopted, "DE")
    pl = adopted.tables["pledges"].loc["DE"]
    assert ex.value("pledges", "relocation", "units") == int(pl.at["relocation", "units"]) == 2_399
    assert ex.value("pledges", "financial", "units") == int(pl.at["financial", "units"])
    assert all(pl["source"] == "assumed")
    assert "assumed" in ex.section("pledges").fact("relocation").text()
    bound = ex.section("levels").fact("bound").text()
    assert "stated nothing" in bound and "needs" in bound and "proportional fairness" in bound
    levels = ex.section("levels")
    assert [f.key for f in levels.facts[1:]] == [t.name for t in adopted.solve.trace]
    needs = levels.fact("needs").text()
    assert "It stated nothing" in needs and "relocation and money needs were short" in needs
    assert levels.fact("needs").values["rel"].value == 2_399
    fair = levels.fact("fairness")
    assert fair.values["mine"].value == 2_399 * adopted.inputs.rate
    assert fair.values["max_rate"].value == float(adopted.solve.objective["fairness"])
    assert levels.fact("deviation").text().endswith("skipped, no state stated a preference.")
    off = adopted.tables["offsets"].loc["DE"]
    assert ex.value("offsets", "owed", "offset") == int(off["offset"])
    assert ex.value("offsets", "owed", "cap") == int(off["cap"])
    flows = adopted.tables["flows"].xs("DE", level="geo")
    for b in ("CY", "EL", "ES", "IT"):
        assert ex.value("calls", f"to_{b}", "relocation") == int(flows.at[(b, "relocation"), "units"])


def test_stated_preference_cut_by_art_57_2(capped):
    ex = explain(capped, "FR")
    pl = capped.tables["pledges"].loc["FR"]
    assert ex.value("pledges", "alternative", "preferred") == int(pl.at["alternative", "preferred_units"])
    assert ex.value("pledges", "alternative", "cap") == int(pl.at["alternative", "max_units"])
    assert "Art 57(2)" in ex.section("levels").fact("bound").text()
    dev = ex.section("levels").fact("deviation")
    assert dev.values["value"].value == int(capped.tables["obligations"].at["FR", "deviation_value_eur"])
    # a euro moved from one type to another is one euro of deviation, not two: FR stated
    # EUR 33 614 331 of alternative measures, capped at EUR 3 771 340 (Art 57(2)); the
    # EUR 29 842 991 cut goes to money (EUR 16 794 331 stated, EUR 46 637 322 pledged)
    assert pl.at["financial", "deviation_units"] == 29_842_991 == -pl.at["alternative", "deviation_units"]
    assert dev.values["value"].value == 29_842_991
    # pool-wide: FR's 29 842 991 and NL's 9 722 500 (moved the same way)
    assert dev.values["pool"].value == 29_842_991 + int(capped.tables["obligations"].at["NL", "deviation_value_eur"])
    assert dev.values["alt_states"].value == "FR and NL"
    assert "falls on money first" in ex.section("levels").fact("deviation_order").text()


def test_beneficiary_needs_and_coverage(adopted):
    ex = explain(adopted, "CY")
    be = adopted.tables["beneficiaries"].xs("CY", level="beneficiary")
    assert ex.value("beneficiary", "need_relocation", "received") == int(be.at["relocation", "received"])
    assert ex.value("beneficiary", "need_financial", "need") == int(be.at["financial", "need"])
    assert ex.value("beneficiary", "need_relocation", "coverage") == be.at["relocation", "coverage"]
    assert "default: benefitting state" in ex.section("obligation").fact("deduction").text()
    assert "nothing" in ex.section("levels").fact("bound").text()


def test_json_round_trips_with_the_same_numbers(adopted):
    for g in ("BE", "DE", "CY", "HU"):
        ex = explain(adopted, g)
        doc = json.loads(ex.to_json())
        back = Explanation.from_dict(doc)
        assert back == ex and back.text() == ex.text()
        lines = ex.text().splitlines()
        for sec in ex.sections:
            assert doc["sections"][sec.key]["title"] in lines
            for f in sec.facts:
                jf = doc["sections"][sec.key]["facts"][f.key]
                assert "- " + jf["text"] in lines
                shown = Fact(f.key, jf["template"],
                             {n: Value(v["value"], v["unit"]) for n, v in jf["values"].items()}).shown()
                for name, v in jf["values"].items():
                    assert v["unit"] in UNITS
                    assert shown[name] in jf["text"], (g, f.key, name)


def test_percentages_in_one_sentence_have_the_same_decimals(adopted):
    """Issue 13: 'relocations 21.21 % and money 21.2094 %' in one sentence
    becomes 21.2100 % and 21.2094 %; a sentence of round shares keeps none."""
    fact = Fact("f", "{a} and {b}", {"a": Value(0.2121, "fraction"), "b": Value(0.212094, "fraction")})
    assert fact.text() == "21.2100 % and 21.2094 %"
    assert Fact("g", "{a} of {b}", {"a": Value(0.5, "fraction"), "b": Value(0.6, "fraction")}).text() == "50 % of 60 %"
    pattern = re.compile(r"(\d+(?:\.(\d+))?) %")
    for g in ("DE", "CY", "IT"):
        for sec in explain(adopted, g).sections:
            for f in sec.facts:
                places = {len(m.group(2) or "") for m in pattern.finditer(f.text())}
                assert len(places) <= 1, (g, f.text())


def test_no_number_is_written_by_hand(adopted, capped):
    for res, states in ((adopted, adopted.scenario.participants), (capped, ("FR", "NL", "EL"))):
        for g in states:
            for sec in explain(res, g).sections:
                for f in sec.facts:
                    assert not re.search(r"\d", ARTICLE.sub("", f.template)), (g, f.key, f.template)
                    assert set(re.findall(r"{(\w+)}", f.template)) == set(f.values), (g, f.key)


def test_unknown_or_non_participant_state(adopted):
    for bad in ("XX", "DK", "de"):
        with pytest.raises(InputError) as err:
            explain(adopted, bad)
        assert repr(bad) in str(err.value) and "AT BE BG" in str(err.value)
    with pytest.raises(InputError, match="Denmark is not a participant"):
        explain(adopted, "DK")


def test_cli_text_json_and_exit_codes(adopted):
    res = _cli("explain", ADOPTED, "--state", "BE")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == explain(adopted, "BE").text()
    res = _cli("explain", ADOPTED, "--state", "DE", "--format", "json", "--quiet")
    assert res.exit_code == 0 and res.stderr == ""
    assert Explanation.from_dict(json.loads(res.stdout)) == explain(adopted, "DE")
    res = _cli("explain", ADOPTED, "--state", "XX")
    assert res.exit_code == 3
    assert "'XX'" in res.stderr and "participants: AT BE" in res.stderr and res.stdout == ""
    assert _cli("explain", ADOPTED).exit_code == 2  # --state is required


def test_cli_set_and_variant_reach_the_run():
    res = _cli("explain", ADOPTED, "--state", "BE", "--set", "states.BE.fixed={financial_eur=13014787}", "-q")
    assert res.exit_code == 0, res.stderr
    assert f"EUR {num(13_014_787)} against an obligation of EUR {num(13_014_787)}: covered" in res.stdout
    assert _cli("explain", ADOPTED, "--state", "BE", "--variant", "nope").exit_code == 3


def test_notebook_displays(adopted):
    """A one-line repr naming its sections, not a dump of every value; the HTML
    display holds every fact's sentence."""
    import html

    res = adopted
    ex = explain(res, "IT")
    text = repr(ex)
    assert text.startswith("<Explanation IT in '2026 adopted pool' (2026): data, key") and len(text) < 300
    page = ex._repr_html_()
    for s in ex.sections:
        assert f"<h4>{html.escape(s.title)}</h4>" in page
        assert all(html.escape(f.text()) in page for f in s.facts)
    rich = res._repr_html_()
    assert rich.startswith("<div><h3>2026 adopted pool (2026)</h3>") and "obligations" in rich
    assert "more rows" in rich and len(rich) < 20_000
