"""The 2016 Dublin IV proposal's corrective allocation (COM(2016) 270 Art 34-37), design "dublin-iv".

Worked example: a hand computation (no official per-state simulation of the
mechanism exists, DESIGNS.md section 2), written out step by step below.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import ExitCode, InputError
from solidarity.inputs.design_dublin4 import Dublin4Settings, Window
from solidarity.inputs.monthly import load_monthly, months_from
from solidarity.inputs.scenario import load_scenario
from solidarity.pact.dublin4 import Rules, reference_key, simulate
from solidarity.pact.verify_dublin4 import resimulate, verify
from solidarity.pipeline import run
from solidarity.schema import FrozenDict, Method
from solidarity.studies.explain import explain

from .conftest import SCENARIOS

S2015 = SCENARIOS / "designs" / "2015-dublin-iv.toml"
S2026 = SCENARIOS / "designs" / "2026-dublin-iv.toml"
EUR = 250_000

# --- the hand-computed example ------------------------------------------------------
#
# Three states, key XX 1/2, YY 1/4, ZZ 1/4; window = the months so far (rolling,
# fewer than 12 months); trigger 150 %, receive below 100 %, Hamilton.
#
# Month 1: lodged XX 10, YY 70, ZZ 20; Union 100; reference numbers 50, 25, 25.
#   YY: 70 > 1.5 x 25 = 37.5: triggered; it gives away until back at 37 (floor of
#   37.5): 70 - 37 = 33 (at most its 70 new applications).
#   Receivers below 100 %: XX (10 < 50, room ceil(50 - 10) = 40), ZZ (20 < 25, room 5).
#   Pro rata to the key 1/2 : 1/4 -> quotas 22 and 11; ZZ stops at its room 5; the
#   other 28 go to XX. In: XX 28, ZZ 5; out: YY 33.
# Month 2: lodged XX 0, YY 40, ZZ 0; Union 140; references 70, 35, 35.
#   Counts: XX 10 + 28 = 38, YY 110 - 33 = 77, ZZ 20 + 5 = 25.
#   YY: 77 > 52.5: gives min(40, 77 - 52) = 25. Rooms: XX 32, ZZ 10.
#   Quotas 16 2/3 and 8 1/3: floors 16 + 8, the last person to the larger
#   remainder (XX). In: XX 17, ZZ 8; out: YY 25.
# Month 3: lodged XX 0, YY 30, ZZ 10; Union 180; references 90, 45, 45.
#   Counts: XX 55, YY 140 - 58 = 82, ZZ 30 + 13 = 43. YY gives min(30, 82 - 67) = 15.
#   Rooms: XX 35, ZZ 2. Quotas 10 and 5; ZZ stops at 2; XX 13. In: XX 13, ZZ 2.
# Totals: XX receives 58, ZZ 15, YY gives 73.
#
# With ZZ opted out (Art 37(1)): it would have received 5, 8 and 5 (the same
# pro-rata split, its own counts staying lower: month 2 room 15, month 3 room 15);
# XX takes them instead (rooms 12, 10 and 12 left after its own share) and receives
# their contribution: XX 33 + 25 + 15 = 73 persons, EUR 250 000 x 18 = 4 500 000
# paid by ZZ to XX.

KEY = {"XX": Fraction(1, 2), "YY": Fraction(1, 4), "ZZ": Fraction(1, 4)}
LODGED = pd.DataFrame({"2015-01": [10, 70, 20], "2015-02": [0, 40, 0], "2015-03": [0, 30, 10]},
                      index=["XX", "YY", "ZZ"])


def _col(out, col: str, geo: str) -> list[int]:
    return [int(x) for x in out.monthly.xs(geo, level="geo")[col]]


def test_hand_computed_three_states_three_months():
    out = simulate(KEY, LODGED, "2015-01", Rules())
    assert _col(out, "allocated_in", "XX") == [28, 17, 13]
    assert _col(out, "allocated_in", "ZZ") == [5, 8, 2]
    assert _col(out, "allocated_out", "YY") == [33, 25, 15]
    assert _col(out, "responsible", "YY") == [70, 77, 82]
    assert _col(out, "responsible_after", "ZZ") == [25, 33, 45]
    assert [bool(x) for x in out.monthly.xs("YY", level="geo")["triggered"]] == [True, True, True]
    assert out.monthly.at[("XX", "2015-03"), "reference"] == 90


def test_hand_computed_opt_out_pays_for_whom_it_would_have_received():
    out = simulate(KEY, LODGED, "2015-01", Rules(opt_out=("ZZ",)))
    assert _col(out, "allocated_in", "ZZ") == [0, 0, 0]
    assert _col(out, "would_receive", "ZZ") == [5, 8, 5]
    assert _col(out, "allocated_in", "XX") == [33, 25, 15]
    assert _col(out, "pays_eur", "ZZ") == [5 * EUR, 8 * EUR, 5 * EUR]
    assert _col(out, "receives_eur", "XX") == [5 * EUR, 8 * EUR, 5 * EUR]
    assert _col(out, "allocated_out", "YY") == [33, 25, 15]


def test_key_is_half_population_half_gdp():
    k = reference_key({"A": 30, "B": 10}, {"A": 10, "B": 30})
    assert k == {"A": Fraction(1, 2), "B": Fraction(1, 2)}


def test_calendar_window_counts_the_year_so_far_only():
    frame = pd.DataFrame({"2014-12": [0, 1000, 0], **LODGED.to_dict("series")}, index=["XX", "YY", "ZZ"])
    rolling = simulate(KEY, frame, "2015-01", Rules())
    calendar = simulate(KEY, frame, "2015-01", Rules(rolling=False))
    assert calendar.monthly.at[("XX", "2015-01"), "reference"] == 50  # December 2014 not counted
    assert rolling.monthly.at[("XX", "2015-01"), "reference"] == 550


# --- properties ------------------------------------------------------------------------

def _settings(opt_out=(), method=Method.HAMILTON, window=Window.ROLLING, first="2015-03", months=4):
    return Dublin4Settings(first_month=first, months=months, window=window, trigger_percent=150,
                           receive_below_percent=100, method=method, contribution_eur=EUR, opt_out=tuple(opt_out),
                           applications_file=None, applications_filters=FrozenDict())


@st.composite
def worlds(draw):
    n = draw(st.integers(2, 6))
    codes = [f"S{i}" for i in range(n)]
    weights = [draw(st.integers(1, 50)) for _ in codes]
    key = {g: Fraction(w, sum(weights)) for g, w in zip(codes, weights)}
    months = months_from("2015-01", 6)
    lodged = pd.DataFrame({m: [draw(st.integers(0, 400)) for _ in codes] for m in months}, index=codes)
    opt = draw(st.lists(st.sampled_from(codes), unique=True, max_size=2))
    method = draw(st.sampled_from([Method.HAMILTON, Method.WEBSTER, Method.DHONDT, Method.HUNTINGTON_HILL]))
    return key, lodged, tuple(sorted(opt)), method


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_properties_conservation_receivers_below_100_opt_outs_pay_exactly(world):
    key, lodged, opt, method = world
    out = simulate(key, lodged, "2015-03", Rules(method=method, opt_out=opt))
    m = out.monthly
    for _, grp in m.groupby(level="month"):
        assert grp["allocated_out"].sum() == grp["allocated_in"].sum()  # nobody lost, nobody invented
        assert grp["pays_eur"].sum() == grp["receives_eur"].sum()  # contributions paid = received
    for (g, _), r in m.iterrows():
        assert r["responsible_after"] == r["responsible"] - r["allocated_out"] + r["allocated_in"]
        assert r["allocated_out"] <= r["lodged"]  # new applications only
        if r["allocated_in"] > 0:  # only states below 100 %, none pushed past it by more than the last person
            assert r["responsible"] < r["reference"] and not r["triggered"]
            assert r["responsible_after"] - 1 < r["reference"]
        if r["allocated_out"] > 0:  # only above 150 %, never below it
            assert r["responsible"] * 2 > 3 * r["reference"]
            assert (r["responsible"] - r["allocated_out"] + 1) * 2 > 3 * r["reference"]
        if g in opt:
            assert r["allocated_in"] == 0 and r["pays_eur"] == EUR * r["would_receive"]
    exp = resimulate(key, {g: {c: int(lodged.at[g, c]) for c in lodged.columns} for g in key},
                     list(lodged.columns), _settings(opt, method))
    for (g, month), r in m.iterrows():
        x = exp[g, month]
        assert (r["allocated_in"], r["allocated_out"], r["pays_eur"], r["receives_eur"]) == (
            x["allocated_in"], x["allocated_out"], x["pays_eur"], x["receives_eur"])


# --- the bundled scenarios -----------------------------------------------------------

@pytest.fixture(scope="module")
def r2015():
    return run(load_scenario(S2015))


def test_2015_scenario_is_verified_and_hu_opted_out(r2015):
    st_, mt = r2015.tables["design_states"], r2015.tables["dublin4_months"]
    assert r2015.verified
    assert len(st_) == 27 and abs(st_["key_share"].sum() - 1) < 1e-12
    hu = mt.xs("HU", level="geo")
    assert st_.at["HU", "persons"] == 0 and hu["opted_out"].all()
    assert st_.at["HU", "pays_eur"] == EUR * int(hu["would_receive"].sum()) > 0
    assert st_["persons"].sum() == st_["relocated_from"].sum() > 0
    assert st_["pays_eur"].sum() == st_["receives_eur"].sum()
    assert "Art 37(1)" in st_.at["HU", "rule"]
    assert mt.index.get_level_values("month").unique().tolist() == months_from("2015-01", 12)


def test_2015_lodged_match_the_bundled_extract(r2015):
    # Eurostat migr_asyappctzm, first-time applicants: Germany, October 2015 = 58 135; Hungary, August 2015 = 46 720
    mt = r2015.tables["dublin4_months"]
    assert mt.at[("DE", "2015-10"), "lodged"] == 58_135
    assert mt.at[("HU", "2015-08"), "lodged"] == 46_720


def test_runs_are_deterministic(r2015):
    again = run(load_scenario(S2015))
    for name, table in r2015.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name])


def test_2026_scenario_runs_over_the_latest_complete_months():
    res = run(load_scenario(S2026))
    meta = res.tables["meta"]["value"]
    assert meta["months_simulated"] == "2019-07 to 2020-06"
    assert len(res.tables["design_states"]) == 26 and res.verified


# --- the verifier: each check fails on a forged table ------------------------------------

def _forged(r, table: str, at, col: str, value) -> list[str]:
    tables = {k: v.copy() for k, v in r.tables.items()}
    tables[table].loc[at, col] = value
    return verify(r.scenario, tables, r.population, r.gdp)


def _some(r, col: str, cond=lambda x: x > 0):
    mt = r.tables["dublin4_months"]
    return mt.index[mt[col].map(cond)][0]


@pytest.mark.parametrize("table, where, col, change, expected", [
    ("design_states", "DE", "key_share", lambda x: x + 0.01, "Art 35 gives"),
    ("dublin4_months", ("DE", "2015-03"), "lodged", lambda x: x + 5, "the applications file has"),
    ("dublin4_months", ("DE", "2015-03"), "reference_number", lambda x: x + 10, "Art 34(3) gives"),
    ("dublin4_months", ("FR", "2015-03"), "triggered", lambda x: True, "Art 34(2)"),
    ("dublin4_months", ("DE", "2015-03"), "allocated_out", lambda x: x - 1, "until back at 150 %"),
    ("design_states", "FR", "persons", lambda x: x + 1, "the months add up to"),
    ("dublin4_months", ("HU", "2015-11"), "pays_eur", lambda x: x - 1, "Art 37(1)"),
    ("dublin4_months", ("FR", "2015-03"), "responsible_after", lambda x: x + 1, "(conservation)"),
])
def test_verifier_catches_forged_values(r2015, table, where, col, change, expected):
    value = r2015.tables[table].loc[where, col]
    found = _forged(r2015, table, where, col, change(value))
    assert any(expected in v for v in found), found


def test_verifier_catches_a_receiver_above_100(r2015):
    at = _some(r2015, "triggered", bool)
    found = _forged(r2015, "dublin4_months", at, "allocated_in", 5)
    assert any("not below 100 %" in v for v in found), found


def test_verifier_catches_a_split_not_pro_rata(r2015):
    mt = r2015.tables["dublin4_months"]
    month = "2015-03"
    takers = [g for g in mt.xs(month, level="month").index if mt.at[(g, month), "allocated_in"] > 1]
    a, b = takers[:2]
    tables = {k: v.copy() for k, v in r2015.tables.items()}
    t = tables["dublin4_months"]
    t.loc[(a, month), "allocated_in"] -= 1
    t.loc[(b, month), "allocated_in"] += 1
    found = verify(r2015.scenario, tables, r2015.population, r2015.gdp)
    assert any("the pro-rata split by hamilton" in v for v in found), found


def test_verifier_catches_an_opted_out_state_receiving(r2015):
    found = _forged(r2015, "dublin4_months", ("HU", "2015-11"), "allocated_in", 3)
    assert any("opted out (Art 37(1)) but receives 3" in v for v in found), found


def test_verifier_catches_unequal_persons_and_contributions(r2015):
    tables = {k: v.copy() for k, v in r2015.tables.items()}
    t = tables["dublin4_months"]
    t.loc[("FR", "2015-11"), "receives_eur"] += EUR
    t.loc[("DE", "2015-03"), "allocated_out"] += 1
    found = verify(r2015.scenario, tables, r2015.population, r2015.gdp)
    assert any("contributions paid" in v and "2015-11" in v for v in found), found
    assert any("allocated away but" in v and "2015-03" in v for v in found), found


def test_verifier_catches_a_count_that_does_not_follow_the_earlier_months(r2015):
    found = _forged(r2015, "dublin4_months", ("FR", "2015-02"), "allocated_in",
                    int(r2015.tables["dublin4_months"].at[("FR", "2015-02"), "allocated_in"]) + 7)
    assert any("over the window (conservation)" in v for v in found), found


def test_verification_error_exits_5(r2015, monkeypatch, tmp_path):
    import solidarity.pact.verify_dublin4 as verifier

    monkeypatch.setattr(verifier, "verify", lambda *a, **k: ["forged"])
    result = CliRunner().invoke(app, ["run", str(S2015), "-o", str(tmp_path / "o"), "--force"])
    assert result.exit_code == ExitCode.VERIFICATION, result.output


# --- scenario keys: one test per message -------------------------------------------------

BASE = """
participants = ["DE", "FR", "HU", "IT"]
[scenario]
name = "t"
year = 2015
[data]
population_year = 2015
gdp_year = 2014
[pool]
relocations = 100
financial_eur = 0
[design]
kind = "dublin-iv"
"""


@pytest.mark.parametrize("extra, key, message", [
    ('first_month = "2015-13"', "design.first_month", "not a month"),
    ("months = 40", "design.months", ""),
    ('window = "weekly"', "design.window", "unknown value"),
    ("trigger_percent = 90", "design.trigger_percent", ""),
    ("receive_below_percent = 120", "design.receive_below_percent", ""),
    ('method = "ceiling"', "design.method", "hands out more persons than there are to allocate"),
    ('opt_out = ["ES"]', "design.opt_out[0]", "not a participant"),
    ('opt_out = ["HU", "HU"]', "design.opt_out[1]", "named twice"),
    ("opt_out = 3", "design.opt_out", "must be a table or an array"),
    ('opt_out = { HU = "yes" }', "design.opt_out.HU", "must be true or false"),
    ("applications_filters = 3", "design.applications_filters", "must be a table"),
    ("applications_filters = { asyl_app = 1 }", "design.applications_filters.asyl_app", "must be a string"),
    ("colour = 1", "design.colour", "unknown key"),
])
def test_each_key_problem_is_named(write, extra, key, message):
    path = write("d.toml", BASE + extra + "\n")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert any(p.key == key and message in p.message for p in exc.value.problems), exc.value.problems


def test_all_key_problems_at_once(write):
    path = write("d.toml", BASE + 'first_month = "x"\nmethod = "ceiling"\nopt_out = ["ES"]\n')
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert {p.key for p in exc.value.problems} >= {"design.first_month", "design.method", "design.opt_out[0]"}


def test_missing_applications_file_is_named(write):
    path = write("d.toml", BASE + 'applications_file = "nowhere.csv"\n')
    with pytest.raises(InputError, match="design.applications_file.*file not found"):
        run(load_scenario(path))


# --- the monthly reader -----------------------------------------------------------------

def test_monthly_reader_names_every_missing_state_and_month():
    with pytest.raises(InputError) as exc:
        load_monthly(months_from("2020-06", 3), ["DE", "CY", "XX"])
    found = {(p.key, p.message) for p in exc.value.problems}
    assert ("geo=CY, month=2020-07", "no count") in found
    assert ("geo=XX, month=2020-06", "state not in the file") in found
    assert len(found) == 5


def test_monthly_reader_rejects_bad_cells_and_duplicates(write):
    bad = write("m.csv", "geo,month,value\nDE,2015-01,12.5\nDE,2015-02,abc\nDE,2015-1,3\n")
    with pytest.raises(InputError) as exc:
        load_monthly(["2015-01"], ["DE"], bad)
    msgs = [p.message for p in exc.value.problems]
    assert "not a whole number of persons, 0 or more" in msgs and "not a number" in msgs and "not a month" in msgs
    dup = write("n.csv", "geo,month,value\nDE,2015-01,1\nDE,2015-01,2\n")
    with pytest.raises(InputError, match="more than one row"):
        load_monthly(["2015-01"], ["DE"], dup)
    head = write("h.csv", "geo,month,count\nDE,2015-01,1\n")
    with pytest.raises(InputError, match="no value column"):
        load_monthly(["2015-01"], ["DE"], head)


def test_monthly_reader_reads_a_eurostat_tsv(write):
    tsv = write("m.tsv", "freq,unit,citizen,sex,age,asyl_app,geo\\TIME_PERIOD\t2015-01 \t2015M02 \n"
                "M,PER,TOTAL,T,TOTAL,NASY_APP,DE\t22915 \t24075 p\n"
                "M,PER,TOTAL,T,TOTAL,ASY_APP,DE\t25000 \t26000 \n")
    s = load_monthly(["2015-01", "2015-02"], ["DE"], tsv)
    assert s.values.loc["DE"].tolist() == [22915, 24075] and s.format == "eurostat-tsv"
    assert s.filters["asyl_app"] == "NASY_APP"


# --- command line -----------------------------------------------------------------------

def test_cli_run_and_explain(tmp_path):
    runner = CliRunner()
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", str(S2015), "-o", str(out), "--force", "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "dublin4_months.csv").is_file() and (out / "design_states.csv").is_file()
    result = runner.invoke(app, ["explain", str(S2015), "--state", "HU"])
    assert result.exit_code == 0, result.output
    assert "Art 37(1)" in result.output and "2015-12:" in result.output
    result = runner.invoke(app, ["explain", str(S2015), "--state", "ES"])
    assert result.exit_code == 0 and re.search(r"Art 36", result.output), result.output


def test_cli_explain_outside_state_exits_3():
    result = CliRunner().invoke(app, ["explain", str(S2015), "--state", "NO"])
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output


def test_cli_bad_design_key_exits_3(write):
    path = write("d.toml", BASE + 'opt_out = ["ES"]\n')
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "design.opt_out[0]" in result.output and "not a participant" in result.output


def test_explain_every_state(r2015):
    for g in r2015.tables["design_states"].index:
        text = explain(r2015, g).text()
        assert "COM(2016) 270" in text
