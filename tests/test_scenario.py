"""Scenario validation: one test per message, all problems reported at once."""

import dataclasses

import pytest

from solidarity.errors import InputError
from solidarity.scenario import load_scenario, parse_scenario
from solidarity.schema import DEFAULT_PARTICIPANTS, Method, SolverName, Status

from .conftest import BUNDLED, MINIMAL


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="s.toml")
    return [str(p) for p in err.value.problems]


def only(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenarios_load(path):
    sc = load_scenario(path)
    assert sc.year == 2026 and len(sc.digest) == 64


def test_minimal_defaults():
    sc = parse_scenario(MINIMAL)
    assert sc.participants == DEFAULT_PARTICIPANTS and len(sc.participants) == 26
    assert sc.pool.rate == 20_000 and sc.key.method is Method.HAMILTON
    assert sc.solver.name is SolverName.HIGHS and sc.state("DE").status is Status.NONE


def test_loaded_scenario_is_frozen():
    sc = parse_scenario(MINIMAL + "[states.AT]\ndeduction = 0.5\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.year = 2027
    with pytest.raises(TypeError):
        sc.states["AT"] = None


def test_done_when_three_problems_in_one_message(write):
    path = write("bad.toml", MINIMAL.replace("relocations = 21000", "relocatons = 21000") + """
[states.AT]
deduction = -0.2
[states.XX]
status = "at_risk"
""")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "pool.relocatons: unknown key (did you mean 'relocations'?)" in msg
    assert "states.AT.deduction = -0.2: out of range; allowed: a number from 0 to 1" in msg
    assert "states.XX = 'XX': unknown country code" in msg


def test_syntax_error():
    assert "not valid TOML" in only("[scenario\n")


def test_unknown_top_level_key():
    assert "pools: unknown key (did you mean 'pool'?); allowed:" in problems(MINIMAL + "[pools]\n")[0]


def test_missing_scenario_table_and_pool():
    found = problems("[key]\nmethod = 'hamilton'\n")
    assert any("scenario: required table is missing" in f for f in found)
    assert any("pool: required table is missing" in f for f in found)


def test_missing_required_key():
    assert "pool.financial_eur: required key is missing" in only(
        "[scenario]\nname='x'\nyear=2026\n[pool]\nrelocations=1\n")


def test_wrong_type():
    assert "pool.relocations = '21000': wrong type; allowed: whole persons >= 0" in only(
        MINIMAL.replace("relocations = 21000", "relocations = '21000'"))


def test_year_out_of_range():
    assert "scenario.year = 1999: out of range" in only(MINIMAL.replace("2026", "1999"))


def test_float_euros_rejected():
    assert "pool.financial_eur = 420000000.5: wrong type; allowed: whole euros" in only(
        MINIMAL.replace("420000000", "420000000.5"))


def test_unknown_enum_value():
    assert "key.method = 'dhont': unknown value; allowed: hamilton, webster, dhondt" in only(
        MINIMAL + "[key]\nmethod = 'dhont'\n")
    assert "states.AT.status = 'pressure': unknown value" in only(
        MINIMAL + "[states.AT]\nstatus = 'pressure'\n")
    assert "solver.name = 'gurobi': unknown value; allowed: highs, cbc, pulp-highs" in only(
        MINIMAL + "[solver]\nname = 'gurobi'\n")


def test_country_code_hints():
    assert "Eurostat writes Greece as EL" in only(MINIMAL + "[states.GR]\n")
    assert "codes are upper case: AT" in only(MINIMAL + "[states.at]\n")


def test_duplicate_participant():
    assert "participants[2] = 'AT': duplicate country code" in only(
        'participants = ["AT", "BE", "AT"]\n' + MINIMAL)


def test_participants_wrong_type():
    assert "participants = 'AT': wrong type" in only('participants = "AT"\n' + MINIMAL)


def test_state_not_participant():
    assert "states.DK = 'DK': not a participant" in only(MINIMAL + "[states.DK]\n")
    assert "beneficiaries.DK = 'DK': not a participant" in only(MINIMAL + "[beneficiaries.DK]\n")


def test_min_above_max():
    assert "states.AT.min.relocations = 10: greater than max (5)" in only(
        MINIMAL + "[states.AT]\nmin = {relocations = 10}\nmax = {relocations = 5}\n")


def test_unknown_amount_key():
    assert ("states.AT.max.relocation: unknown key (did you mean 'relocations'?); "
            "allowed: alternative_eur, financial_eur, relocations") in only(
        MINIMAL + "[states.AT]\nmax = {relocation = 10}\n")


def test_fixed_excludes_limits():
    assert "fixed pledges exclude min, max, preferred and mix" in only(
        MINIMAL + "[states.AT]\nfixed = {}\nmin = {relocations = 1}\n")


def test_mix_must_sum_to_one():
    assert "states.AT.mix" in only(MINIMAL + "[states.AT]\nmix = {relocation = 0.5, financial = 0.4}\n")


def test_mix_and_preferred_exclusive():
    assert "give either preferred amounts or a mix" in only(
        MINIMAL + "[states.AT]\nmix = {financial = 1.0}\npreferred = {relocations = 3}\n")


def test_key_weights_must_sum_to_one():
    assert "weights do not add up to 1" in only(
        MINIMAL + "[key]\npopulation_weight = 0.6\ngdp_weight = 0.6\n")


def test_data_file_not_found():
    assert "data.gdp_file = 'nope.tsv': file not found" in only(
        MINIMAL + "[data]\ngdp_file = 'nope.tsv'\n")


def test_sar_must_be_boolean():
    assert "beneficiaries.IT.sar = 'yes': wrong type; allowed: true or false" in only(
        MINIMAL + "[beneficiaries.IT]\nsar = 'yes'\n")


def test_time_limit_positive():
    assert "solver.time_limit = 0: out of range" in only(MINIMAL + "[solver]\ntime_limit = 0\n")


def test_table_expected():
    assert "pool = 3: must be a table; allowed: a TOML table" in only("pool = 3\n[scenario]\nname='x'\nyear=2026\n")


def test_equivalence_rate_default_and_rounding():
    sc = parse_scenario(MINIMAL.replace("420000000", "420000001"))
    assert sc.pool.rate == 20_000  # 420 000 001 / 21 000 = 20 000.00005 -> 20 000
    assert parse_scenario(MINIMAL + "equivalence_eur = 25000\n").pool.rate == 25_000


def test_empty_mix():
    assert "states.AT.mix = {}: empty mix" in only(MINIMAL + "[states.AT]\nmix = {}\n")


def test_filters_wrong_type():
    assert "data.gdp_filters = {'unit': 3}: wrong type" in only(MINIMAL + "[data]\ngdp_filters = {unit = 3}\n")


def test_unknown_participant_code():
    assert "participants[1] = 'UK': unknown country code (the United Kingdom is not bound by the AMMR)" in only(
        'participants = ["AT", "UK"]\n' + MINIMAL)


def test_cannot_read_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")


def test_crisis_validation():
    assert "crisis.state: required key is missing" in only(MINIMAL + "[crisis]\nrelocations = 5\n")
    assert "crisis.state = 'DK': not a participant" in only(MINIMAL + "[crisis]\nstate = 'DK'\nrelocations = 5\n")
    assert "crisis.relocations = -5: out of range" in only(MINIMAL + "[crisis]\nstate = 'EL'\nrelocations = -5\n")
    assert "crisis.additional.XX = 'XX': unknown country code" in only(
        MINIMAL + "[crisis]\nstate = 'EL'\nrelocations = 5\nadditional = {XX = 3}\n")


def test_offsets_and_new_state_keys_validation():
    assert "offsets.needs_share = 1.5: out of range" in only(MINIMAL + "[offsets]\nneeds_share = 1.5\n")
    assert "pool.redistribute_deductions = 'yes': wrong type; allowed: true or false" in only(
        MINIMAL + "redistribute_deductions = 'yes'\n")
    assert "states.FR.implemented = 2: out of range" in only(MINIMAL + "[states.FR]\nimplemented = 2\n")
    assert "states.FR.credit_eur = -1: out of range" in only(MINIMAL + "[states.FR]\ncredit_eur = -1\n")
