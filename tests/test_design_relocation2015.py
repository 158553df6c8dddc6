"""The 2015 emergency relocation schemes (design ``relocation-2015``).

Published figures: COM(2015) 286 final (27 May 2015), Annexes I and II, as
printed by Der Spiegel on 27 May 2015 ("Neues Quotensystem: So will Brüssel
die Flüchtlinge umverteilen", spiegel.de/politik/ausland/
wie-bruessel-die-fluechtlinge-umverteilen-will-a-1035734.html, "Quelle:
Europäische Kommission"), read through the search tool's stored copy of that
page. The key in per cent to two decimals and the persons from Italy
(24 000) and from Greece (16 000) per state.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import ExitCode, InputError, VerificationError
from solidarity.inputs.design_relocation2015 import CapBase, Relocation2015Settings, Respread
from solidarity.inputs.scenario import load_scenario, parse_scenario
from solidarity.pact import relocation2015 as law
from solidarity.pact.apportionment import apportion
from solidarity.pact.verify_relocation2015 import verify
from solidarity.pipeline import run
from solidarity.schema import FrozenDict, Method
from solidarity.studies.explain import explain

from .conftest import ROOT

COM_286 = ROOT / "scenarios" / "designs" / "2015-com-286.toml"

#: COM(2015) 286, Annexes I and II (Spiegel, 27 May 2015): key in %.
PUBLISHED_KEY = {"DE": 21.91, "FR": 16.88, "ES": 10.72, "PL": 6.65, "NL": 5.12, "RO": 4.26, "PT": 4.25,
                 "SE": 3.42, "BE": 3.41, "CZ": 3.32, "AT": 3.03, "HU": 2.07, "FI": 1.98, "SK": 1.96,
                 "HR": 1.87, "EE": 1.85, "BG": 1.43, "LV": 1.29, "LT": 1.26, "SI": 1.24, "LU": 0.92,
                 "MT": 0.73, "CY": 0.43}
#: Annex I: persons relocated from Italy (of 24 000).
PUBLISHED_IT = {"DE": 5258, "FR": 4051, "ES": 2573, "PL": 1595, "NL": 1228, "RO": 1023, "PT": 1021, "SE": 821,
                "BE": 818, "CZ": 797, "AT": 728, "HU": 496, "FI": 475, "SK": 471, "HR": 448, "EE": 443,
                "BG": 343, "LV": 310, "LT": 302, "SI": 297, "LU": 221, "MT": 175, "CY": 104}
#: Annex II: persons relocated from Greece (of 16 000).
PUBLISHED_EL = {"DE": 3505, "FR": 2701, "ES": 1715, "PL": 1064, "NL": 819, "RO": 682, "PT": 680, "SE": 548,
                "BE": 546, "CZ": 531, "AT": 485, "HU": 331, "FI": 317, "SK": 314, "HR": 299, "EE": 295,
                "BG": 229, "LV": 207, "LT": 201, "SI": 198, "LU": 147, "MT": 117, "CY": 69}

#: Measured: this tool's numbers from the bundled data minus the published
#: ones (persons), for the uncapped key of the 2015-com-286 scenario. The
#: bundled inputs are Eurostat's June 2016 extracts, not the Commission's May
#: 2015 ones (data/SOURCES.md); a change here must be explained.
#: tools/fit_relocation2015.py measured 24 192 readings of the key and its
#: inputs: none is within one person everywhere, and this one (the annex's
#: wording) is within one state of the best (docs/designs-relocation2015.md).
MEASURED_IT = {"AT": 0, "BE": -1, "BG": 1, "CY": 1, "CZ": 6, "DE": 1, "EE": -2, "ES": -21, "FI": 6, "FR": -4,
               "HR": 0, "HU": 0, "LT": -3, "LU": -3, "LV": -5, "MT": 3, "NL": 31, "PL": -7, "PT": -3, "RO": -3,
               "SE": 3, "SI": 0, "SK": 1}
MEASURED_EL = {"AT": 1, "BE": -1, "BG": 0, "CY": 1, "CZ": 4, "DE": 1, "EE": -1, "ES": -14, "FI": 4, "FR": -3,
               "HR": -1, "HU": 0, "LT": -2, "LU": -1, "LV": -4, "MT": 2, "NL": 21, "PL": -5, "PT": -1, "RO": -2,
               "SE": 1, "SI": 0, "SK": 1}


@pytest.fixture(scope="module")
def com286():
    return run(load_scenario(COM_286))


# --- the published tables ----------------------------------------------------------

def test_published_tables_do_not_add_up_so_they_were_rounded_per_state():
    assert sum(PUBLISHED_IT.values()) == 23_998 and sum(PUBLISHED_EL.values()) == 16_000
    assert round(sum(PUBLISHED_KEY.values()), 2) == 100.0
    # any exact apportionment of 24 000 gives 24 000: the published 23 998 is not one
    w = {g: Fraction(str(v)) for g, v in PUBLISHED_KEY.items()}
    for m in (Method.HAMILTON, Method.WEBSTER, Method.DHONDT):
        assert apportion(w, 24_000, m).total == 24_000


def test_per_state_rounding_explains_every_published_number():
    """For each state some key within the published two decimals gives, rounded
    half up on its own, both its published numbers (Italy and Greece)."""
    half = Fraction(1, 2)
    for g, pct in PUBLISHED_KEY.items():
        lo, hi = (Fraction(str(pct)) - Fraction(1, 200)) / 100, (Fraction(str(pct)) + Fraction(1, 200)) / 100
        lo = max(lo, (PUBLISHED_IT[g] - half) / 24_000, (PUBLISHED_EL[g] - half) / 16_000)
        hi = min(hi, (PUBLISHED_IT[g] + half) / 24_000, (PUBLISHED_EL[g] + half) / 16_000)
        assert lo < hi, g


def test_com_286_reproduced_from_the_bundled_data_as_measured(com286):
    al = com286.tables["relocation2015_allocation"]["allocated"]
    got_it = {g: int(al[g, "IT"]) - PUBLISHED_IT[g] for g in PUBLISHED_IT}
    got_el = {g: int(al[g, "EL"]) - PUBLISHED_EL[g] for g in PUBLISHED_EL}
    assert got_it == MEASURED_IT and got_el == MEASURED_EL
    # not within one person everywhere: 9 of 23 states from Italy, 13 from Greece
    assert sum(abs(d) <= 1 for d in got_it.values()) == 9 and sum(abs(d) <= 1 for d in got_el.values()) == 13
    key = com286.tables["relocation2015_key"]["key_percent"]
    assert max(abs(float(key[g]) - p) for g, p in PUBLISHED_KEY.items()) == pytest.approx(0.13, abs=0.005)


#: The key of the European Agenda on Migration, COM(2015) 240 (13 May 2015),
#: Annex, Table 1: the same criteria over 25 states (the EU-28 less DK, IE,
#: UK; Italy and Greece included), in %, as reported by AFP that day
#: (eubusiness.com, "EU migrant quotas: how many would countries take?",
#: 13 May 2015), read through the search tool's stored copy of that page;
#: liguriaoggi.it (14 May 2015) gives the same six largest.
AGENDA_KEY = {"AT": 2.62, "BE": 2.91, "BG": 1.25, "HR": 1.73, "CY": 0.39, "CZ": 2.98, "EE": 1.76, "FI": 1.72,
              "FR": 14.17, "DE": 18.42, "EL": 1.90, "HU": 1.79, "IT": 11.84, "LV": 1.21, "LT": 1.16, "LU": 0.85,
              "MT": 0.69, "NL": 4.35, "PL": 5.64, "PT": 3.89, "RO": 3.75, "SK": 1.78, "SI": 1.15, "ES": 9.10,
              "SE": 2.92}


def _bundled(name: str, year: int | None = None) -> dict:
    df = pd.read_csv(ROOT / "data" / f"key2015_{name}.csv", na_values=[":"])
    out: dict = {}
    for g, y, v in zip(df["geo"], df["year"], df["value"], strict=True):
        out.setdefault(g, {})[int(y)] = None if pd.isna(v) else Fraction(repr(float(v)))
    return {g: ys[year] for g, ys in out.items()} if year is not None else out


def _agenda_key(cap_base: CapBase) -> dict[str, float]:
    geos = sorted(AGENDA_KEY)
    pop = {g: v for g, v in _bundled("population", 2014).items() if g in geos}
    gdp = {g: v for g, v in _bundled("gdp", 2013).items() if g in geos}
    une = {g: v for g, v in _bundled("unemployment", 2014).items() if g in geos}
    apm = law.asylum_per_million(_bundled("asylum"), _bundled("resettled"), pop, range(2010, 2015))
    k = law.key(pop, gdp, apm, une, _settings(cap_base=cap_base))
    return {g: 100 * float(k.share[g]) - AGENDA_KEY[g] for g in geos}


def test_the_agendas_key_over_25_states_shows_the_same_differences():
    """A second table from the same inputs: the May 2015 key over 25 states.
    Uncapped, the bundled data miss it by the same states and signs as COM(2015)
    286 (NL too high, ES too low), so the gap lies in the inputs' vintage, not in
    the set of states or the formula; capped, it is missed by points."""
    got = _agenda_key(CapBase.NONE)
    worst = sorted(got, key=lambda g: -abs(got[g]))
    assert worst[:2] == ["NL", "ES"]
    assert got["NL"] == pytest.approx(0.113, abs=0.0005) and got["ES"] == pytest.approx(-0.065, abs=0.0005)
    assert all(abs(d) < 0.025 for g, d in got.items() if g not in ("NL", "ES"))
    assert max(abs(d) for d in _agenda_key(CapBase.SUM).values()) > 3


def test_com_286_tables_and_design_states(com286):
    st = com286.tables["design_states"]
    assert set(st.index[st["role"] == "bound"]) == set(PUBLISHED_KEY)
    assert set(st.index[st["role"] == "beneficiary"]) == {"IT", "EL"}
    assert set(st.index[st["role"] == "outside"]) == {"DK", "IE"}
    al = com286.tables["relocation2015_allocation"]
    assert int(st.at["IT", "relocated_from"]) == int(al.xs("IT", level="beneficiary")["persons"].sum())
    assert int(st.at["DE", "persons"]) == int(al.loc["DE"]["persons"].sum())
    assert int(st.at["DE", "receives_eur"]) == 6_000 * int(st.at["DE", "persons"])
    assert st["pays_eur"].isna().all()
    meta = com286.tables["meta"]["value"]
    assert "June 2016" not in meta["design_acts"] and "last update 22 Apr 2016" in meta["population"]
    assert meta["cap"] == "none (cap_base = none)" and meta["rounding"].startswith("per-state")


# --- the key: a worked example and properties ----------------------------------------

def _settings(**kw) -> Relocation2015Settings:
    return dataclasses.replace(Relocation2015Settings(), **kw)


def test_key_worked_example_with_the_cap():
    """Two states A, B: p = g = (1/4, 3/4); asylum per million 1 and 3, so the
    inverse shares are (3/4, 1/4); unemployment equal (1/2, 1/2). Cap 0.3 x
    (p + g) = (0.15, 0.45): A's asylum effect 3/4 is capped to 0.15 and its
    unemployment 1/2 to 0.15; B's stay (1/4, 1/2 > 0.45 -> 0.45).
    Capped key: A 0.4/4 + 0.4/4 + 0.015 + 0.015 = 0.23, B 0.3 + 0.3 + 0.025 + 0.045
    = 0.67; residue 0.1 re-spread by 0.4p + 0.4g: A +0.025, B +0.075."""
    k = law.key({"A": Fraction(1), "B": Fraction(3)}, {"A": Fraction(1), "B": Fraction(3)},
                {"A": Fraction(1), "B": Fraction(3)}, {"A": Fraction(5), "B": Fraction(5)}, _settings())
    assert k.asylum == {"A": Fraction(3, 20), "B": Fraction(1, 4)}
    assert k.unemployment == {"A": Fraction(3, 20), "B": Fraction(9, 20)}
    assert k.residue == Fraction(1, 10)
    assert k.share == {"A": Fraction(23, 100) + Fraction(1, 40), "B": Fraction(67, 100) + Fraction(3, 40)}


def test_key_without_cap_is_the_plain_weighted_sum():
    k = law.key({"A": Fraction(1), "B": Fraction(3)}, {"A": Fraction(1), "B": Fraction(3)},
                {"A": Fraction(1), "B": Fraction(3)}, {"A": Fraction(5), "B": Fraction(5)},
                _settings(cap_base=CapBase.NONE))
    # A: 0.1 + 0.1 + 0.1 x 3/4 + 0.1 x 1/2 = 0.325
    assert k.residue == 0 and k.share["A"] == Fraction(13, 40)


positive = st.integers(1, 10**6).map(Fraction)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(positive, positive, positive, positive), min_size=2, max_size=12),
       st.sampled_from(list(CapBase)), st.sampled_from(list(Respread)),
       st.sampled_from([Fraction(0), Fraction(3, 10), Fraction(1)]))
def test_key_properties(rows, cap_base, respread, cap):
    geos = [f"S{i:02d}" for i in range(len(rows))]
    k = law.key(*({g: r[j] for g, r in zip(geos, rows)} for j in range(4)),
                _settings(cap_base=cap_base, respread=respread, cap=cap))
    assert sum(k.share.values()) == 1 and all(v >= 0 for v in k.share.values())
    if k.cap_limit:
        assert all(k.asylum[g] <= k.cap_limit[g] and k.unemployment[g] <= k.cap_limit[g] for g in geos)
    assert k.residue >= 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 1000), min_size=2, max_size=15), st.integers(0, 50_000),
       st.sampled_from(list(Method)), st.sampled_from([Fraction(0), Fraction(1, 10), Fraction(3, 10)]))
def test_allocation_properties(weights, volume, method, susp):
    share = {f"S{i:02d}": Fraction(w, sum(weights)) for i, w in enumerate(weights)}
    s = _settings(rounding=method, suspension=FrozenDict({"S00": susp}))
    a = law.allocate(share, {"IT": volume}, s)
    total = sum(a.allocated.values())
    for (g, b), n in a.allocated.items():
        assert abs(n - a.quota[g, b]) < 1 or method in (Method.DHONDT, Method.WEBSTER, Method.HUNTINGTON_HILL)
        assert a.suspended[g, b] <= n * Fraction(3, 10) + Fraction(1, 2)
        assert a.persons[g, b] == n - a.suspended[g, b]
    if method is Method.PER_STATE:
        assert all(abs(n - a.quota[k]) <= Fraction(1, 2) for k, n in a.allocated.items())
        assert abs(total - volume) <= len(weights) / 2
    elif method is not Method.CEILING:
        assert total == volume


def test_pledges_count_sixty_forty_and_the_rest_goes_by_the_key():
    # 2015/1523: a pledge of 5 counts 3 towards Italy, 2 towards Greece; 1 -> 1 and 0 (0.6 rounds up)
    s = _settings(pledges=FrozenDict({"A": 5, "B": 1}))
    a = law.allocate({"A": Fraction(1, 3), "B": Fraction(1, 3), "C": Fraction(1, 3)}, {"IT": 10, "EL": 10}, s)
    assert (a.allocated["A", "IT"], a.allocated["A", "EL"]) == (3, 2)
    assert (a.allocated["B", "IT"], a.allocated["B", "EL"]) == (1, 0)
    # the rest of each volume (10 - 4 from Italy, 10 - 2 from Greece) goes to C, the one state left
    assert a.allocated["C", "IT"] == 6 and a.allocated["C", "EL"] == 8


def test_suspension_removes_up_to_thirty_percent_of_each_allocation():
    s = _settings(suspension=FrozenDict({"A": Fraction(3, 10)}))
    a = law.allocate({"A": Fraction(1, 2), "B": Fraction(1, 2)}, {"IT": 1_005}, s)
    # A's 502.5 -> 503 (half up); 0.3 x 503 = 150.9 -> 151 suspended; 352 relocated
    assert (a.allocated["A", "IT"], a.suspended["A", "IT"], a.persons["A", "IT"]) == (503, 151, 352)
    assert law.lump_sums({"A": 352}, 6_000) == {"A": 2_112_000}


# --- errors: one test per message ----------------------------------------------------

BASE = """
participants = ["AT", "BE", "DE", "EL", "IT"]
[scenario]
name = "t"
year = 2015
[pool]
relocations = 300
financial_eur = 0
[beneficiaries.IT.needs]
relocations = 200
[beneficiaries.EL.needs]
relocations = 100
[design]
kind = "relocation-2015"
"""


def _problems(extra: str, base: str = BASE) -> list[str]:
    with pytest.raises(InputError) as exc:
        parse_scenario(base + extra, "s.toml")
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize("extra, expected", [
    ("population_weight = 0.5\n", "s.toml: design.population_weight = {population_weight = 0.5, gdp_weight = "
     "0.4, asylum_weight = 0.1, unemployment...: the four weights add up to 1.1, not 1; allowed: weights adding "
     "up to 1"),
    ("cap_base = 'half'\n", "s.toml: design.cap_base = 'half': unknown value; allowed: sum, mean, weighted, none"),
    ("rounding = 'largest'\n", "s.toml: design.rounding = 'largest': unknown value; allowed: hamilton, webster, "
     "dhondt, huntington_hill, ceiling, per-state"),
    ("criteria_year = 2020\n", "s.toml: design.criteria_year = 2020: too large: the largest allowed is 2015; "
     "allowed: a year with bundled data from 2014 to 2015"),
    ("[design.suspension]\nAT = 0.4\n", "s.toml: design.suspension.AT = 0.4: above the 30 % Art 4(5) of 2015/1601 "
     "allows, and not a full suspension (Art 9); allowed: a share from 0 to 0.3 (Art 4(5) of 2015/1601), or 1 "
     "(the state's obligations suspended in full, Art 9 of both decisions)"),
    ("[design.suspension]\nIT = 0.1\n", "s.toml: design.suspension.IT = 'IT': not a state the decisions bind; "
     "allowed: AT, BE, DE"),
    ("[design.pledges]\nFR = 10\n", "s.toml: design.pledges.FR = 'FR': not a state the decisions bind; allowed: "
     "AT, BE, DE"),
    ("[design.split]\nIT = 0.5\nEL = 0.4\n", "s.toml: design.split = {IT = 0.5, EL = 0.4}: the shares add up "
     "to 0.9, not 1; allowed: shares adding up to 1"),
    ("colour = 1\n", "s.toml: design.colour: unknown key"),
])
def test_each_error_message(extra, expected):
    got = _problems(extra)
    assert any(p.startswith(expected) for p in got), got


def test_a_scheme_needs_a_beneficiary():
    base = BASE.replace("[beneficiaries.IT.needs]\nrelocations = 200\n[beneficiaries.EL.needs]\nrelocations = 100\n",
                        "")
    assert any("the relocation decisions need a benefitting state" in p for p in _problems("", base))


def test_volumes_must_make_the_pool():
    sc = parse_scenario(BASE.replace("relocations = 300", "relocations = 301"), "s.toml")
    with pytest.raises(InputError, match=r"pool.relocations = 301: the beneficiaries' volumes \(EL 100 \+ IT "
                       r"200\) plus design.unallocated \(0\) make 300"):
        run(sc)


# --- the verifier: each check fails on a forged table ------------------------------

def _forged(res, table: str, loc, col: str, value):
    tables = {k: v.copy() for k, v in res.tables.items()}
    tables[table].loc[loc, col] = value
    return verify(res.scenario, tables, res.population, res.gdp)


@pytest.mark.parametrize("table, loc, col, value, message", [
    ("relocation2015_key", "DE", "key_share", 0.2, "DE key_share 0.2000000000, the key re-derived gives"),
    ("relocation2015_key", "PT", "cap_limit", 0.0001, "PT asylum_effect"),
    ("relocation2015_allocation", ("DE", "IT"), "allocated", 5000, "DE from IT allocated 5000, the key, rounded "
     "per-state gives 5259"),
    ("relocation2015_allocation", ("FR", "EL"), "suspended", 3, "FR from EL suspended 3, 0 x 2698"),
    ("relocation2015_allocation", ("FR", "EL"), "persons", 3, "FR from EL persons 3 is not allocated less"),
    ("relocation2015_allocation", ("FR", "EL"), "lump_sum_eur", 3, "FR from EL lump sum EUR 3 is not"),
    ("design_states", "DE", "persons", 1, "design_states: DE persons 1, the allocation gives 8765"),
    ("design_states", "IT", "relocated_from", 1, "design_states: IT relocated_from 1, the allocation gives 23999"),
    ("design_states", "DE", "receives_eur", 1, "design_states: DE receives_eur 1"),
    ("design_states", "DK", "role", "bound", "design_states: DK is 'bound', the scenario makes it 'outside'"),
    ("design_states", "AT", "key_share", 0.5, "design_states: AT key_share 0.5000000000"),
])
def test_verifier_catches_a_forged_table(com286, table, loc, col, value, message):
    got = _forged(com286, table, loc, col, value)
    assert any(message in v for v in got), got


def test_verifier_accepts_the_run(com286):
    assert verify(com286.scenario, com286.tables, com286.population, com286.gdp) == []


def test_a_forged_run_raises_verification_error(monkeypatch):
    from solidarity.designs import relocation2015 as runner
    sc = parse_scenario(BASE + "[design.suspension]\nAT = 0.3\n", "s.toml")
    real = runner.law.allocate

    def wrong(share, vols, s):  # forget the suspension
        return real(share, vols, dataclasses.replace(s, suspension=FrozenDict()))
    monkeypatch.setattr(runner.law, "allocate", wrong)
    with pytest.raises(VerificationError, match="AT from IT suspended 0"):
        run(sc)


def test_pledges_and_suspension_verified_end_to_end():
    sc = parse_scenario(BASE + "[design.suspension]\nAT = 0.3\n[design.pledges]\nDE = 50\n", "s.toml")
    res = run(sc)
    al = res.tables["relocation2015_allocation"]
    assert (int(al.at[("DE", "IT"), "allocated"]), int(al.at[("DE", "EL"), "allocated"])) == (30, 20)
    assert pd.isna(al.at[("DE", "IT"), "quota"]) and int(al.at[("DE", "IT"), "pledged"]) == 30
    sus = al.xs("AT", level="geo")
    assert (sus["suspended"] == (sus["allocated"] * Fraction(3, 10) + Fraction(1, 2)).map(int)).all()
    assert int(res.tables["design_states"].at["AT", "persons"]) == int(sus["persons"].sum())


# --- explain and the command line ------------------------------------------------------

def test_explain_any_state_says_which_rule(com286):
    de = explain(com286, "DE")
    assert "COM(2015) 286, Annex" in de.text() and "Art 10" in de.text()
    assert de.value("allocation", "total", "n") == int(com286.tables["design_states"].at["DE", "persons"])
    it = explain(com286, "IT")
    assert it.value("beneficiary", "volume", "vol") == 24_000
    assert "not bound" in explain(com286, "DK").text()


def test_cli_run_and_explain(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(COM_286), "-o", str(out), "--force", "-q"])
    assert r.exit_code == ExitCode.OK, r.output
    assert (out / "design_states.csv").exists() and (out / "relocation2015_allocation.csv").exists()
    first = (out / "relocation2015_allocation.csv").read_bytes()
    assert runner.invoke(app, ["run", str(COM_286), "-o", str(out), "--force", "-q"]).exit_code == 0
    assert (out / "relocation2015_allocation.csv").read_bytes() == first  # deterministic
    for state in ("DE", "EL", "IE"):
        r = runner.invoke(app, ["explain", str(COM_286), "--state", state])
        assert r.exit_code == ExitCode.OK, r.output
    r = runner.invoke(app, ["explain", str(COM_286), "--state", "XX"])
    assert r.exit_code == ExitCode.INVALID_INPUT


def test_cli_bad_design_key_exit_code(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(COM_286.read_text().replace('cap_base = "none"', 'cap_base = "half"'))
    r = CliRunner().invoke(app, ["run", str(bad), "-o", str(tmp_path / "o"), "--force"])
    assert r.exit_code == ExitCode.INVALID_INPUT and "design.cap_base" in r.output


# --- COM(2015) 451 and the other example scenarios -------------------------------------

#: COM(2015) 451 (9 September 2015), 120 000 persons per state (from Italy,
#: Greece and Hungary together), as the Commission released them (Ahram
#: Online, 9 September 2015, "the figures released today by the Commission",
#: read through the search tool's stored copy). They add up to 119 998.
PUBLISHED_451 = {"AT": 3640, "BE": 4564, "BG": 1600, "HR": 1064, "CY": 274, "CZ": 2978, "EE": 373, "FI": 2398,
                 "FR": 24031, "DE": 31443, "LV": 526, "LT": 780, "LU": 440, "MT": 133, "NL": 7214, "PL": 9287,
                 "PT": 3074, "RO": 4646, "SK": 1502, "SI": 631, "ES": 14931, "SE": 4469}
DECISION_1601 = ROOT / "scenarios" / "designs" / "2015-decision-1601.toml"
COM_451 = ROOT / "scenarios" / "designs" / "2015-com-451.toml"
KEY_2026 = ROOT / "scenarios" / "designs" / "2026-key-2015.toml"


def test_the_default_cap_fits_the_september_key_best():
    """The September 2015 key is capped; of the cap bases offered, the default
    (0.3 x (p + g), re-spread by the population-and-GDP part) comes closest
    to COM(2015) 451's totals from the bundled data (measured: at most 0.10
    points of key; (p + g) / 2 gives 0.53, no cap 3.86)."""
    assert sum(PUBLISHED_451.values()) == 119_998
    sc = load_scenario(COM_451)
    worst = {}
    for base in CapBase:
        res = run(dataclasses.replace(sc, design_settings=dataclasses.replace(sc.design_settings, cap_base=base)))
        key = res.tables["relocation2015_key"]["key_share"]
        worst[base] = max(abs(100 * float(key[g]) - v / 1_200) for g, v in PUBLISHED_451.items())
    assert min(worst, key=worst.__getitem__) is CapBase.SUM
    assert worst[CapBase.SUM] == pytest.approx(0.101, abs=0.001)


def test_decision_1601_unallocated_and_the_austrian_suspension():
    res = run(load_scenario(DECISION_1601))
    pool = res.tables["pool"]["amount"]
    assert int(pool["unallocated"]) == 54_000 and int(pool["relocations"]) == 120_000
    al = res.tables["relocation2015_allocation"].xs("AT", level="geo")
    assert (al["suspended"] > 0).all() and (al["suspended"] <= al["allocated"] * 0.3 + 0.5).all()
    assert int(res.tables["design_states"].at["AT", "persons"]) == int(al["persons"].sum())
    # Hungary declined to be a beneficiary (COM(2015) 451 made it one) and is bound by the adopted annexes
    assert "HU" in set(res.tables["relocation2015_key"].index)
    assert res.tables["design_states"].at["HU", "role"] == "bound"


def test_com_451_totals_from_the_bundled_data_as_measured():
    """COM(2015) 451 per state (Italy, Greece and Hungary together) against the
    figures the Commission released: measured from the bundled June 2016
    extracts, every state within 121 persons of 120 000 (0.10 points of key)."""
    st = run(load_scenario(COM_451)).tables["design_states"]
    diff = {g: int(st.at[g, "persons"]) - v for g, v in PUBLISHED_451.items()}
    assert max(abs(d) for d in diff.values()) == 121 and diff["PL"] == 121 and diff["DE"] == -110
    assert set(st.index[st["role"] == "beneficiary"]) == {"IT", "EL", "HU"}


def test_decision_1601_annexes_from_the_bundled_data_as_measured():
    """The adopted annexes (stol.it, 23 September 2015) against this tool's
    allocations from the bundled data (Italy, Greece): within 4 persons for RO,
    SK, AT and HU, Czechia 5 and 16 over, Germany 31 and 98 short (measured; the
    June 2016 extracts are revisions of the data the Commission used)."""
    al = run(load_scenario(DECISION_1601)).tables["relocation2015_allocation"]
    diff = {g: (int(al.at[(g, "IT"), "allocated"]) - i, int(al.at[(g, "EL"), "allocated"]) - e)
            for g, (i, e) in ANNEX_1601.items()}
    assert diff == {"DE": (-31, -98), "CZ": (5, 16), "RO": (1, 3), "SK": (0, 2), "AT": (-1, -2), "HU": (1, 4)}


def test_2026_pool_under_the_2015_key_states_its_data_years():
    res = run(load_scenario(KEY_2026))
    st, meta = res.tables["design_states"], res.tables["meta"]["value"]
    assert set(st.index[st["role"] == "beneficiary"]) == {"CY", "EL", "IT", "ES"}
    assert len(st.index[st["role"] == "bound"]) == 22 and st.at["DK", "role"] == "outside"
    assert meta["population"].startswith("2025") and meta["gdp"].startswith("2024")
    assert meta["criteria_years"] == ("unemployment 2014; asylum applications and resettled refugees "
                                      "2010-2014")
    assert int(res.tables["pool"].at["relocated", "amount"]) == int(st["persons"].sum())


def test_pool_says_why_a_volume_is_short_when_every_state_pledged():
    # pledges of 10 + 20 + 30 = 60 count 36 towards Italy (of 200) and 24 towards Greece (of 100)
    res = run(parse_scenario(BASE + "[design.pledges]\nAT = 10\nBE = 20\nDE = 30\n", "s.toml"))
    pool = res.tables["pool"]
    assert int(pool.at["allocated_from_IT", "shortfall"]) == 164
    assert pool.at["allocated_from_EL", "status"] == ("-76 against the volume: the pledges fall short and every "
                                                       "bound state pledged, so no state takes the rest by the key")
    res = run(parse_scenario(BASE + "rounding = \"per-state\"\n", "s.toml"))
    assert str(res.tables["pool"].at["allocated_from_IT", "status"]) in ("", *(
        f"{d:+d} against the volume (per-state rounding)" for d in (-2, -1, 1, 2)))


def test_verifier_catches_a_forged_pledge_split():
    res = run(parse_scenario(BASE + "[design.pledges]\nDE = 50\n", "s.toml"))
    got = _forged(res, "relocation2015_allocation", ("DE", "EL"), "allocated", 25)
    assert any("DE from EL allocated 25, its pledge split gives 20" in v for v in got), got


def test_decision_1601_suspends_austria_by_30_percent_and_sweden_in_full():
    """Council Implementing Decision (EU) 2016/408: 30 % of Austria's allocation under 2015/1601 (Art 4(5));
    Council Decision (EU) 2016/946: Sweden's obligations under both decisions suspended until 16 June 2017
    (Art 9). Hand check: each allocation less half_up(share x allocation)."""
    res = run(load_scenario(ROOT / "scenarios" / "designs" / "2015-decision-1601.toml"))
    al = res.tables["relocation2015_allocation"]
    for b in ("IT", "EL"):
        at = al.loc[("AT", b)]
        assert int(at["suspended"]) == (3 * int(at["allocated"]) + 5) // 10  # half up of 0.3 x allocation
        se = al.loc[("SE", b)]
        assert int(se["suspended"]) == int(se["allocated"]) > 0 and int(se["persons"]) == 0
    assert int(res.tables["design_states"].at["SE", "persons"]) == 0
    assert "2016/946" in str(res.tables["design_states"].at["SE", "rule"])


# --- Decision (EU) 2015/1523: the pledges of 20 July 2015 ---------------------------------

DECISION_1523 = ROOT / "scenarios" / "designs" / "2015-decision-1523.toml"
#: The Resolution of 20 July 2015 (Council document 11131/15) as reported, each
#: state's source in the scenario's comments: APA (Tiroler Tageszeitung, July
#: 2015, the Luxembourg Presidency's figures) for the fourteen largest and the
#: zeros, national reports for LU, LT, LV, EE, SI, MT, the Commission's totals
#: for SK, and CY as the remainder of the 32 256.
PLEDGES_1523 = {"DE": 10_500, "FR": 6_752, "NL": 2_047, "RO": 1_705, "SE": 1_369, "BE": 1_364, "PT": 1_309,
                "ES": 1_300, "CZ": 1_100, "PL": 1_100, "FI": 792, "IE": 600, "BG": 450, "HR": 400, "LU": 320,
                "LT": 255, "SI": 230, "LV": 200, "CY": 173, "EE": 130, "SK": 100, "MT": 60, "AT": 0, "HU": 0}
#: COM(2016) 222, Annex 2 (12 April 2016): the Commission's "legal commitment
#: foreseen in the Council Decisions" for relocation from Italy, both decisions
#: together, read through the search tool's stored copy (Italian version); 34 953 in all.
COMMISSION_FROM_IT = {"AT": 462, "BE": 1397, "BG": 471, "HR": 374, "CY": 139, "CZ": 1036, "EE": 125, "FI": 779,
                      "FR": 7115, "DE": 10327, "HU": 306, "IE": 360, "LV": 186, "LT": 251, "LU": 248, "MT": 53,
                      "NL": 2150, "PL": 1861, "PT": 1173, "RO": 1608, "SK": 250, "SI": 218, "ES": 2676, "SE": 1388}
#: The 2015/1601 allocations (Annex I Italy, Annex II Greece) as reported by
#: stol.it, 23 September 2015, and the Commission's commitments under both
#: decisions (APA, Tiroler Tageszeitung, March 2017, state of 22 March 2017).
ANNEX_1601 = {"DE": (4_027, 13_009), "CZ": (376, 1_215), "RO": (585, 1_890), "SK": (190, 612), "AT": (462, 1_491),
              "HU": (306, 988)}
COMMISSION_BOTH = {"DE": 27_536, "CZ": 2_691, "RO": 4_180, "SK": 902, "AT": 1_953, "HU": 1_294}


def test_decision_1523_pledges_add_up_to_the_councils_32_256():
    sc = load_scenario(DECISION_1523)
    assert dict(sc.design_settings.pledges) == PLEDGES_1523
    assert sum(PLEDGES_1523.values()) == 32_256  # Council press release, 14 September 2015
    assert sum(COMMISSION_FROM_IT.values()) == 34_953
    bound = set(sc.participants) - set(sc.beneficiaries)
    assert bound == set(PLEDGES_1523) and "IE" in bound and not {"DK", "UK"} & bound


def test_decision_1523_counts_each_pledge_as_the_commission_did():
    """The Commission's Italy column less the 2015/1601 Annex I allocation is
    the 2015/1523 part from Italy; its commitment under both decisions less
    both annexes is the pledge. Both match the scenario's 60/40 parts, each
    rounded half up; by hand for Germany: 0.6 x 10 500 = 6 300 and
    0.4 x 10 500 = 4 200; for Cyprus: 0.6 x 173 = 103.8 -> 104, 0.4 x 173 = 69.2 -> 69."""
    res = run(load_scenario(DECISION_1523))
    al = res.tables["relocation2015_allocation"]["allocated"]
    for g, (annex_it, annex_el) in ANNEX_1601.items():
        assert int(al[(g, "IT")]) == COMMISSION_FROM_IT[g] - annex_it
        assert int(al[(g, "IT")]) + int(al[(g, "EL")]) == COMMISSION_BOTH[g] - annex_it - annex_el
        assert COMMISSION_BOTH[g] - annex_it - annex_el == PLEDGES_1523[g]
    assert (int(al[("DE", "IT")]), int(al[("DE", "EL")])) == (6_300, 4_200)
    assert (int(al[("CY", "IT")]), int(al[("CY", "EL")])) == (104, 69)


def test_decision_1523_leaves_the_unpledged_7744_to_no_state_and_says_so():
    res = run(load_scenario(DECISION_1523))
    pool = res.tables["pool"]
    got = {b: (int(pool.at[f"allocated_from_{b}", "amount"]), int(pool.at[f"allocated_from_{b}", "shortfall"]))
           for b in ("IT", "EL")}
    assert got == {"IT": (19_352, 4_648), "EL": (12_904, 3_096)}  # 24 000 and 16 000 less the 60/40 parts
    assert pool.at["allocated_from_IT", "status"] == ("-4648 against the volume: the pledges fall short and every "
                                                       "bound state pledged, so no state takes the rest by the key")
    assert res.tables["relocation2015_allocation"]["quota"].isna().all()
    st = res.tables["design_states"]
    assert int(st.at["SE", "persons"]) == 0 and int(st.at["AT", "persons"]) == 0
    assert int(pool.at["relocated", "amount"]) == 32_256 - 1_369 == int(st["persons"].sum())


@pytest.mark.parametrize("name, cited", [
    ("2015-com-286", "COM(2015) 286 Art 4, Annexes I and II (proposal)"),
    ("2015-com-451", "COM(2015) 451 Art 4, Annexes I to III (proposal)"),
    ("2015-decision-1523", "Decision (EU) 2015/1523 Art 4"),
    ("2015-decision-1601", "Decision (EU) 2015/1601 Art 4, Annexes I and II"),
])
def test_the_rules_cite_the_act_whose_volumes_the_scenario_holds(name, cited):
    res = run(load_scenario(ROOT / "scenarios" / "designs" / f"{name}.toml"))
    assert cited in str(res.tables["design_states"].at["IT", "rule"])
    assert cited in explain(res, "IT").text()
    de = explain(res, "DE").text()  # by the key (a volume's act), or by its pledge (2015/1523)
    assert cited in de or ("2015/1523" in de and "pledge" in de)


def test_an_unknown_act_is_named_with_the_acts_there_are():
    text = COM_286.read_text(encoding="utf-8").replace('act = "COM(2015) 286"', 'act = "2015/1602"')
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="s.toml")
    assert [str(p) for p in err.value.problems] == [
        "s.toml: design.act = '2015/1602': unknown value (did you mean '2015/1601'?); allowed: COM(2015) 286, "
        "2015/1523, COM(2015) 451, 2015/1601, other"]
