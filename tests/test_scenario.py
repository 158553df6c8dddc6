"""Scenario validation: one test per message, every problem reported at once,
defaults, frozen and picklable scenarios, digests."""

import dataclasses
import datetime as dt
import math
import pickle
import tomllib
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarity.errors import MISSING, InputError, Problem
from solidarity.inputs.scenario import MAX_AMOUNT, Scenario, StateSettings, load_scenario, parse_scenario, validate
from solidarity.schema import (
    DEFAULT_EQUIVALENCE_EUR,
    DEFAULT_PARTICIPANTS,
    KNOWN_CODES,
    FlowsMode,
    Method,
    Priority,
    SolidarityType,
    SolverName,
    Source,
    Status,
)

from .conftest import BUNDLED, MINIMAL, SCENARIOS

MAX = "1_000_000_000_000_000"  # MAX_AMOUNT as the messages spell it
CODES = ", ".join(sorted(KNOWN_CODES))
PARTICIPANTS = ", ".join(DEFAULT_PARTICIPANTS)
PERSONS = f"whole persons from 0 to {MAX}"
EUROS = f"whole euros from 0 to {MAX}"


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="s.toml")
    return [str(p) for p in err.value.problems]


def only(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def pool(**values) -> str:
    """MINIMAL with [pool] values replaced (TOML text)."""
    lines = {"relocations": "21000", "financial_eur": "420000000"}
    lines.update(values)
    return ('[scenario]\nname = "minimal"\nyear = 2026\n[pool]\n'
            + "".join(f"{k} = {v}\n" for k, v in lines.items() if v is not None))


def test_max_amount_is_spelt_as_in_messages():
    assert int(MAX.replace("_", "")) == MAX_AMOUNT


# --- one test per message ------------------------------------------------------
# (id, scenario text, the one problem it has, exactly)

MESSAGES = [
    # numbers: NaN, infinities, negatives, enormous, whole
    ("nan", pool(relocations="nan"),
     f"s.toml: pool.relocations = nan: not a number; allowed: {PERSONS}"),
    ("infinite", pool(financial_eur="inf"),
     f"s.toml: pool.financial_eur = inf: infinite; allowed: {EUROS}"),
    ("minus-infinite-share", MINIMAL + "sar_share = -inf\n",
     "s.toml: pool.sar_share = -inf: infinite; allowed: a number from 0 to 1"),
    ("nan-share", MINIMAL + "[states.AT]\ndeduction = nan\n",
     "s.toml: states.AT.deduction = nan: not a number; allowed: a number from 0 to 1"),
    ("float-overflow-is-inf", pool(relocations="1e400"),
     f"s.toml: pool.relocations = inf: infinite; allowed: {PERSONS}"),
    ("negative", pool(relocations="-21000"),
     f"s.toml: pool.relocations = -21000: negative; allowed: {PERSONS}"),
    ("negative-need", MINIMAL + "[beneficiaries.IT]\nneeds = { relocations = -1 }\n",
     f"s.toml: beneficiaries.IT.needs.relocations = -1: negative; allowed: {PERSONS}"),
    ("negative-share", MINIMAL + "[states.AT]\ndeduction = -0.2\n",
     "s.toml: states.AT.deduction = -0.2: negative; allowed: a number from 0 to 1"),
    ("too-small", MINIMAL.replace("2026", "1999"),
     ("s.toml: scenario.year = 1999: too small: the smallest allowed is 2024; "
      "allowed: a cycle year from 2024 to 2100")),
    ("too-large", pool(financial_eur="10_000_000_000_000_000"),
     (f"s.toml: pool.financial_eur = 10000000000000000: too large: the largest allowed is {MAX}; "
      f"allowed: {EUROS}")),
    ("too-large-float", pool(relocations="1e300"),
     f"s.toml: pool.relocations = 1e+300: too large: the largest allowed is {MAX}; allowed: {PERSONS}"),
    ("too-large-share", MINIMAL + "[states.FR]\nimplemented = 2\n",
     ("s.toml: states.FR.implemented = 2: too large: the largest allowed is 1; "
      "allowed: a number from 0 to 1")),
    ("beyond-int64", pool(relocations="9223372036854775808"),
     (f"s.toml: pool.relocations = 9223372036854775808: too large: the largest allowed is {MAX}; "
      f"allowed: {PERSONS}")),
    ("beyond-int64-negative", pool(relocations="-9223372036854775809"),
     f"s.toml: pool.relocations = -9223372036854775809: negative; allowed: {PERSONS}"),
    ("many-digits-cut", MINIMAL + "sar_share = 1" + "0" * 400 + "\n",
     ("s.toml: pool.sar_share = 1000000000000... (401 digits): too large: the largest allowed is 1; "
      "allowed: a number from 0 to 1")),
    ("not-whole", pool(financial_eur="420000000.5"),
     f"s.toml: pool.financial_eur = 420000000.5: not a whole number; allowed: {EUROS}"),
    ("required-key", pool(relocations=None),
     "s.toml: pool.relocations: required key is missing; allowed: whole persons"),
    # the pool
    ("empty-pool", pool(relocations="0", financial_eur="0"),
     ("s.toml: pool = {relocations = 0, financial_eur = 0}: the pool is empty; "
      "allowed: relocations or financial_eur above 0")),
    ("rate-rounds-to-zero", pool(financial_eur="10499"),
     ("s.toml: pool.financial_eur = 10499: the rate per relocation F / R = 10499 / 21000 rounds to "
      "zero euros; allowed: financial_eur >= relocations / 2 (10500), or set pool.equivalence_eur")),
    ("pool-value-too-large", pool(relocations="100_000_000_000", financial_eur="0",
                                  equivalence_eur="100_000"),
     ("s.toml: pool.relocations = 100000000000: the pool's value 100000 x 100_000_000_000 EUR is "
      f"too large; allowed: at most {MAX} EUR")),
    ("persons-worth-too-much", MINIMAL + "[crisis]\nstate = 'EL'\nrelocations = 1e15\n",
     ("s.toml: crisis.relocations = 1000000000000000.0: too large: worth 20_000_000_000_000_000_000 EUR "
      "at EUR 20000 per relocation; the largest allowed is 50_000_000_000 persons; allowed: whole persons "
      "from 0 to 50_000_000_000")),
    ("pool-missing", '[scenario]\nname = "x"\nyear = 2026\n',
     ("s.toml: pool: required table is missing; allowed: a [pool] table with relocations and "
      "financial_eur")),
    ("scenario-missing", "[pool]\nrelocations = 1\nfinancial_eur = 1\n",
     "s.toml: scenario: required table is missing; allowed: a [scenario] table with name and year"),
    # types
    ("string-for-number", pool(relocations="'21000'"),
     (f"s.toml: pool.relocations = '21000': wrong type: a string (write numbers without quotes); "
      f"allowed: {PERSONS}")),
    ("boolean-for-number", pool(relocations="true"),
     f"s.toml: pool.relocations = true: wrong type: a boolean; allowed: {PERSONS}"),
    ("date-for-number", pool(relocations="2026-01-01"),
     f"s.toml: pool.relocations = 2026-01-01: wrong type: a date; allowed: {PERSONS}"),
    ("array-for-number", MINIMAL + "sar_share = [0.4]\n",
     "s.toml: pool.sar_share = [0.4]: wrong type: an array; allowed: a number from 0 to 1"),
    ("table-for-value", pool(relocations="{ value = 21000 }"),
     ("s.toml: pool.relocations = {value = 21000}: wrong type: a table (a [header] or {...} where a "
      f"single value belongs); allowed: {PERSONS}")),
    ("value-for-table", "pool = 21000\n[scenario]\nname = 'x'\nyear = 2026\n",
     ("s.toml: pool = 21000: must be a table, not a whole number; allowed: a table with keys among "
      "equivalence_eur, financial_eur, proposal_financial_eur, proposal_relocations, "
      "redistribute_deductions, relocations, sar_share")),
    ("value-for-mix", MINIMAL + "[states.AT]\nmix = 0.5\n",
     ("s.toml: states.AT.mix = 0.5: must be a table, not a decimal number; allowed: a table of "
      "shares of relocation, financial, alternative summing to 1")),
    ("value-for-country-tables", MINIMAL + "[beneficiaries]\nIT = 5\n",
     ("s.toml: beneficiaries.IT = 5: must be a table, not a whole number; allowed: a table with "
      "keys among needs, note, sar")),
    ("value-for-states", 'states = "AT"\n' + MINIMAL,
     ("s.toml: states = 'AT': must be a table, not a string; allowed: [states.CODE] tables, one "
      "per country code")),
    ("string", MINIMAL.replace('"minimal"', "2026"),
     "s.toml: scenario.name = 2026: wrong type: a whole number; allowed: a string in quotes"),
    ("boolean", MINIMAL + "[beneficiaries.IT]\nsar = 'yes'\n",
     "s.toml: beneficiaries.IT.sar = 'yes': wrong type: a string; allowed: true or false"),
    ("boolean-quoted", MINIMAL + "redistribute_deductions = 'true'\n",
     ("s.toml: pool.redistribute_deductions = 'true': wrong type: a string (write true or false "
      "without quotes); allowed: true or false")),
    ("enum-type", MINIMAL + "[key]\nmethod = 1\n",
     ("s.toml: key.method = 1: wrong type: a whole number; allowed: one of the strings hamilton, "
      "webster, dhondt, huntington_hill, ceiling")),
    # misspellings
    ("enum-misspelt", MINIMAL + "[key]\nmethod = 'hamliton'\n",
     ("s.toml: key.method = 'hamliton': unknown value (did you mean 'hamilton'?); "
      "allowed: hamilton, webster, dhondt, huntington_hill, ceiling")),
    ("enum-case", MINIMAL + "[allocation]\npriority = 'Needs'\n",
     ("s.toml: allocation.priority = 'Needs': unknown value (did you mean 'needs'?); "
      "allowed: preferences, needs")),
    ("enum-unknown", MINIMAL + "[solver]\nname = 'gurobi'\n",
     "s.toml: solver.name = 'gurobi': unknown value; allowed: highs, scipy, cbc, pulp-highs"),
    ("key-misspelt", MINIMAL + "sar_shares = 0.4\n",
     ("s.toml: pool.sar_shares: unknown key (did you mean 'sar_share'?); allowed: equivalence_eur, "
      "financial_eur, proposal_financial_eur, proposal_relocations, redistribute_deductions, "
      "relocations, sar_share")),
    ("key-replaced-minimum", MINIMAL + "[offsets]\nminimum_relocations = 30000\n",
     ("s.toml: offsets.minimum_relocations = 30000: this key was replaced; allowed: use "
      "offsets.reference_relocations (Art 63(3)(b); default: the adopted pool's relocations)")),
    ("key-replaced-proposal", MINIMAL + "[offsets]\nproposal_relocations = 30000\n",
     ("s.toml: offsets.proposal_relocations = 30000: this key was replaced; allowed: use "
      "pool.proposal_relocations (the Commission proposal's number, which Art 63(1) refers to)")),
    ("participants-in-a-table", MINIMAL.replace("year = 2026\n", "year = 2026\nparticipants = ['AT']\n"),
     ("s.toml: scenario.participants: unknown key (participants belongs at the top of the file, above the "
      "first [table] header); allowed: description, name, units, year")),
    ("key-quoted", MINIMAL + '[key]\n"method " = "hamilton"\n',
     ('s.toml: key."method ": unknown key (did you mean \'method\'?); allowed: gdp_weight, method, '
      "population_weight")),
    # country codes and participants
    ("code-unknown", MINIMAL + "[states.XX]\n",
     f"s.toml: states.XX = 'XX': unknown country code; allowed: Eurostat two-letter codes: {CODES}"),
    ("code-lower-case", MINIMAL + "[states.at]\n",
     ("s.toml: states.at = 'at': unknown country code (codes are upper case: AT); "
      f"allowed: Eurostat two-letter codes: {CODES}")),
    ("code-greece", 'participants = ["AT", "GR"]\n' + MINIMAL,
     ("s.toml: participants[1] = 'GR': unknown country code (Eurostat writes Greece as EL); "
      f"allowed: Eurostat two-letter codes: {CODES}")),
    ("code-greece-lower-case", MINIMAL + "[beneficiaries.gr]\n",
     ("s.toml: beneficiaries.gr = 'gr': unknown country code (Eurostat writes Greece as EL); "
      f"allowed: Eurostat two-letter codes: {CODES}")),
    ("code-uk", 'participants = ["AT", "UK"]\n' + MINIMAL,
     ("s.toml: participants[1] = 'UK': unknown country code (the United Kingdom is not bound by the "
      f"AMMR); allowed: Eurostat two-letter codes: {CODES}")),
    ("code-spaces", 'participants = ["AT", " BE"]\n' + MINIMAL,
     ("s.toml: participants[1] = ' BE': unknown country code (did you mean BE?); "
      f"allowed: Eurostat two-letter codes: {CODES}")),
    ("code-country-name", 'participants = ["AT", "Germany"]\n' + MINIMAL,
     ("s.toml: participants[1] = 'Germany': unknown country code (did you mean DE?); "
      f"allowed: Eurostat two-letter codes: {CODES}")),
    ("code-type", 'participants = ["AT", 1]\n' + MINIMAL,
     ("s.toml: participants[1] = 1: wrong type: a whole number; "
      f'allowed: Eurostat two-letter codes: {CODES}, each in quotes ("AT")')),
    ("participants-duplicate", 'participants = ["AT", "BE", "AT"]\n' + MINIMAL,
     "s.toml: participants[2] = 'AT': duplicate country code; allowed: each code once"),
    ("participants-empty", "participants = []\n" + MINIMAL,
     ("s.toml: participants = []: empty participant set; allowed: a non-empty array of country "
      'codes, such as ["AT", "BE"] (default: EU-27 minus DK)')),
    ("participants-type", 'participants = "AT, BE"\n' + MINIMAL,
     ("s.toml: participants = 'AT, BE': wrong type: a string; allowed: a non-empty array of country "
      'codes, such as ["AT", "BE"] (default: EU-27 minus DK)')),
    ("state-not-participant", MINIMAL + "[states.DK]\n",
     (f"s.toml: states.DK = 'DK': not a participant; allowed: one of the scenario's participants: "
      f"{PARTICIPANTS}")),
    ("beneficiary-not-participant", 'participants = ["AT", "BE"]\n' + MINIMAL + "[beneficiaries.IT]\n",
     ("s.toml: beneficiaries.IT = 'IT': not a participant; allowed: one of the scenario's "
      "participants: AT, BE")),
    # [key]
    ("weights", MINIMAL + "[key]\npopulation_weight = 0.6\ngdp_weight = 0.6\n",
     ("s.toml: key = {population_weight = 0.6, gdp_weight = 0.6}: weights do not add up to 1; "
      "allowed: two numbers in [0, 1] whose sum is 1")),
    # [data]
    ("data-file-not-found", MINIMAL + "[data]\ngdp_file = 'nope.tsv'\n",
     ("s.toml: data.gdp_file = 'nope.tsv': file not found; allowed: a path to a Eurostat TSV, "
      "SDMX-CSV or tidy CSV file (optionally gzipped), relative to the scenario file, inside its folder, "
      "the current folder or a --data-dir")),
    ("data-file-folder", MINIMAL + "[data]\ngdp_file = '.'\n",
     ("s.toml: data.gdp_file = '.': is a folder, not a file; allowed: a path to a Eurostat TSV, "
      "SDMX-CSV or tidy CSV file (optionally gzipped), relative to the scenario file, inside its folder, "
      "the current folder or a --data-dir")),
    ("data-file-name-too-long", MINIMAL + f"[data]\ngdp_file = '{'x' * 300}'\n",
     (f"s.toml: data.gdp_file = '{'x' * 76}...: cannot be read (File name too long); allowed: a path "
      "to a Eurostat TSV, SDMX-CSV or tidy CSV file (optionally gzipped), relative to the scenario "
      "file, inside its folder, the current folder or a --data-dir")),
    ("data-max-year-change", MINIMAL + "[data]\nmax_year_change = 0.5\n",
     "s.toml: data.max_year_change = 0.5: below 1; allowed: a factor of 1 or more, or 0 for any change"),
    ("data-filters-type", MINIMAL + "[data]\ngdp_filters = 'CP_MEUR'\n",
     ("s.toml: data.gdp_filters = 'CP_MEUR': wrong type: a string; allowed: a table of Eurostat "
      'dimension = "code" strings, such as { unit = "CP_MEUR" }')),
    ("data-filter-value-type", MINIMAL + "[data]\ngdp_filters = { unit = 3 }\n",
     ("s.toml: data.gdp_filters.unit = 3: wrong type: a whole number; allowed: a table of Eurostat "
      'dimension = "code" strings, such as { unit = "CP_MEUR" }')),
    # [states]
    ("mix-empty", MINIMAL + "[states.AT]\nmix = {}\n",
     ("s.toml: states.AT.mix = {}: empty mix; allowed: shares of relocation, financial, alternative "
      "summing to 1")),
    ("mix-sum", MINIMAL + "[states.AT]\nmix = { relocation = 0.5, financial = 0.4 }\n",
     ("s.toml: states.AT.mix = {relocation = 0.5, financial = 0.4}: shares do not add up to 1; "
      "allowed: shares of relocation, financial, alternative summing to 1")),
    ("fixed-excludes", MINIMAL + "[states.AT]\nfixed = {}\nmin = { relocations = 1 }\n",
     ("s.toml: states.AT.fixed: fixed pledges exclude min, max, preferred and mix; "
      "allowed: either fixed, or any of min/max/preferred/mix")),
    ("mix-or-preferred", MINIMAL + "[states.AT]\nmix = { financial = 1.0 }\npreferred = { relocations = 3 }\n",
     ("s.toml: states.AT.mix: give either preferred amounts or a mix, not both; "
      "allowed: preferred or mix")),
    ("min-above-max", MINIMAL + "[states.AT]\nmin = { relocations = 10 }\nmax = { relocations = 5 }\n",
     "s.toml: states.AT.min.relocations = 10: greater than max (5); allowed: a value <= 5"),
    ("amount-key", MINIMAL + "[states.AT]\nmax = { relocation = 10 }\n",
     ("s.toml: states.AT.max.relocation: unknown key (did you mean 'relocations'?); "
      "allowed: alternative_eur, financial_eur, relocations")),
    # [crisis]
    ("crisis-state-missing", MINIMAL + "[crisis]\nrelocations = 5\n",
     "s.toml: crisis.state: required key is missing; allowed: the country code of the state in crisis"),
    ("crisis-state-not-participant", MINIMAL + "[crisis]\nstate = 'DK'\nrelocations = 5\n",
     ("s.toml: crisis.state = 'DK': not a participant; allowed: one of the scenario's participants: "
      f"{PARTICIPANTS}")),
    ("crisis-additional-not-participant", MINIMAL + "[crisis]\nstate = 'EL'\nrelocations = 5\n"
                                                    "additional = { DK = 3 }\n",
     ("s.toml: crisis.additional.DK = 'DK': not a participant; allowed: one of the scenario's "
      f"participants: {PARTICIPANTS}")),
    ("crisis-additional-type", MINIMAL + "[crisis]\nstate = 'EL'\nrelocations = 5\nadditional = 3\n",
     ("s.toml: crisis.additional = 3: must be a table, not a whole number; allowed: a table of "
      "country code = whole persons, such as { DE = 500 }")),
    ("crisis-credit-years", MINIMAL + "[crisis]\nstate = 'EL'\nrelocations = 5\ncredit_years = 0\n",
     ("s.toml: crisis.credit_years = 0: too small: the smallest allowed is 1; "
      "allowed: a number of cycles from 1 to 20")),
    # [solver]
    ("time-limit-zero", MINIMAL + "[solver]\ntime_limit = 0\n",
     ("s.toml: solver.time_limit = 0: must be above 0; allowed: a number of seconds above 0, at most "
      "31_536_000 (a year); leave it out for no limit")),
    ("time-limit-infinite", MINIMAL + "[solver]\ntime_limit = inf\n",
     ("s.toml: solver.time_limit = inf: infinite; allowed: a number of seconds above 0, at most "
      "31_536_000 (a year); leave it out for no limit")),
    ("time-limit-huge-integer", MINIMAL + "[solver]\ntime_limit = 1" + "0" * 400 + "\n",
     ("s.toml: solver.time_limit = 1000000000000... (401 digits): too large: the largest allowed is "
      "31_536_000; allowed: a number of seconds above 0, at most 31_536_000 (a year); leave it out "
      "for no limit")),
    ("mip-gap", MINIMAL + "[solver]\nmip_gap = -0.1\n",
     "s.toml: solver.mip_gap = -0.1: negative; allowed: a number from 0 to 1"),
]


@pytest.mark.parametrize("text, expected", [m[1:] for m in MESSAGES], ids=[m[0] for m in MESSAGES])
def test_message(text, expected):
    assert only(text) == expected


def test_every_message_of_the_validator_is_tested():
    """Each message template of scenario.py appears in MESSAGES."""
    texts = "\n".join(m[2] for m in MESSAGES)
    for fragment in ["must be a table, not", "this key was replaced", "unknown key", "required key is missing",
                     "required table is missing", "wrong type: ", "not a number", "infinite",
                     "not a whole number", "too large: the largest allowed is", "negative",
                     "too small: the smallest allowed is", "must be above 0", "unknown value",
                     "unknown country code", "not a participant", "duplicate country code",
                     "empty participant set", "weights do not add up to 1", "is a folder, not a file",
                     "file not found", "cannot be read", "the pool is empty", "rounds to zero euros",
                     "the pool's value", "worth", "belongs at the top", "empty mix",
                     "shares do not add up to 1",
                     "fixed pledges exclude", "give either preferred amounts or a mix",
                     "greater than max"]:
        assert fragment in texts, fragment


def test_every_problem_at_once(write):
    path = write("bad.toml", """
participants = ["AT", "BE", "AT", "GR"]
[scenario]
name = "bad"
year = 2026
[pool]
relocatons = 21000
financial_eur = nan
[key]
method = "hamliton"
[states.AT]
deduction = -0.2
[states.XX]
status = "at_risk"
[crisis]
state = "DK"
relocations = 1e300
""")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert msg.startswith("10 problems found:\n")
    assert f"  - {path}: participants[2] = 'AT': duplicate country code" in msg
    assert f"  - {path}: participants[3] = 'GR': unknown country code (Eurostat writes Greece as EL)" in msg
    assert f"  - {path}: pool.relocatons: unknown key (did you mean 'relocations'?)" in msg
    assert f"  - {path}: pool.relocations: required key is missing" in msg
    assert f"  - {path}: pool.financial_eur = nan: not a number" in msg
    assert f"  - {path}: key.method = 'hamliton': unknown value (did you mean 'hamilton'?)" in msg
    assert f"  - {path}: states.AT.deduction = -0.2: negative" in msg
    assert f"  - {path}: states.XX = 'XX': unknown country code" in msg
    assert f"  - {path}: crisis.state = 'DK': not a participant" in msg
    assert "crisis.relocations = 1e+300: too large" in msg and msg.count("\n  - ") == 10


def test_a_bad_table_is_one_problem_not_one_per_key():
    assert problems("scenario = 'x'\n[pool]\nrelocations = 1\nfinancial_eur = 1\n") == [
        ("s.toml: scenario = 'x': must be a table, not a string; allowed: a table with keys among "
         "description, name, units, year")]
    assert problems("pool = 1\n[other]\nx = 1\n[scenario]\nname = 'x'\nyear = 2026\n") == [
        ("s.toml: other: unknown key; allowed: allocation, beneficiaries, crisis, data, design, key, "
         "offsets, participants, pool, scenario, solver, states"),
        ("s.toml: pool = 1: must be a table, not a whole number; allowed: a table with keys among "
         "equivalence_eur, financial_eur, proposal_financial_eur, proposal_relocations, "
         "redistribute_deductions, relocations, sar_share")]


def test_overridden_values_are_reported_at_the_override(write):
    path = write("s.toml", MINIMAL + "[variants.bad.pool]\nrelocations = -1\n")
    with pytest.raises(InputError) as err:
        load_scenario(path, sets=["pool.financial_eur=nan", "key.method=hamliton"])
    assert [str(p) for p in err.value.problems] == [
        ("--set: key.method = 'hamliton': unknown value (did you mean 'hamilton'?); "
         "allowed: hamilton, webster, dhondt, huntington_hill, ceiling"),
        f"--set: pool.financial_eur = nan: not a number; allowed: {EUROS}"]
    with pytest.raises(InputError) as err:
        load_scenario(path, variant="bad")
    assert str(err.value.problems[0]) == (
        f"{path}: variant bad: pool.relocations = -1: negative; allowed: {PERSONS}")


def test_a_problem_about_two_values_names_the_override(write):
    path = write("s.toml", MINIMAL.replace("420000000", "0"))
    with pytest.raises(InputError) as err:
        load_scenario(path, sets=["pool.relocations=0"])
    assert str(err.value.problems[0]).startswith("--set: pool = {relocations = 0, financial_eur = 0}: "
                                                 "the pool is empty")


def test_unknown_variant_and_bad_set_are_input_errors(write):
    path = write("s.toml", MINIMAL + "[variants.high.pool]\nrelocations = 30000\n")
    with pytest.raises(InputError, match=r"variants.hig: unknown variant \(did you mean 'high'\?\)"):
        load_scenario(path, variant="hig")
    with pytest.raises(InputError, match="--set: pool.relocations = '25,000': not a valid TOML value"):
        load_scenario(path, sets=["pool.relocations=25,000"])


def test_problems_pickle_and_compare():
    with pytest.raises(InputError) as err:
        parse_scenario(MINIMAL + "[states.AT]\nmix = { relocation = true }\n", file="s.toml")
    for p in err.value.problems:
        assert pickle.loads(pickle.dumps(p)) == p and str(pickle.loads(pickle.dumps(p))) == str(p)
    assert str(Problem("f", "k", MISSING, "m")) == "f: k: m"


# --- numbers that are accepted ------------------------------------------------------

def test_tomllib_reads_integers_beyond_int64_and_the_validator_rejects_them():
    """TOML allows integers up to 2**63 - 1; tomllib reads larger ones as Python
    ints without complaint, so the validator is what rejects them."""
    assert tomllib.loads("a = 9223372036854775808")["a"] == 2**63
    assert tomllib.loads("a = 0x7FFFFFFFFFFFFFFFFF")["a"] == 2**71 - 1
    assert tomllib.loads("a = 1e400")["a"] == math.inf
    assert "too large: the largest allowed is" in only(pool(financial_eur="0x7FFFFFFFFFFFFFFFFF"))


def test_whole_floats_are_whole_numbers():
    sc = parse_scenario(pool(financial_eur="420e6", relocations="2.1e4"))
    assert sc.pool.financial_eur == 420_000_000 and type(sc.pool.financial_eur) is int
    assert sc.pool.relocations == 21_000 and type(sc.pool.relocations) is int
    assert parse_scenario(MINIMAL.replace("2026", "2026.0")).year == 2026
    assert parse_scenario(pool(relocations="-0.0", financial_eur="1")).pool.relocations == 0


def test_largest_amount_is_accepted():
    sc = parse_scenario(pool(financial_eur=str(MAX_AMOUNT), relocations="1"))
    assert sc.pool.financial_eur == MAX_AMOUNT


def test_shares_are_exact_as_written():
    sc = parse_scenario(MINIMAL + "sar_share = 0.42\n[key]\npopulation_weight = 0.3\n")
    assert sc.pool.sar_share == Fraction(42, 100)
    assert sc.key.weights == {"population": Fraction(3, 10), "gdp_meur": Fraction(7, 10)}


def test_rate_half_up_and_the_smallest_rate():
    assert parse_scenario(pool(financial_eur="420000001")).pool.rate == 20_000
    assert parse_scenario(pool(financial_eur="10500")).pool.rate == 1  # F = R / 2: rounds up to 1
    assert parse_scenario(pool(financial_eur="10", equivalence_eur="1")).pool.rate == 1
    assert parse_scenario(MINIMAL + "equivalence_eur = 25000\n").pool.rate == 25_000


def test_relocation_only_pool_uses_eur_20000_unless_equivalence_given():
    sc = parse_scenario(pool(financial_eur="0"))
    assert DEFAULT_EQUIVALENCE_EUR == 20_000
    assert sc.pool.rate == 20_000 and sc.pool.value_eur == 21_000 * 20_000
    sc = parse_scenario(pool(financial_eur="0", equivalence_eur="15000"))
    assert sc.pool.rate == 15_000 and sc.pool.value_eur == 21_000 * 15_000


def test_money_only_pool():
    sc = parse_scenario(pool(relocations="0"))
    assert sc.pool.rate == 20_000 and sc.pool.value_eur == 420_000_000


# --- defaults ---------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED + sorted((SCENARIOS / "ledger-3y").glob("*.toml")),
                         ids=lambda p: p.name)
def test_bundled_scenarios_load(path):
    sc = load_scenario(path)
    assert isinstance(sc, Scenario) and sc.year in (2026, 2027, 2028) and len(sc.digest) == 64
    assert sc.path == str(path) and sc.overrides == () and sc.sets == () and sc.variant is None


def test_minimal_defaults():
    sc = parse_scenario(MINIMAL)
    assert sc.name == "minimal" and sc.description == ""
    assert sc.participants == DEFAULT_PARTICIPANTS and len(sc.participants) == 26
    assert "DK" not in sc.participants
    assert sc.pool.rate == 20_000 and sc.pool.sar_share == 0 and not sc.pool.redistribute_deductions
    # Art 63(1) refers to the Commission proposal, not the adopted pool: without one,
    # the Art 12(2) minimum (30 000 persons, EUR 600 000 000) stands in, flagged as assumed
    assert sc.pool.proposal == (30_000, 600_000_000) and not sc.pool.proposal_below_minimum
    assert sc.pool.proposal_assumed == ("relocations", "financial_eur")
    assert sc.key.method is Method.HAMILTON and sc.key.weights == {"population": Fraction(1, 2),
                                                                   "gdp_meur": Fraction(1, 2)}
    assert sc.solver.name is SolverName.HIGHS and sc.solver.time_limit is None and sc.solver.mip_gap == 0
    assert sc.allocation.priority is Priority.PREFERENCES and sc.allocation.flows is FlowsMode.PROPORTIONAL
    assert sc.offsets.voluntary_share == Fraction(1, 2) and sc.offsets.needs_share == Fraction(3, 5)
    assert sc.offsets.reference_relocations is None and sc.crisis is None
    st_ = sc.state("DE")
    assert st_ == StateSettings(geo="DE") and st_.status is Status.NONE and st_.deduction == 0
    assert not st_.deduction_default and st_.source(SolidarityType.RELOCATION) is Source.ASSUMED


def test_name_defaults_to_the_file_name(write):
    assert load_scenario(write("my-pool.toml", MINIMAL.replace('name = "minimal"\n', ""))).name == "my-pool"


def test_benefitting_states_are_fully_deducted_by_default():
    sc = parse_scenario(MINIMAL + """
[states.EL]
status = "under_pressure"
[states.ES]
deduction = 0.25
[beneficiaries.EL]
needs = { relocations = 10 }
[beneficiaries.IT]
needs = { relocations = 10 }
[beneficiaries.ES]
needs = { relocations = 10 }
""")
    assert sc.state("EL").deduction == 1 and sc.state("EL").deduction_default
    assert sc.state("EL").status is Status.UNDER_PRESSURE
    assert sc.state("IT").deduction == 1 and sc.state("IT").deduction_default  # no [states.IT]
    assert sc.state("ES").deduction == Fraction(1, 4) and not sc.state("ES").deduction_default
    assert sc.state("DE").deduction == 0 and not sc.state("DE").deduction_default
    assert sc.beneficiaries["EL"].needs.financial == 0  # missing needs are 0


def test_a_benefitting_state_may_contribute():
    sc = load_scenario(SCENARIOS / "2026-commission-proposal.toml")
    assert all(sc.state(g).deduction == 0 and not sc.state(g).deduction_default
               for g in ("CY", "EL", "IT", "ES"))


def test_sources_of_pledges():
    sc = parse_scenario(MINIMAL + "[states.BE]\nfixed = { financial_eur = 5 }\n"
                                  "[states.FR]\nmix = { relocation = 1.0 }\n"
                                  "[states.NL]\nmax = { relocations = 3 }\n")
    assert sc.state("BE").source(SolidarityType.RELOCATION) is Source.RECORDED
    assert sc.state("BE").fixed.relocation is None  # missing types of a fixed pledge are 0 downstream
    assert sc.state("FR").source(SolidarityType.FINANCIAL) is Source.STATED
    assert sc.state("NL").source(SolidarityType.RELOCATION) is Source.STATED
    assert sc.state("NL").source(SolidarityType.FINANCIAL) is Source.ASSUMED  # limits are per type


# --- frozen, picklable, digests -------------------------------------------------------

def test_loaded_scenario_is_frozen():
    sc = parse_scenario(MINIMAL + "[states.AT]\ndeduction = 0.5\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.year = 2027  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.pool.relocations = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        sc.states["AT"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        sc.document["pool"]["relocations"] = 1
    assert hash(sc.pool) == hash(parse_scenario(MINIMAL + "[states.AT]\ndeduction = 0.5\n").pool)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_scenario_pickles(path):
    sc = load_scenario(path, sets=["pool.sar_share=0.1"])
    back = pickle.loads(pickle.dumps(sc))
    assert back == sc and back.digest == sc.digest and back.sets == ("pool.sar_share=0.1",)
    assert back.document == sc.document and back.overrides == sc.overrides


def test_digest_changes_with_set_and_is_logged():
    path = SCENARIOS / "2026-adopted.toml"
    plain = load_scenario(path)
    more = load_scenario(path, sets=["pool.relocations=25000"])
    assert more.digest != plain.digest and more.pool.relocations == 25_000
    assert more.overrides == ("pool.relocations: 21000 -> 25000 (--set)",
                              "pool.financial_eur: 420000000 -> 500000000 (kept EUR 20 000 per relocation)")
    assert more.sets == ("pool.relocations=25000",)
    assert load_scenario(path, sets=["pool.relocations=25000"]).digest == more.digest


def test_digest_equal_for_the_same_effective_document(write):
    path = SCENARIOS / "2026-adopted.toml"
    plain = load_scenario(path)
    # a --set to the value already there changes nothing
    assert load_scenario(path, sets=["pool.relocations=21000"]).digest == plain.digest
    # the file edited to what --set gave: the same effective document
    edited = write("edited.toml", path.read_text().replace("relocations = 21_000", "relocations = 25000")
                   .replace("financial_eur = 420_000_000", "financial_eur = 500_000_000"))  # the rate kept
    assert load_scenario(edited).digest == load_scenario(path, sets=["pool.relocations=25000"]).digest
    # comments, key order and number spelling do not count
    a = parse_scenario(MINIMAL)
    b = parse_scenario("# note\n[pool]\nfinancial_eur = 420_000_000\nrelocations = 21_000\n"
                       "[scenario]\nyear = 2026\nname = 'minimal'\n")
    assert a.digest == b.digest and a == b
    # a type change is a change: 21000.0 is not 21000
    c = parse_scenario(MINIMAL.replace("21000", "21000.0"))
    assert c.pool == a.pool and c.digest != a.digest


def test_variant_changes_digest(write):
    path = write("v.toml", MINIMAL + "[variants.big.pool]\nrelocations = 30000\n")
    big = load_scenario(path, variant="big")
    assert big.pool.relocations == 30_000 and big.variant == "big"
    assert big.digest != load_scenario(path).digest
    assert big.overrides == ("pool.relocations: 21000 -> 30000 (variant big)",
                             "pool.financial_eur: 420000000 -> 600000000 (kept EUR 20 000 per relocation)")


# --- robustness: any document gives a Scenario or an InputError -----------------------

_scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.text(max_size=6), st.dates(), st.just(10**400), st.sampled_from(sorted(KNOWN_CODES)))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)), max_leaves=8)
_PATHS = ["participants", "pool.relocations", "pool.financial_eur", "pool.equivalence_eur", "pool.sar_share",
          "pool", "key.method", "key.population_weight", "key", "data.population_year", "data.gdp_filters",
          "states.AT", "states.AT.deduction", "states.AT.fixed", "states.AT.mix", "states.AT.min",
          "states.IT.preferred", "beneficiaries.IT", "beneficiaries.IT.needs", "beneficiaries.IT.sar",
          "crisis", "crisis.state", "crisis.relocations", "crisis.additional", "solver.time_limit",
          "solver.mip_gap", "solver.name", "offsets.identified_needs", "allocation.flows", "scenario.year",
          "scenario"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _values), min_size=1, max_size=4))
def test_fuzz_any_value_anywhere_is_a_scenario_or_an_input_error(changes):
    data = tomllib.loads(MINIMAL)
    for path, value in changes:
        node = data
        *head, last = path.split(".")
        for k in head:
            if not isinstance(node.get(k), dict):
                node[k] = {}
            node = node[k]
        node[last] = value
    try:
        sc = validate(data, file="fuzz.toml")
    except InputError as err:
        text = str(err)
        assert err.problems and all(p.file == "fuzz.toml" for p in err.problems)
        assert len(text) < 2000 * len(err.problems)
        return
    assert isinstance(sc, Scenario)
    assert 0 <= sc.pool.relocations <= MAX_AMOUNT and 0 <= sc.pool.financial_eur <= MAX_AMOUNT
    assert sc.pool.rate >= 1 and sc.pool.value_eur <= MAX_AMOUNT
    pickle.loads(pickle.dumps(sc))


def test_dates_and_times_are_shown_as_toml():
    assert "pool.relocations = 2026-01-01T10:00:00: wrong type: a date-time" in only(
        pool(relocations="2026-01-01T10:00:00"))
    assert "pool.relocations = 10:00:00: wrong type: a time of day" in only(pool(relocations="10:00:00"))
    assert dt.date(2026, 1, 1).isoformat() == "2026-01-01"


# --- the pool's two units: one rule for every override ---------------------------

def _pool_after(tmp_path, text: str, sets=(), variant=None):
    path = tmp_path / "pool.toml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path, sets=list(sets), variant=variant)
    return sc.pool, sc.overrides


@pytest.mark.parametrize("sets, r, f, e, rate", [
    (["pool.relocations=25000"], 25_000, 500_000_000, None, 20_000),     # R alone: F = R x e
    (["pool.financial_eur=500000000"], 25_000, 500_000_000, None, 20_000),  # F alone: R = F / e
    (["pool.financial_eur=30000"], 2, 30_000, 20_000, 20_000),  # F / R = 15 000 is not e: e pinned
    (["pool.relocations=25000", "pool.equivalence_eur=10000"], 25_000, 250_000_000, 10_000, 10_000),
    (["pool.relocations=30000", "pool.financial_eur=500000000"], 30_000, 500_000_000, None, 16_667),  # both
])
def test_an_override_of_one_unit_keeps_the_files_rate(tmp_path, sets, r, f, e, rate):
    pool, _ = _pool_after(tmp_path, MINIMAL, sets)
    assert (pool.relocations, pool.financial_eur, pool.equivalence_eur, pool.rate) == (r, f, e, rate)


def test_the_kept_rate_is_the_files_own(tmp_path):
    text = MINIMAL.replace("420000000", "420000000\nequivalence_eur = 15000")
    pool, overrides = _pool_after(tmp_path, text, ["pool.relocations=1000"])
    assert (pool.financial_eur, pool.rate) == (15_000_000, 15_000)
    assert overrides[-1] == "pool.financial_eur: 420000000 -> 15000000 (kept EUR 15 000 per relocation)"


def test_a_unit_the_file_gives_as_zero_stays_zero(tmp_path):
    pool, overrides = _pool_after(tmp_path, MINIMAL.replace("420000000", "0"), ["pool.relocations=25000"])
    assert (pool.relocations, pool.financial_eur, pool.value_eur) == (25_000, 0, 500_000_000)
    assert overrides == ("pool.relocations: 21000 -> 25000 (--set)",)


def test_a_variant_changing_one_unit_keeps_the_rate_too(tmp_path):
    text = MINIMAL + "[variants.small.pool]\nrelocations = 10000\n"
    pool, overrides = _pool_after(tmp_path, text, variant="small")
    assert (pool.relocations, pool.financial_eur) == (10_000, 200_000_000)
    assert overrides[-1].endswith("(kept EUR 20 000 per relocation)")


def test_both_units_set_says_the_new_rate(tmp_path):
    _, overrides = _pool_after(tmp_path, MINIMAL, ["pool.relocations=30000", "pool.financial_eur=500000000"])
    assert overrides[-1] == ("pool rate: EUR 20 000 -> EUR 16 667 per relocation "
                             "(relocations and financial_eur both set)")


def test_a_bad_override_is_left_to_the_validator(tmp_path):
    with pytest.raises(InputError, match="pool.relocations = -5: negative"):
        _pool_after(tmp_path, MINIMAL, ["pool.relocations=-5"])


def test_per_state_rounding_is_the_2015_designs_not_the_pacts():
    assert only(MINIMAL + "[key]\nmethod = 'per-state'\n") == (
        "s.toml: key.method = 'per-state': per-state rounding does not add up to R, which the "
        "relocations_apportioned column must (it is the 2015 relocation design's rounding); "
        "allowed: hamilton, webster, dhondt, huntington_hill, ceiling")
