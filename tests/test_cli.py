"""Command line: outputs, streams and exact exit codes."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from solidarity.cli import app

from .conftest import MINIMAL, SCENARIOS

ADOPTED = str(SCENARIOS / "2026-adopted.toml")


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args])
    return invoke


def test_key_default_prints_26_states(cli):
    res = cli("key")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("geo,country,status,population") and len(lines) == 27
    from io import StringIO
    t = pd.read_csv(StringIO(res.stdout))
    assert t["fair_relocations"].sum() == 21_000 and abs(t["key_share"].sum() - 1) < 1e-12


def test_key_options(cli):
    res = cli("key", "--participants", "DE,FR,IT", "--relocations", "100", "--financial-eur", "1000000",
              "--method", "webster", "--population-year", "2024", "-f", "json")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert [r["geo"] for r in doc["rows"]] == ["DE", "FR", "IT"]
    assert sum(r["fair_relocations"] for r in doc["rows"]) == 100
    assert doc["columns"]["obligation_eur"].startswith("obligation")


def test_key_markdown_and_files(cli, tmp_path):
    assert cli("key", "-f", "md").stdout.startswith("| geo | country |")
    res = cli("key", "-o", tmp_path, "-f", "parquet", "-f", "csv")
    assert res.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shares.csv", "shares.parquet"]


def test_key_errors(cli):
    res = cli("key", "--participants", "DE,XX,DE")
    assert res.exit_code == 3
    assert "2 problems" in res.stderr and "'XX'" in res.stderr and "duplicate" in res.stderr
    assert cli("key", "-f", "parquet").exit_code == 3  # binary to stdout refused
    assert cli("key", "--gdp-year", "1990").exit_code == 3
    assert cli("key", "--relocations", "-5").exit_code == 2  # usage error


def test_run_writes_every_table_in_every_format(cli, tmp_path):
    res = cli("run", ADOPTED, "-o", tmp_path)
    assert res.exit_code == 0, res.stderr
    names = {p.name for p in tmp_path.iterdir()}
    tables = ["shares", "obligations", "pledges", "flows", "beneficiaries", "pool", "offsets", "meta"]
    assert names == {f"{t}.{f}" for t in tables for f in ("csv", "parquet", "json")} | {"summary.md"}
    assert "| relocations | persons | 21 000 |" in res.stdout
    assert "verified" in res.stderr
    again = tmp_path / "again"
    assert cli("run", ADOPTED, "-o", again).exit_code == 0
    for name in names:
        assert (tmp_path / name).read_bytes() == (again / name).read_bytes(), name


def test_run_options(cli, tmp_path):
    lp = tmp_path / "model.lp"
    res = cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "--solver", "cbc", "--write-lp", lp,
              "--record-runtime")
    assert res.exit_code == 0, res.stderr
    meta = pd.read_csv(tmp_path / "meta.csv").set_index("key")["value"]
    assert meta["solver"] == "CBC bundled with PuLP" and float(meta["runtime_s"]) > 0
    assert lp.read_text().startswith("\\*")


def test_run_bad_scenario_exit_3_no_traceback(cli, write):
    path = write("bad.toml", MINIMAL.replace("relocations", "relocatons") +
                 "[states.AT]\ndeduction = -0.2\n[states.XX]\n")
    res = cli("run", path)
    assert res.exit_code == 3
    assert "4 problems found" in res.stderr and str(path) in res.stderr
    assert "pool.relocatons: unknown key (did you mean 'relocations'?)" in res.stderr
    assert "pool.relocations: required key is missing" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_run_missing_file(cli, tmp_path):
    res = cli("run", tmp_path / "none.toml")
    assert res.exit_code == 3 and "cannot read" in res.stderr


def test_run_solver_failure_exit_4(cli, write, monkeypatch):
    import solidarity.solve as S
    from solidarity.schema import SolverName, SolveStatus

    monkeypatch.setitem(S._BACKENDS, SolverName.HIGHS,
                        lambda *a: S._Raw(SolveStatus.INFEASIBLE, None, None, "infeasible"))
    res = cli("run", write("s.toml", MINIMAL))
    assert res.exit_code == 4 and "no usable solution" in res.stderr


def test_run_verification_failure_exit_5(cli, write, monkeypatch):
    import solidarity.pipeline as P

    monkeypatch.setattr(P, "verify", lambda *a: ["AT: invented violation"])
    res = cli("run", write("s.toml", MINIMAL))
    assert res.exit_code == 5 and "AT: invented violation" in res.stderr


def test_internal_error_exit_1_and_debug(cli, write, monkeypatch):
    import solidarity.pipeline as P

    def boom(*a, **k):
        raise RuntimeError("bug")
    monkeypatch.setattr(P, "build", boom)
    path = write("s.toml", MINIMAL)
    res = cli("run", path)
    assert res.exit_code == 1 and "internal error: RuntimeError: bug" in res.stderr
    res = CliRunner().invoke(app, ["--debug", "run", str(path)])
    assert isinstance(res.exception, RuntimeError)


def test_validate(cli, write):
    res = cli("validate", ADOPTED)
    assert res.exit_code == 0 and "valid" in res.stdout and "26 participants" in res.stdout
    bad = write("bad.toml", MINIMAL + "[data]\npopulation_year = 2030\n")
    res = cli("validate", bad)
    assert res.exit_code == 3 and "year = 2030: year not in the file" in res.stderr


def test_installed_entry_point_no_traceback(write):
    path = write("bad.toml", "[scenario]\n")
    proc = subprocess.run([sys.executable, "-m", "solidarity", "validate", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert "scenario.year: required key is missing" in proc.stderr


def test_cycle_command(cli, tmp_path):
    res = cli("cycle", SCENARIOS / "ledger-3y", "-o", tmp_path, "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "ledger.csv").is_file() and (tmp_path / "2027" / "pool.csv").is_file()
    assert (tmp_path / "2026" / "credits.csv").is_file() and "3 cycles run and verified" in res.stderr
    assert "| 2 027 |" in res.stdout
    led = pd.read_csv(tmp_path / "ledger.csv")
    assert set(led["year"]) == {2026, 2027, 2028} and len(led) == 3 * 26


def test_cycle_bad_input_exit_3(cli, tmp_path):
    res = cli("cycle", tmp_path)
    assert res.exit_code == 3 and "no scenario files" in res.stderr
