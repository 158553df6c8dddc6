"""Money earmarked for actions in or in relation to third countries (AMMR
Art 56(2)(b), Art 64): an earmark on a state's money that counts in its fair
share like any money (Art 56(2): the types are "of equal value") and is
never called by a benefitting state (issue 17, design 4; DESIGNS.md §4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import solidarity
from solidarity.cli import app
from solidarity.errors import ExitCode, InputError
from solidarity.inputs.scenario import parse_scenario
from solidarity.optimise.earmark import net_input
from solidarity.pipeline import compute_shares, load_data, model_input

from .conftest import SCENARIOS

THIRD = SCENARIOS / "designs" / "2026-third-country.toml"
ADOPTED = SCENARIOS / "2026-adopted.toml"

# Three states; Greece benefits (fully deducted, Art 60(3)); Austria earmarks
# EUR 1 million of its money for third countries; nobody else states anything.
WORKED = """
participants = ["AT", "BE", "EL"]
[scenario]
name = "worked"
year = 2026
[data]
population_year = 2025
gdp_year = 2024
[pool]
relocations = 1000
financial_eur = 20_000_000
[states.AT]
third_country_eur = 1_000_000
[beneficiaries.EL]
needs = {{ financial_eur = {need} }}
"""


def _run(text: str):
    return solidarity.run(parse_scenario(text, file="<worked>"))


def test_worked_example_the_earmark_counts_in_the_fair_share_and_is_never_called():
    """Hand computation. The obligations (shares table, key of Art 66 over the
    bundled 2025/2024 data) are AT EUR 6 576 060 and BE EUR 8 367 873; both
    pay them in money (no relocations are needed). Greece needs EUR 5 000 000.

    Distributable money: AT 6 576 060 - 1 000 000 = 5 576 060, BE 8 367 873;
    together 13 943 933. Calls pro rata (Art 60(3)): AT 5 000 000 x 5 576 060 /
    13 943 933 = 1 999 457.398..., BE 3 000 542.601...; the one euro left goes
    to the larger remainder, BE: AT 1 999 457, BE 3 000 543. AT's unallocated
    money is 5 576 060 - 1 999 457 = 3 576 603: the earmark is neither called
    nor idle."""
    res = _run(WORKED.format(need=5_000_000))
    sh, pl, ob = res.tables["shares"], res.tables["pledges"], res.tables["obligations"]
    assert (int(sh.at["AT", "obligation_eur"]), int(sh.at["BE", "obligation_eur"])) == (6_576_060, 8_367_873)
    at, be = pl.loc[("AT", "financial")], pl.loc[("BE", "financial")]
    assert int(at["units"]) == 6_576_060 and int(ob.at["AT", "unmet_eur"]) == 0  # in the fair share
    assert (int(at["third_country_eur"]), int(at["min_units"]), at["source"]) == (1_000_000, 1_000_000, "stated")
    assert (int(at["called_units"]), int(be["called_units"])) == (1_999_457, 3_000_543)
    assert (int(at["unallocated_units"]), int(be["unallocated_units"])) == (3_576_603, 5_367_330)
    assert int(res.tables["beneficiaries"].at[("EL", "financial"), "received"]) == 5_000_000
    pool = res.tables["pool"]
    assert (int(pool.at["third_country_eur", "amount"]), int(pool.at["third_country_eur", "reference"])) == \
        (1_000_000, 6_576_060 + 8_367_873)


def test_worked_example_a_large_need_receives_all_money_but_the_earmark():
    """Greece needs EUR 100 million: it receives every euro not earmarked,
    6 576 060 + 8 367 873 - 1 000 000 = 13 943 933, and that is its cap."""
    res = _run(WORKED.format(need=100_000_000))
    row = res.tables["beneficiaries"].loc[("EL", "financial")]
    assert (int(row["received"]), int(row["cap"])) == (13_943_933, 13_943_933)
    assert int(res.tables["pledges"].at[("AT", "financial"), "called_units"]) == 5_576_060


def test_without_earmarks_the_programme_is_the_same_object():
    sc = solidarity.load_scenario(ADOPTED)
    inp = model_input(sc, compute_shares(sc, *load_data(sc)))
    assert net_input(inp, np.zeros(len(inp.contributors), dtype=np.int64)) is inp


def test_an_earmark_above_the_floor_is_refused_by_the_transform():
    sc = solidarity.load_scenario(ADOPTED)
    inp = model_input(sc, compute_shares(sc, *load_data(sc)))
    with pytest.raises(ValueError, match="exceeds its state's money floor"):
        net_input(inp, np.ones(len(inp.contributors), dtype=np.int64))


def test_the_2026_scenario_with_illustrative_earmarks():
    """The adopted pool's obligations are unchanged; EUR 17 million (BE 2,
    FR 10, NL 5) is earmarked, within each state's money, and the beneficiaries
    receive the money pledged less it (their needs exceed the pool)."""
    third, adopted = solidarity.run(solidarity.load_scenario(THIRD)), solidarity.run(solidarity.load_scenario(ADOPTED))
    assert third.tables["shares"].equals(adopted.tables["shares"])
    pl, pool = third.tables["pledges"], third.tables["pool"]
    earmarks = {g: int(pl.at[(g, "financial"), "third_country_eur"]) for g in ("BE", "FR", "NL")}
    assert earmarks == {"BE": 2_000_000, "FR": 10_000_000, "NL": 5_000_000}
    assert int(pool.at["third_country_eur", "amount"]) == 17_000_000
    assert int(pool.at["financial_received", "amount"]) == int(pool.at["financial_pledged", "amount"]) - 17_000_000
    assert all(int(pl.at[(g, "financial"), "units"]) >= e for g, e in earmarks.items())
    assert int(pl.at[("BE", "financial"), "called_units"]) == 10_900_000  # its recorded 12.9 million less 2
    assert pl.at[("FR", "financial"), "source"] == "stated" and pl.at[("NL", "financial"), "source"] == "stated"
    assert int(third.tables["pool"].at["pledged_value", "amount"]) == int(adopted.tables["pool"].at["pledged_value",
                                                                                                  "amount"])
    assert "third_country_eur" not in adopted.tables["pool"].index


# --- one test per error message -----------------------------------------------------------------

def _problems(text: str) -> list:
    with pytest.raises(InputError) as info:
        parse_scenario(text, file="s.toml")
    return [p for p in info.value.problems if p.key.endswith("third_country_eur")]


BASE = """
[scenario]
name = "e"
year = 2026
[pool]
relocations = 21000
financial_eur = 420000000
"""


def test_an_earmark_above_the_recorded_money_is_refused():
    (p,) = _problems(BASE + "[states.BE]\nfixed = { financial_eur = 12_900_000 }\nthird_country_eur = 13_000_000\n")
    assert str(p) == ("s.toml: states.BE.third_country_eur = 13000000: more than the recorded money pledge "
                      "(fixed.financial_eur = 12_900_000); allowed: whole euros from 0 to 12_900_000")


def test_an_earmark_with_a_recorded_pledge_of_no_money_is_refused():
    (p,) = _problems(BASE + "[states.HU]\nfixed = {}\nthird_country_eur = 1\n")
    assert str(p) == ("s.toml: states.HU.third_country_eur = 1: more than the recorded money pledge "
                      "(fixed.financial_eur = 0); allowed: whole euros from 0 to 0")


def test_an_earmark_above_the_money_cap_is_refused():
    (p,) = _problems(BASE + "[states.DE]\nmax = { financial_eur = 5_000_000 }\nthird_country_eur = 6_000_000\n")
    assert str(p) == ("s.toml: states.DE.third_country_eur = 6000000: more than the money cap "
                      "(max.financial_eur = 5_000_000); allowed: whole euros from 0 to 5_000_000")


def test_a_negative_or_fractional_earmark_is_refused():
    (p,) = _problems(BASE + "[states.DE]\nthird_country_eur = -1\n")
    assert p.allowed.startswith("whole euros from 0")
    (p,) = _problems(BASE + "[states.DE]\nthird_country_eur = 1.5\n")
    assert p.message == "not a whole number"


def test_the_earmark_is_a_floor_that_keeps_a_larger_stated_floor():
    sc = parse_scenario(BASE + "[states.DE]\nmin = { financial_eur = 9 }\nthird_country_eur = 5\n"
                        "[states.FR]\nmin = { financial_eur = 3 }\nthird_country_eur = 5\n")
    assert (sc.state("DE").minimum.financial, sc.state("FR").minimum.financial) == (9, 5)
    assert sc.state("DE").third_country_eur == 5


# --- the command line -----------------------------------------------------------------------------

def test_cli_run_explain_and_compare_show_the_earmark(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(THIRD), "-o", str(out), "--format", "csv"])
    assert r.exit_code == 0, r.output
    header, *rows = (out / "pledges.csv").read_text().splitlines()
    assert header.endswith(",third_country_eur")
    assert next(x for x in rows if x.startswith("FR,financial,")).endswith(",10000000")
    assert next(x for x in rows if x.startswith("FR,relocation,")).endswith(",")
    r = runner.invoke(app, ["explain", str(THIRD), "--state", "NL"])
    assert r.exit_code == 0, r.output
    assert "Of this money, EUR 5 000 000 is earmarked for actions in or in relation to third countries" in r.output
    r = runner.invoke(app, ["compare", str(ADOPTED), str(THIRD)])
    assert r.exit_code == 0, r.output
    # one row per earmarking state: nothing in the base (a run without earmarks has no such item), then the earmark
    rows = [x.split("(EUR)")[1].split() for x in r.output.splitlines() if "of which for third countries" in x]
    assert rows == [["-", "2", "000", "000"], ["-", "10", "000", "000"], ["-", "5", "000", "000"]]


def test_cli_refuses_an_earmark_above_the_recorded_money(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE + "[states.BE]\nfixed = { financial_eur = 100 }\nthird_country_eur = 101\n")
    r = CliRunner().invoke(app, ["run", str(bad), "-o", str(tmp_path / "o")])
    assert r.exit_code == ExitCode.INVALID_INPUT
    assert "states.BE.third_country_eur" in r.output and "101" in r.output and "0 to 100" in r.output


# --- invariants -------------------------------------------------------------------------------------

@given(at=st.integers(0, 6_576_060), be=st.integers(0, 8_367_873), need=st.integers(0, 20_000_000))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_earmarks_are_never_distributed_and_always_covered(at, be, need):
    """For any earmarks within the obligations and any money need: the run
    is verified, every obligation is met, each state's money covers its
    earmark, and the beneficiary receives at most the money not earmarked
    (all of it, up to its need)."""
    text = WORKED.format(need=need).replace("third_country_eur = 1_000_000", f"third_country_eur = {at}") + \
        f"[states.BE]\nthird_country_eur = {be}\n"
    res = _run(text)
    pl = res.tables["pledges"]
    money = {g: int(pl.at[(g, "financial"), "units"]) for g in ("AT", "BE")}
    assert money["AT"] >= at and money["BE"] >= be
    assert int(res.tables["obligations"]["unmet_eur"].sum()) == 0
    got = int(res.tables["beneficiaries"].at[("EL", "financial"), "received"])
    assert got == min(need, sum(money.values()) - at - be)
    assert int(pl.xs("financial", level="type")["called_units"].sum()) == got
