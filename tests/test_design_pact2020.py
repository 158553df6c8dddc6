"""The 2020 Pact proposal as a design (``kind = "pact-2020"``): COM(2020) 610 Part IV, COM(2020) 613.

Worked examples are hand-computed (sources of the rules: docs/designs-pact2020.md);
properties hold for any small pool; each verifier check fails on a forged table;
every error message has its test; the CLI runs and explains with exact exit codes.
"""

from __future__ import annotations

import filecmp
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.designs import run_design
from solidarity.errors import InputError
from solidarity.inputs.data import Indicator
from solidarity.inputs.scenario import load_scenario, parse_scenario
from solidarity.pact import pact2020 as law
from solidarity.pact.verify_pact2020 import verify
from solidarity.schema import GDP, POPULATION

from .conftest import SCENARIOS

EXAMPLE = SCENARIOS / "designs" / "2026-pact-2020.toml"


def _data(pop: dict[str, int], gdp: dict[str, int]) -> tuple[Indicator, Indicator]:
    return (Indicator(POPULATION, 2025, pd.Series(pop, dtype=float), "NR", "hand", "test"),
            Indicator(GDP, 2024, pd.Series(gdp, dtype=float), "CP_MEUR", "hand", "test"))


def _toml(pool: int, needs: dict[str, int], design: str, participants: list[str], sar=()) -> str:
    parts = ", ".join(f'"{g}"' for g in participants)
    benef = "".join(f"[beneficiaries.{b}]\nneeds = {{ relocations = {n} }}\n" + ("sar = true\n" if b in sar else "")
                    for b, n in needs.items())
    return (f'participants = [{parts}]\n[scenario]\nname = "t"\nyear = 2026\n[pool]\nrelocations = {pool}\n'
            f'financial_eur = {pool * 20_000}\n{benef}[design]\nkind = "pact-2020"\n{design}')


# --- the hand-computed example ------------------------------------------------------
#
# Bound AT, BE, DE; benefitting EL (need 10), IT (need 30); pool 20.
# Population 10/30/60 (shares 0.1/0.3/0.6), GDP 20/20/60 (0.2/0.2/0.6):
# key = 0.15, 0.25, 0.60 (Art 54: half each); fair shares 3, 5, 12 (exact quotas).
# DE pledges 4 relocations + 2 sponsorships: 6 of 20, 70 % short > 30 %: triggered.
# Floors ceil(0.5 x 3, 5, 12) = 2, 3, 6. AT tops up 2 (chose sponsorship), BE 3
# (no pledges: relocation), DE none (6 >= 6). Return rate 1/2: AT returns 1 of 2,
# 1 transferred; DE 1 of 2, 1 transferred. Persons: AT 1, BE 3, DE 5.
# Distribution by needs 10:30 = 1/4 : 3/4: DE's 4 relocations 1 + 3; BE's 3:
# quotas 0.75, 2.25 -> EL 1, IT 2; DE's and AT's 2 sponsorships: quotas 0.5, 1.5,
# tie on remainders -> the larger quota (IT): IT 2; their transfers come from IT.
# EL loses 2 persons (relocations), IT 5 relocations + 2 transfers = 7.

HAND_POP = {"AT": 10, "BE": 30, "DE": 60, "EL": 50, "IT": 50}
HAND_GDP = {"AT": 20, "BE": 20, "DE": 60, "EL": 50, "IT": 50}
HAND = _toml(20, {"EL": 10, "IT": 30}, 'return_rate = 0.5\n[design.correction_choice]\nAT = "sponsorship"\n'
             "[design.pledges.DE]\nrelocations = 4\nsponsorships = 2\n", ["AT", "BE", "DE", "EL", "IT"])


def _run(text: str, pop=HAND_POP, gdp=HAND_GDP, verify_: bool = True):
    return run_design(parse_scenario(text, file="t.toml"), _data(pop, gdp), verify_)


def test_hand_computed_example():
    res = _run(HAND)
    sp = res.tables["sponsorship"]
    assert sp["key_share"].round(12).to_dict() == {"AT": 0.15, "BE": 0.25, "DE": 0.6}
    assert sp["fair_share"].to_dict() == {"AT": 3, "BE": 5, "DE": 12}
    assert sp["correction_floor"].to_dict() == {"AT": 2, "BE": 3, "DE": 6}
    assert sp["topup_relocations"].to_dict() == {"AT": 0, "BE": 3, "DE": 0}
    assert sp["topup_sponsorships"].to_dict() == {"AT": 2, "BE": 0, "DE": 0}
    assert sp["returns_expected"].to_dict() == {"AT": 1, "BE": 0, "DE": 1}
    assert sp["transfers"].to_dict() == {"AT": 1, "BE": 0, "DE": 1}
    ds = res.tables["design_states"]
    assert ds["persons"].dropna().astype(int).to_dict() == {"AT": 1, "BE": 3, "DE": 5}
    assert ds["relocated_from"].dropna().astype(int).to_dict() == {"EL": 2, "IT": 7}
    assert ds["pays_eur"].isna().all() and ds.at["IT", "role"] == "beneficiary"
    fl = res.tables["sponsorship_flows"]
    assert fl.loc[("BE", "EL"), "relocations"] == 1 and fl.loc[("BE", "IT"), "relocations"] == 2
    assert fl.loc[("AT", "IT"), "sponsorships"] == 2 and ("AT", "EL") not in fl.index
    pool = res.tables["pool"]
    assert pool.at["correction", "status"] == "triggered" and pool.at["pledged", "status"] == "70.0 % short"
    assert pool.at["deadline", "amount"] == 8
    meta = res.tables["meta"]["value"]
    assert "COM(2020) 610" in meta["design_acts"] and meta["param_return_rate"].startswith("1/2")


def test_exactly_30_percent_short_does_not_trigger():
    """"More than 30 %": 14 of 20 pledged is 30 % short, not more."""
    text = HAND.replace("relocations = 4\nsponsorships = 2", "relocations = 10\nsponsorships = 4")
    res = _run(text)
    assert res.tables["pool"].at["correction", "status"] == "not triggered"
    assert res.tables["sponsorship"]["topup"].sum() == 0
    res = _run(HAND.replace("relocations = 4\nsponsorships = 2", "relocations = 10\nsponsorships = 3"))
    assert res.tables["pool"].at["correction", "status"] == "triggered"


def test_crisis_deadline_is_four_months_and_proportional_topup():
    text = HAND.replace("return_rate = 0.5\n", "return_rate = 0.5\ncrisis = true\n").replace(
        'AT = "sponsorship"', 'DE = "proportional"')
    res = _run(text)
    assert res.tables["pool"].at["deadline", "amount"] == 4
    assert "4 months" in res.tables["design_states"].at["DE", "rule"]
    assert law.split_topup(5, law.Pledge(1, 3), law.Choice.PROPORTIONAL) == (1, 4)  # 3.75 -> 4
    assert law.split_topup(2, law.Pledge(1, 1), law.Choice.PROPORTIONAL) == (1, 1)  # 1.0
    assert law.split_topup(3, law.Pledge(1, 1), law.Choice.PROPORTIONAL) == (1, 2)  # 1.5 halves up


def test_sar_pool_by_the_same_key():
    text = _toml(20, {"EL": 10, "IT": 30}, "return_rate = 0.5\nsar_relocations = 40\n",
                 ["AT", "BE", "DE", "EL", "IT"], sar=("IT",))
    res = _run(text)
    assert res.tables["sponsorship"]["sar_relocations"].to_dict() == {"AT": 6, "BE": 10, "DE": 24}
    assert res.tables["sponsorship_flows"].xs("IT", level=1)["sar_relocations"].sum() == 40
    assert res.tables["pool"].at["sar_pool", "amount"] == 40


@pytest.mark.parametrize("method", ["webster", "dhondt", "huntington_hill", "ceiling"])
def test_other_methods_verify(method):
    res = _run(HAND.replace("return_rate = 0.5\n", f'return_rate = 0.5\nmethod = "{method}"\n'),
               pop={**HAND_POP, "AT": 11}, gdp={**HAND_GDP, "BE": 23})
    assert res.verified


# --- properties -------------------------------------------------------------------

CODES = ["AT", "BE", "CZ", "DE", "FR", "NL"]


@st.composite
def pools(draw):
    n = draw(st.integers(1, len(CODES)))
    bound = CODES[:n]
    pop = {g: draw(st.integers(1, 1000)) for g in bound}
    gdp = {g: draw(st.integers(1, 1000)) for g in bound}
    pool = draw(st.integers(1, 300))
    rate = draw(st.fractions(0, 1, max_denominator=20))
    trigger = draw(st.fractions(0, 1, max_denominator=10))
    share = draw(st.fractions(0, 1, max_denominator=10))
    lines = [f"return_rate = {float(rate)!r}", f"shortfall_trigger = {float(trigger)!r}",
             f"correction_share = {float(share)!r}",
             f'correction_default = "{draw(st.sampled_from(["relocation", "sponsorship", "proportional"]))}"']
    for g in bound:
        if draw(st.booleans()):
            lines.append(f"[design.pledges.{g}]\nrelocations = {draw(st.integers(0, 60))}\n"
                         f"sponsorships = {draw(st.integers(0, 60))}")
    needs = {"EL": draw(st.integers(1, 50)), "IT": draw(st.integers(0, 50))}
    text = _toml(pool, needs, "\n".join(lines) + "\n", [*bound, "EL", "IT"])
    return text, {**pop, "EL": 1, "IT": 1}, {**gdp, "EL": 1, "IT": 1}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_properties(case):
    text, pop, gdp = case
    res = _run(text, pop, gdp)  # the verifier runs and finds nothing
    sp, pool = res.tables["sponsorship"], res.tables["pool"]
    s = res.scenario.design_settings
    assert sp["fair_share"].sum() == res.scenario.pool.relocations
    triggered = pool.at["correction", "status"] == "triggered"
    if not triggered:  # top-ups only when triggered
        assert sp["topup"].sum() == 0
    for _, row in sp.iterrows():
        floor = -(-s.correction_share.numerator * row["fair_share"] // s.correction_share.denominator)
        if triggered:  # everyone below the floor reaches it, no one above it is topped up
            assert row["relocations"] + row["sponsorships"] >= floor
            assert row["topup"] == max(0, floor - row["pledged_relocations"] - row["pledged_sponsorships"])
        assert row["returns_expected"] + row["transfers"] == row["sponsorships"]
        assert 0 <= row["returns_expected"] <= row["sponsorships"]
    fl = res.tables["sponsorship_flows"]
    assert fl["relocations"].sum() == sp["relocations"].sum()
    assert fl["transfers"].sum() == sp["transfers"].sum()


# --- the verifier catches each forged table -----------------------------------------

def _forge(res, table: str, row, col: str, value) -> list[str]:
    tables = {k: v.copy() for k, v in res.tables.items()}
    tables[table].loc[row, col] = value
    return verify(res.scenario, tables, res.population, res.gdp)


@pytest.fixture(scope="module")
def hand():
    return _run(HAND)


@pytest.mark.parametrize(("table", "row", "col", "value", "says"), [
    ("sponsorship", "AT", "key_share", 0.2, "key share"),
    ("sponsorship", "AT", "fair_share", 4, "not a hamilton apportionment"),
    ("sponsorship", "AT", "sar_relocations", 1, "sponsorship.sar_relocations"),
    ("sponsorship", "DE", "pledged_relocations", 5, "pledges"),
    ("sponsorship", "BE", "pledge_source", "scenario", "pledges"),
    ("sponsorship", "BE", "correction_floor", 2, "correction"),
    ("sponsorship", "BE", "topup", 0, "correction"),
    ("sponsorship", "AT", "topup_relocations", 2, "correction"),
    ("sponsorship", "BE", "relocations", 2, "below its floor"),
    ("sponsorship", "AT", "returns_expected", 2, "Art 55(2)"),
    ("sponsorship", "AT", "transfers", 0, "Art 55(2)"),
    ("sponsorship_flows", ("BE", "EL"), "relocations", 2, "not in proportion to the needs"),
    ("sponsorship_flows", ("DE", "IT"), "transfers", 0, "transfer flows"),
    ("design_states", "DE", "persons", 4, "design_states persons"),
    ("design_states", "DE", "key_share", 0.5, "design_states key share"),
    ("design_states", "IT", "relocated_from", 6, "relocated_from"),
    ("design_states", "DE", "pays_eur", 1, "no money contributions"),
    ("pool", "correction", "status", "not triggered", "pool.correction"),
    ("pool", "transfers", "amount", 3, "pool.transfers"),
    ("pool", "deadline", "amount", 4, "pool.deadline"),
])
def test_verifier_catches_a_forged_table(hand, table, row, col, value, says):
    assert verify(hand.scenario, hand.tables, hand.population, hand.gdp) == []
    found = _forge(hand, table, row, col, value)
    assert any(says in v for v in found), found


@pytest.mark.parametrize(("col", "value", "says"), [
    ("capacity_eur", 1000, "COM(2020) 613 Art 2(1) excludes Art 45(1)(d)"),
    ("sar_relocations", 1, "COM(2020) 613 Art 2(1) excludes Art 47-49"),
])
def test_verifier_refuses_capacity_and_sar_in_a_crisis(col, value, says):
    """COM(2020) 613 Art 2(1) leaves out Art 45(1)(d) and Art 47-49 in a crisis: a table showing
    either under ``crisis = true`` is a violation of its own, beside the pledge/apportionment one."""
    res = _run(HAND.replace("return_rate = 0.5\n", "return_rate = 0.5\ncrisis = true\n"))
    assert res.verified
    found = _forge(res, "sponsorship", "AT", col, value)
    assert any(says in v for v in found), found


def test_verifier_catches_missing_rows_and_a_divisor_violation(hand):
    tables = {**hand.tables, "sponsorship": hand.tables["sponsorship"].drop("AT")}
    assert "not the bound states" in verify(hand.scenario, tables, hand.population, hand.gdp)[0]
    tables = {**hand.tables, "design_states": hand.tables["design_states"].drop("IT")}
    assert any("expected" in v for v in verify(hand.scenario, tables, hand.population, hand.gdp))
    res = _run(HAND.replace("return_rate = 0.5\n", 'return_rate = 0.5\nmethod = "dhondt"\n'),
               pop={**HAND_POP, "AT": 11}, gdp={**HAND_GDP, "BE": 23})
    fair = res.tables["sponsorship"]["fair_share"]
    forged = fair.copy()
    big, small = fair.idxmax(), fair.idxmin()
    forged[big], forged[small] = fair[big] - 1, fair[small] + 1
    tables = {k: v.copy() for k, v in res.tables.items()}
    tables["sponsorship"]["fair_share"] = forged
    assert any("dhondt apportionment" in v for v in verify(res.scenario, tables, res.population, res.gdp))


def test_run_raises_verification_error_on_a_law_gone_wrong(monkeypatch):
    from solidarity.errors import VerificationError

    monkeypatch.setattr(law, "returns_expected", lambda s, r: 0)  # every sponsored person transferred
    with pytest.raises(VerificationError, match="Art 55"):
        _run(HAND)


# --- errors: one test per message ----------------------------------------------------

def _problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="t.toml")
    return [str(p) for p in err.value.problems]


def _design(design: str) -> str:
    return _toml(20, {"EL": 10, "IT": 30}, design, ["AT", "BE", "DE", "EL", "IT"])


@pytest.mark.parametrize(("design", "says"), [
    ("", "design.return_rate: required key is missing: the share of sponsored persons returned"),
    ("return_rate = 1.5\n", "design.return_rate = 1.5: too large: the largest allowed is 1; allowed: a share"),
    ("return_rate = 0.5\n[design.pledges.IT]\nrelocations = 1\n",
     "design.pledges.IT = 'IT': a benefitting state does not contribute to its own pool"),
    ("return_rate = 0.5\n[design.pledges.FR]\nrelocations = 1\n", "design.pledges.FR = 'FR': not a participant"),
    ("return_rate = 0.5\n[design.pledges.AT]\npersons = 1\n", "design.pledges.AT.persons: unknown key"),
    ("return_rate = 0.5\n[design.pledges.AT]\nrelocations = -1\n", "design.pledges.AT.relocations = -1"),
    ("return_rate = 0.5\n[design.correction_choice]\nAT = \"money\"\n",
     "design.correction_choice.AT = 'money': unknown value"),
    ("return_rate = 0.5\nmethod = \"borda\"\n", "design.method = 'borda': unknown value"),
    ("return_rate = 0.5\ndeadline = 3\n", "design.deadline: unknown key"),
    ("return_rate = 0.5\ncrisis = \"yes\"\n", "design.crisis = 'yes'"),
    # COM(2020) 613 Art 2(1): Part IV applies in a crisis "with the exception of Article 45(1),
    # point (d), Article 47, Article 48, Article 49" (docs/designs-pact2020.md [P2]).
    ("return_rate = 0.5\ncrisis = true\nsar_relocations = 5\n",
     "design.sar_relocations = 5: the search-and-rescue pool (Art 47-49 COM(2020) 610) does not apply in a "
     "crisis (COM(2020) 613 Art 2(1)); allowed: 0, or crisis = false"),
    ("return_rate = 0.5\ncrisis = true\n[design.pledges.AT]\ncapacity_eur = 1000\n",
     "design.pledges.AT.capacity_eur = 1000: capacity-building measures (Art 45(1)(d) COM(2020) 610) are not "
     "a solidarity contribution in a crisis (COM(2020) 613 Art 2(1)); allowed: 0, or crisis = false"),
])
def test_each_error_names_key_value_and_allowed(design, says):
    found = _problems(_design(design))
    assert any(says in p for p in found), found


def test_every_problem_at_once():
    found = _problems(_design("crisis = 1\n[design.pledges.IT]\nrelocations = 1\n"))
    assert len(found) == 3, found


def test_no_bound_state_is_an_input_error():
    text = _toml(20, {"EL": 10, "IT": 30}, "return_rate = 0.5\n", ["EL", "IT"])
    assert any("no state is bound to contribute" in p for p in _problems(text))


def test_sar_pool_without_a_sar_state_is_an_input_error():
    with pytest.raises(InputError, match="no benefitting state with sar = true"):
        _run(_design("return_rate = 0.5\nsar_relocations = 5\n"))


def test_pool_without_needs_is_an_input_error():
    text = _toml(20, {"EL": 0, "IT": 0}, "return_rate = 0.5\n", ["AT", "BE", "DE", "EL", "IT"])
    with pytest.raises(InputError, match="no benefitting state with a relocation need"):
        _run(text)


# --- the example scenario and the CLI -------------------------------------------------

def test_example_scenario_as_commented():
    res = run_design(load_scenario(EXAMPLE))
    pool = res.tables["pool"]
    assert pool.at["need", "amount"] == 21_000 and pool.at["pledged", "amount"] == 2_600
    assert pool.at["pledged", "status"] == "87.6 % short" and pool.at["correction", "status"] == "triggered"
    sp = res.tables["sponsorship"]
    assert sp["fair_share"].sum() == 21_000
    assert set(sp.index[sp["pledge_source"] == "scenario"]) == {"AT", "DE", "FR", "HU"}
    assert (sp["relocations"] + sp["sponsorships"] >= sp["correction_floor"]).all()
    ds = res.tables["design_states"]
    assert set(ds.index[ds["role"] == "beneficiary"]) == {"CY", "EL", "ES", "IT"}
    assert "DK" not in ds.index and res.verified


def test_cli_run_writes_verified_tables_byte_identical(tmp_path):
    runner = CliRunner()
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        r = runner.invoke(app, ["run", str(EXAMPLE), "-o", str(out), "--force", "-f", "csv", "-q"])
        assert r.exit_code == 0, r.output
    names = ["design_states.csv", "sponsorship.csv", "sponsorship_flows.csv", "pool.csv", "meta.csv"]
    assert filecmp.cmpfiles(a, b, names, shallow=False)[0] == names
    assert "verification,passed" in (a / "meta.csv").read_text()


@pytest.mark.parametrize("state", ["DE", "BE", "IT"])
def test_cli_explain_any_state(state):
    r = CliRunner().invoke(app, ["explain", str(EXAMPLE), "--state", state, "-q"])
    assert r.exit_code == 0, r.output
    assert "COM(2020) 610" in r.output


def test_cli_explain_outside_state_and_bad_design_exit_3(tmp_path):
    r = CliRunner().invoke(app, ["explain", str(EXAMPLE), "--state", "DK", "-q"])
    assert r.exit_code == 3, r.output
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(EXAMPLE).read_text().replace("return_rate = 0.364", "return_rate = -1"))
    r = CliRunner().invoke(app, ["run", str(bad), "-o", str(tmp_path / "o"), "-q"])
    assert r.exit_code == 3 and "design.return_rate" in r.output


def test_key_shares_exact():
    k = law.key_shares({"A": Fraction(1), "B": Fraction(3)}, {"A": Fraction(1), "B": Fraction(1)})
    assert k == {"A": Fraction(3, 8), "B": Fraction(5, 8)}
