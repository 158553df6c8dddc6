"""The scenario files' JSON Schema (``solidarity schema``) against the
validator: every bundled scenario passes, every broken corpus file the
validator rejects for a reason a schema can express is rejected."""

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import InputError
from solidarity.inputs.json_schema import scenario_schema
from solidarity.inputs.scenario import load_scenario

from .conftest import SCENARIOS

jsonschema = pytest.importorskip("jsonschema")  # a test dependency ([test] extra)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "corpus"
BUNDLED = sorted({*SCENARIOS.rglob("*.toml"), *(ROOT / "solidarity" / "_scenarios").rglob("*.toml")})

#: Corpus files the validator rejects for a rule no JSON Schema can state:
#: rules across keys, data files on disk, and NaN (no comparison rejects it).
BEYOND_A_SCHEMA = {
    "beneficiary-not-participant.toml": "a code must be among the participants",
    "crisis-additional-not-participant.toml": "a code must be among the participants",
    "crisis-not-participant.toml": "a code must be among the participants",
    "state-not-participant.toml": "a code must be among the participants",
    "data-file-climb.toml": "the data file's place on disk",
    "data-file-device.toml": "the data file's place on disk",
    "data-file-missing.toml": "the data file's place on disk",
    "data-file-outside.toml": "the data file's place on disk",
    "nan-deduction.toml": "NaN passes every bound",
    "persons-worth-too-much.toml": "persons times the pool's rate",
    "rate-zero.toml": "F / R, two keys",
    "zero-pool.toml": "R and F both 0, two keys",
}


@pytest.fixture(scope="module")
def validator():
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _data(path: Path):
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):  # TOMLDecodeError, or too many digits for an int
        return None  # not TOML: an editor says so before any schema


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_bundled_scenario_is_valid_under_the_schema(validator, path):
    assert [e.message for e in validator.iter_errors(_data(path))] == []


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.toml")), ids=lambda p: p.name)
def test_the_schema_agrees_with_the_validator_on_the_corpus(validator, path):
    data = _data(path)
    if data is None:
        pytest.skip("not TOML text")
    try:
        load_scenario(path)
        valid = True
    except InputError:
        valid = False
    errors = list(validator.iter_errors(data))
    if valid:
        assert errors == [], path.name
    elif path.name in BEYOND_A_SCHEMA:
        assert errors == [], f"{path.name} is now caught by the schema: take it off the list"
    else:
        assert errors, f"{path.name}: the validator rejects it, the schema does not"


def test_the_schema_describes_every_key_with_its_meaning():
    schema = scenario_schema()
    pool = schema["properties"]["pool"]
    assert pool["required"] == ["relocations", "financial_eur"] and pool["additionalProperties"] is False
    assert pool["properties"]["relocations"]["description"].startswith("R, the pool in persons (Art 57(1))")
    state = schema["properties"]["states"]["additionalProperties"]
    assert state["properties"]["status"]["enum"] == ["none", "under_pressure", "at_risk", "significant_situation"]
    assert "DE" in schema["properties"]["states"]["propertyNames"]["pattern"]


def test_schema_command_prints_and_writes_it(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0 and json.loads(res.stdout) == scenario_schema()
    out = tmp_path / "scenario.schema.json"
    assert runner.invoke(app, ["schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == scenario_schema()
    again = runner.invoke(app, ["schema", "-o", str(out)])
    assert again.exit_code == 7
    assert again.stderr == f"error: cannot write {out}: the file exists (use --force to replace it, or choose " \
                           "another name)\n"
    assert runner.invoke(app, ["schema", "-o", str(out), "--force"]).exit_code == 0
    folder = runner.invoke(app, ["schema", "-o", str(tmp_path)])
    assert folder.exit_code == 7
    assert folder.stderr == f"error: cannot write {tmp_path}: is a folder, not a file (name a file such as " \
                            "scenario.schema.json)\n"


@pytest.mark.parametrize("design, body, valid", [
    ("relocation-2015", "[design.pledges]\nDE = 100\n", True),
    ("pact-2020", "return_rate = 0.4\n[design.pledges.DE]\nrelocations = 100\n", True),
    # one path, two shapes: a number of persons under 2015/1523, a table of pledges in the 2020 proposal
    ("pact-2020", "return_rate = 0.4\n[design.pledges]\nDE = 100\n", False),
    ("relocation-2015", "[design.pledges.DE]\nrelocations = 100\n", False),
    ("dublin-iv", "no_such_key = 1\n", False),
    ("dublin-iv", "trigger_percent = 150\n", True),
])
def test_a_designs_keys_are_checked_in_that_designs_branch(validator, design, body, valid):
    text = (f'[scenario]\nname = "x"\nyear = 2016\n[pool]\nrelocations = 1\nfinancial_eur = 0\n'
            f'[design]\nkind = "{design}"\n' + (body if not body.startswith("[") else "") +
            (body if body.startswith("[") else ""))
    errors = list(validator.iter_errors(tomllib.loads(text)))
    assert (not errors) is valid, [e.message for e in errors]
