"""Command line: outputs, streams and exact exit codes (see solidarity.errors.ExitCode)."""

import json
import os
import subprocess
import sys
import textwrap
from io import StringIO

import pandas as pd
import pytest
from typer.testing import CliRunner

from solidarity import __version__
from solidarity.cli import app
from solidarity.errors import ExitCode
from solidarity.inputs.scenario import load_scenario

from .conftest import MINIMAL, SCENARIOS

ADOPTED = SCENARIOS / "2026-adopted.toml"
SAR = SCENARIOS / "sar-binding.toml"
TABLES = ["shares", "obligations", "pledges", "flows", "beneficiaries", "pool", "offsets", "meta"]


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args])
    return invoke


@pytest.fixture
def minimal(write):
    return write("minimal.toml", MINIMAL)


def python_m(*args, **kwargs) -> subprocess.CompletedProcess:
    """``python -m solidarity ARGS`` in a child process."""
    return subprocess.run([sys.executable, "-m", "solidarity", *map(str, args)], capture_output=True,
                          text=True, timeout=300, check=False, **kwargs)


def no_traceback(res) -> None:
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr


def meta(folder) -> pd.Series:
    return pd.read_csv(folder / "meta.csv").set_index("key")["value"]


def test_exit_codes_are_the_documented_ones():
    assert [int(c) for c in ExitCode] == list(range(9))


# --- run -------------------------------------------------------------------------

def test_run_writes_tables_manifest_and_prints_a_summary(cli, tmp_path):
    out = tmp_path / "out"
    res = cli("run", ADOPTED, "-o", out)
    assert res.exit_code == 0, res.stderr
    names = {p.name for p in out.iterdir()}
    assert names == ({f"{t}.{f}" for t in TABLES for f in ("csv", "parquet", "json")}
                     | {"summary.md", "scenario.toml", "manifest.json"})
    manifest = json.loads((out / "manifest.json").read_text())
    sc = load_scenario(ADOPTED)
    assert manifest["identity"] == "run 2026-adopted.toml" and manifest["scenario_sha256"] == sc.digest
    assert set(manifest["outputs"]) == names - {"manifest.json"}
    assert {i["role"] for i in manifest["inputs"]} == {"scenario", "population", "gdp"}
    assert meta(out)["scenario_sha256"] == sc.digest and meta(out)["overrides"] == "none"
    # the summary on stdout, messages on stderr
    assert res.stdout.startswith("2026 adopted pool (2026): 26 participants share a pool of EUR 420 000 000 "
                                 "(21 000 relocations at EUR 20 000 each).")
    assert "| pool_value | EUR | 420 000 000 |" in res.stdout
    assert f"wrote {len(names)} files to {out}" in res.stderr
    assert "2026 adopted pool: optimal with HiGHS via highspy, verified" in res.stderr
    no_traceback(res)
    # the same run again gives the same tables, byte for byte
    again = tmp_path / "again"
    assert cli("run", ADOPTED, "-o", again, "-q").exit_code == 0
    for name in names - {"manifest.json"}:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_run_default_output_folder_and_quiet(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = cli("run", ADOPTED, "-f", "csv", "-q")
    assert res.exit_code == 0, res.stderr
    assert res.stderr == "" and res.stdout == ""  # quiet: the tables are in the folder
    assert (tmp_path / "out" / "2026-adopted" / "pool.csv").is_file()


def test_run_without_proposal_assumes_the_art_12_2_minimum(cli, tmp_path):
    """Issue 13: Art 63(1) measures relocation pledges against the Commission
    proposal, not the adopted pool. The 2026 adopted pool without its proposal
    numbers: 50 % x the Art 12(2) minimum of 30 000 = 15 000 (not 50 % x
    21 000 = 10 500), flagged as assumed in pool, meta and on stderr."""
    text = ADOPTED.read_text()
    drop = ("proposal_relocations = 30_000", "proposal_financial_eur = 600_000_000")
    lines = [line for line in text.splitlines() if not line.startswith(drop)]
    assert len(lines) == len(text.splitlines()) - 2, "2026-adopted.toml should give both proposal numbers"
    path = tmp_path / "no-proposal.toml"
    path.write_text("\n".join(lines) + "\n")
    res = cli("run", path, "-o", tmp_path / "out", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert ("no-proposal.toml: no pool.proposal_relocations and pool.proposal_financial_eur: the Commission "
            "proposal is assumed to be the Art 12(2) minimum (30 000 persons, EUR 600 000 000) for Art 63(1)"
            in res.stderr)
    pool = pd.read_csv(tmp_path / "out" / "pool.csv").set_index("item")
    assert pool.at["art63_1_voluntary_offsets", "reference"] == 15_000
    assert pool.at["proposal_relocations", "amount"] == 30_000
    assert pool.at["proposal_relocations", "status"] == "assumed"
    assert pool.at["proposal_financial_eur", "amount"] == 600_000_000
    assert "Art 12(2) minimum is assumed" in pool.at["proposal_financial_eur", "rule"]
    assert meta(tmp_path / "out")["proposal_assumed"] == ("relocations (Art 12(2) minimum), "
                                                          "financial_eur (Art 12(2) minimum)")
    quiet = cli("run", path, "-o", tmp_path / "q", "-f", "csv", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    # given in the file: nothing assumed, nothing said
    given = cli("run", ADOPTED, "-o", tmp_path / "given", "-f", "csv")
    assert "Art 12(2) minimum" not in given.stderr
    assert meta(tmp_path / "given")["proposal_assumed"] == "none"


def test_run_set_logs_the_override_and_changes_the_digest(cli, tmp_path):
    res = cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "--set", "pool.relocations=25000")
    assert res.exit_code == 0, res.stderr
    kept = "pool.financial_eur: 420000000 -> 500000000 (kept EUR 20 000 per relocation)"
    assert res.stderr.startswith(f"override pool.relocations: 21000 -> 25000 (--set)\noverride {kept}\n")
    digest = meta(tmp_path)["scenario_sha256"]
    assert digest != load_scenario(ADOPTED).digest
    assert digest == load_scenario(ADOPTED, sets=["pool.relocations=25000"]).digest
    assert meta(tmp_path)["overrides"] == f"pool.relocations: 21000 -> 25000 (--set); {kept}"
    effective = (tmp_path / "scenario.toml").read_text()
    assert "# pool.relocations: 21000 -> 25000 (--set)\n" in effective and f"# {kept}\n" in effective
    assert "\nrelocations = 25000\n" in effective and "\nfinancial_eur = 500000000\n" in effective
    assert "(25 000 relocations at EUR 20 000 each)" in res.stdout  # the rate is kept


def test_set_relocations_and_key_relocations_give_the_same_figures(cli, tmp_path):
    """One rule for the pool's two units: R alone keeps the rate, in a
    scenario's --set as in the key command."""
    run = cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "--set", "pool.relocations=25000")
    assert run.exit_code == 0, run.stderr
    key = cli("key", "--relocations", "25000", "-f", "csv")
    assert key.exit_code == 0, key.stderr
    ran = pd.read_csv(tmp_path / "shares.csv", index_col="geo")
    keyed = pd.read_csv(StringIO(key.stdout), index_col="geo")
    cols = ["fair_share_eur", "fair_share_relocations"]
    assert ran.loc["DE", cols].tolist() == keyed.loc["DE", cols].tolist() == [108_428_618, 5422]


def test_key_financial_alone_keeps_the_rate_and_both_set_it(cli):
    alone = cli("key", "--financial-eur", "500000000", "-f", "csv")
    assert alone.exit_code == 0, alone.stderr
    assert "EUR 20 000 per relocation" in alone.stderr
    de = pd.read_csv(StringIO(alone.stdout), index_col="geo").loc["DE"]
    assert de["fair_share_relocations"] == 5422  # R = 500 M / 20 000 = 25 000
    both = cli("key", "--financial-eur", "500000000", "--relocations", "30000", "-f", "csv")
    assert both.exit_code == 0 and "EUR 16 667 per relocation" in both.stderr


def test_setting_both_units_says_the_rate_changed(cli, tmp_path):
    res = cli("validate", ADOPTED, "--set", "pool.relocations=30000", "--set", "pool.financial_eur=500000000")
    assert res.exit_code == 0, res.stderr
    assert ("override pool rate: EUR 20 000 -> EUR 16 667 per relocation (relocations and financial_eur "
            "both set)\n") in res.stderr


def test_run_into_another_scenarios_folder_needs_force(cli, tmp_path):
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv").exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    res = cli("run", SAR, "-o", tmp_path, "-f", "csv")
    assert res.exit_code == 7
    assert res.stderr.endswith(f"error: cannot write {tmp_path}: the folder holds the outputs of another "
                               "run ('run 2026-adopted.toml'); its 10 files would be replaced (use --force to "
                               "replace them, or choose another folder)\n")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # untouched
    no_traceback(res)
    # the same scenario again replaces its own outputs without --force
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv").exit_code == 0
    res = cli("run", SAR, "-o", tmp_path, "-f", "csv", "--force")
    assert res.exit_code == 0, res.stderr
    assert json.loads((tmp_path / "manifest.json").read_text())["identity"] == "run sar-binding.toml"
    assert meta(tmp_path)["scenario"] == "SAR share binding"


def test_output_path_that_is_a_file_exits_7(cli, tmp_path, minimal):
    target = tmp_path / "taken"
    target.write_text("keep me")
    for args in (("run", minimal, "-o", target), ("key", "-o", target)):
        res = cli(*args)
        assert res.exit_code == 7, args
        assert f"error: cannot write {target}: it is a file, not a folder" in res.stderr
        no_traceback(res)
    assert target.read_text() == "keep me"


def test_run_bad_scenario_exits_3_with_every_problem(cli, write):
    path = write("bad.toml", MINIMAL.replace("relocations", "relocatons")
                 + "[states.AT]\ndeduction = -0.2\n[states.XX]\n")
    res = cli("run", path)
    assert res.exit_code == 3 and res.stdout == ""
    assert res.stderr == (
        "error: 4 problems found:\n"
        f"  - {path}: pool.relocatons: unknown key (did you mean 'relocations'?); allowed: equivalence_eur, "
        "financial_eur, proposal_financial_eur, proposal_relocations, redistribute_deductions, relocations, "
        "sar_share\n"
        f"  - {path}: pool.relocations: required key is missing; allowed: whole persons\n"
        f"  - {path}: states.AT.deduction = -0.2: negative; allowed: a number from 0 to 1\n"
        f"  - {path}: states.XX = 'XX': unknown country code; allowed: Eurostat two-letter codes: AT, BE, BG, "
        "CH, CY, CZ, DE, DK, EE, EL, ES, FI, FR, HR, HU, IE, IS, IT, LI, LT, LU, LV, MT, NL, NO, PL, PT, RO, "
        "SE, SI, SK\n")


def test_run_bad_set_names_set_as_the_place(cli):
    res = cli("run", ADOPTED, "--set", "pool.relocations=-5")
    assert res.exit_code == 3
    assert ("  - --set: pool.relocations = -5: negative; allowed: whole persons from 0 to "
            "1_000_000_000_000_000\n") in res.stderr
    res = cli("run", ADOPTED, "--variant", "nope")
    assert res.exit_code == 3
    assert f"{ADOPTED}: variants.nope: unknown variant; allowed: none: this file has no" in res.stderr


def test_conflicting_scenario_exits_4(cli, write):
    path = write("conflict.toml", MINIMAL + "[states.AT]\nfixed = { alternative_eur = 1000 }\n")
    res = cli("run", path)
    assert res.exit_code == 4 and res.stdout == ""
    assert res.stderr == (
        f"error: {path}: the scenario's constraints conflict:\n"
        "  - the recorded pledges of AT (EUR 1 000 of alternative measures) exceed the alternative measures "
        "requested by all beneficiaries (EUR 0); Art 57(2) allows them only up to requests\n")


def test_verifier_rejection_exits_5(cli, minimal, monkeypatch, tmp_path):
    import solidarity.pact.verify

    monkeypatch.setattr(solidarity.pact.verify, "verify_outcomes", lambda *a, **k: ["AT: invented violation"])
    res = cli("run", minimal, "-o", tmp_path / "out")
    assert res.exit_code == 5
    assert res.stderr.endswith("error: verification failed:\n  - AT: invented violation\n")
    assert not (tmp_path / "out").exists()  # nothing written
    no_traceback(res)


def _backend(monkeypatch, fake):
    import solidarity.optimise.solve as S
    from solidarity.schema import SolverName

    monkeypatch.setitem(S._BACKENDS, SolverName.HIGHS, fake)
    monkeypatch.setattr(S, "_chain", lambda *a: None)  # no LP-first path: every level meets the fake
    return S


def test_time_limit_reached_exits_6(cli, minimal, monkeypatch):
    from solidarity.schema import SolveStatus
    S = _backend(monkeypatch, lambda *a: S._Raw(SolveStatus.NOT_SOLVED, None, None, "time limit reached"))
    res = cli("run", minimal, "--time-limit", "0.001")
    assert res.exit_code == 6
    assert "error: HiGHS via highspy: stopped by a limit at level" in res.stderr
    assert "no solution to accept" in res.stderr
    no_traceback(res)


def test_missing_solver_exits_8(cli, minimal, monkeypatch):
    def missing(*a):
        raise ImportError("No module named 'highspy'")
    _backend(monkeypatch, missing)
    res = cli("run", minimal)
    assert res.exit_code == 8
    assert "error: No module named 'highspy'; available solvers: " in res.stderr
    no_traceback(res)


def test_no_usable_solution_exits_8(cli, minimal, monkeypatch):
    from solidarity.schema import SolveStatus
    S = _backend(monkeypatch, lambda *a: S._Raw(SolveStatus.INFEASIBLE, None, None, "infeasible"))
    res = cli("run", minimal)
    assert res.exit_code == 8 and "no usable solution" in res.stderr


# --- internal errors and --debug ------------------------------------------------------

def _boom(*a, **k):
    raise RuntimeError("boom")


def test_internal_error_exits_1_without_a_traceback(cli, minimal, monkeypatch):
    import solidarity.pipeline

    monkeypatch.setattr(solidarity.pipeline, "load_data", _boom)
    res = cli("validate", minimal)
    assert res.exit_code == 1
    assert res.stderr == ("internal error: RuntimeError: boom\n"
                          "(run with --debug for a traceback and please report it)\n")
    assert isinstance(res.exception, SystemExit)


@pytest.mark.parametrize("where", ["after", "before"])
def test_debug_shows_the_exception(cli, minimal, monkeypatch, where):
    import solidarity.pipeline

    monkeypatch.setattr(solidarity.pipeline, "load_data", _boom)
    args = ["validate", minimal, "--debug"] if where == "after" else ["--debug", "validate", minimal]
    res = cli(*args)
    assert isinstance(res.exception, RuntimeError) and str(res.exception) == "boom"
    assert res.exit_code == 1


_CHILD = textwrap.dedent("""
    import sys
    import solidarity.pipeline
    def boom(*a, **k):
        raise RuntimeError("boom")
    solidarity.pipeline.load_data = boom
    from solidarity.cli import main
    sys.argv = ["solidarity", *sys.argv[1:]]
    main()
""")


def test_debug_after_the_command_prints_a_traceback(minimal):
    proc = subprocess.run([sys.executable, "-c", _CHILD, "validate", str(minimal), "--debug"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):")
    assert proc.stderr.rstrip().endswith("RuntimeError: boom")
    proc = subprocess.run([sys.executable, "-c", _CHILD, "validate", str(minimal)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("internal error: RuntimeError: boom\n")


# --- key -----------------------------------------------------------------------------

def test_key_to_stdout_as_csv(cli):
    res = cli("key")
    assert res.exit_code == 0, res.stderr
    t = pd.read_csv(StringIO(res.stdout))
    assert res.stdout.startswith("geo,country,status,population,") and len(t) == 26
    assert t["fair_share_eur"].sum() == 420_000_000 and t["relocations_apportioned"].sum() == 21_000
    assert (t["fair_share_relocations"] * 20_000 >= t["fair_share_eur"]).all()  # equivalents round up
    assert abs(t["key_share"].sum() - 1) < 1e-12
    assert res.stderr.endswith("EUR 20 000 per relocation\n")


def test_key_to_stdout_as_json_and_markdown(cli):
    res = cli("key", "--participants", "DE,FR,IT", "--relocations", "100", "--financial-eur", "1000000",
              "--method", "webster", "--population-year", "2024", "-f", "json")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"]["table"]["name"] == "shares" and doc["schema"]["primaryKey"] == ["geo"]
    assert [r["geo"] for r in doc["data"]] == ["DE", "FR", "IT"]
    assert sum(r["relocations_apportioned"] for r in doc["data"]) == 100
    assert sum(r["fair_share_eur"] for r in doc["data"]) == 1_000_000
    assert "EUR 10 000 per relocation" in res.stderr  # F / R
    res = cli("key", "-f", "md", "--participants", "AT,BE")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].startswith("| geo | country |") and lines[2].startswith("| AT | Austria |")
    assert len(lines) == 4


def test_key_relocations_keep_eur_20000_unless_equivalence_given(cli):
    t = pd.read_csv(StringIO(cli("key", "--relocations", "1000").stdout))
    assert t["fair_share_eur"].sum() == 1000 * 20_000 and t["relocations_apportioned"].sum() == 1000
    res = cli("key", "--relocations", "1000", "--equivalence-eur", "30000")
    assert res.exit_code == 0 and "EUR 30 000 per relocation" in res.stderr
    t = pd.read_csv(StringIO(res.stdout))
    assert t["fair_share_eur"].sum() == 1000 * 30_000 and t["relocations_apportioned"].sum() == 1000


def test_key_to_a_folder(cli, tmp_path):
    res = cli("key", "-o", tmp_path, "-f", "parquet", "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "shares.csv", "shares.parquet"]


def test_key_errors(cli):
    res = cli("key", "-f", "parquet")
    assert res.exit_code == 3 and res.stdout == ""
    assert ("command line: --format = ['parquet']: stdout takes exactly one text format; allowed: csv, json "
            "or md; use --output DIR for parquet") in res.stderr
    res = cli("key", "--participants", "DE,XX,DE")
    assert res.exit_code == 3 and res.stdout == ""
    assert ("error: 2 problems found:\n  - command line: --participants = 'XX': unknown country code"
            in res.stderr)
    assert "command line: --participants = 'DE': duplicate country code" in res.stderr
    res = cli("key", "--relocations", "-5")
    assert res.exit_code == 2 and "--relocations" in res.stderr
    assert cli("key", "--gdp-year", "1990").exit_code == 3
    assert cli("key", "--no-such-option").exit_code == 2
    res = cli("key", "--relocations", "1000", "--financial-eur", "1")
    assert res.exit_code == 3 and "the rate per relocation F / R = 1 / 1000 rounds to zero euros" in res.stderr


# --- cycle, validate, version, help -------------------------------------------------

def test_cycle_runs_the_three_years(cli, tmp_path):
    res = cli("cycle", SCENARIOS / "ledger-3y", "-o", tmp_path, "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "ledger.csv").is_file() and (tmp_path / "manifest.json").is_file()
    for year in (2026, 2027, 2028):
        assert (tmp_path / str(year) / "pool.csv").is_file()
        assert (tmp_path / str(year) / "scenario.toml").is_file()
    assert (tmp_path / "2026" / "credits.csv").is_file()
    assert "3 cycles run and verified" in res.stderr
    assert res.stdout.startswith("| year | obligation_eur |") and "| 2028 |" in res.stdout
    led = pd.read_csv(tmp_path / "ledger.csv")
    assert set(led["year"]) == {2026, 2027, 2028} and len(led) == 3 * 26


def test_cycle_of_an_empty_folder_exits_3(cli, tmp_path):
    res = cli("cycle", tmp_path)
    assert res.exit_code == 3 and "no scenario files" in res.stderr
    no_traceback(res)


def test_validate(cli, write):
    res = cli("validate", ADOPTED)
    assert res.exit_code == 0 and res.stderr == ""
    assert res.stdout == (f"{ADOPTED}: valid (2026 adopted pool, 2026; 26 participants, 4 beneficiaries; "
                          "population 2025, GDP 2024)\n")
    bad = write("bad.toml", MINIMAL + "[data]\npopulation_year = 2030\n")
    res = cli("validate", bad)
    assert res.exit_code == 3 and res.stdout == ""
    assert "population.csv: year = 2030: year not in the file; allowed: 2023-2025" in res.stderr


def test_version(cli):
    res = cli("--version")
    first, second = res.stdout.splitlines()
    assert res.exit_code == 0 and first == f"solidarity {__version__}"
    assert second.startswith("  python ") and ", highspy " in second


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["run", "-h"], ["key", "-h"], ["cycle", "-h"],
                                  ["validate", "-h"]])
def test_help(cli, args):
    res = cli(*args)
    assert res.exit_code == 0 and "Usage:" in res.stdout
    if args == ["-h"]:
        assert "Exit codes: 0 success;" in " ".join(res.stdout.split())
        assert all(c in res.stdout for c in ("run", "key", "cycle", "validate"))


def test_no_command_shows_help_and_exits_2(cli):
    res = cli()
    assert res.exit_code == 2 and "Usage:" in res.stdout + res.stderr


# --- process level ---------------------------------------------------------------------

def test_entry_point_bad_scenario_no_traceback(write):
    path = write("bad.toml", "[scenario]\n")
    proc = python_m("validate", path)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert f"  - {path}: scenario.year: required key is missing; allowed: a cycle year\n" in proc.stderr
    assert f"  - {path}: pool: required table is missing" in proc.stderr


def test_closed_stdout_ends_quietly():
    """The reader goes away before anything is written: the write fails with EPIPE."""
    with subprocess.Popen([sys.executable, "-m", "solidarity", "key"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=300) == 0
    assert "Traceback" not in err and "Exception ignored" not in err and "Broken pipe" not in err
    assert "error" not in err


def test_pipe_into_head():
    """``solidarity key | head -1``: one line out, exit 0, nothing on stderr but the data note."""
    proc = subprocess.run(["bash", "-o", "pipefail", "-c",
                           f"'{sys.executable}' -m solidarity key -f md | head -1"],
                          capture_output=True, text=True, timeout=300, check=False, env={**os.environ})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("| geo | country |") and proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


# rich is not here: typer formats its help with it (a core dependency)
_HEAVY = ("pulp", "highspy", "scipy", "matplotlib", "openpyxl", "dask", "distributed")


@pytest.mark.parametrize("args", [["--help"], ["key"], ["run", "--help"]])
def test_fast_start_imports_no_solver_stack(args):
    """`--help` and `key` never import the solvers or the optional extras.
    pyarrow is allowed only where pandas itself imports it (pandas 3 does,
    for its string dtype)."""
    code = (f"import sys\nsys.argv = ['solidarity', *{args!r}]\nfrom solidarity.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('LOADED:' + ','.join(m for m in {_HEAVY!r} + ('pyarrow',) if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    line = next(x for x in reversed(proc.stderr.splitlines()) if x.startswith("LOADED:"))
    loaded = set(filter(None, line.removeprefix("LOADED:").split(",")))
    pandas_pulls = subprocess.run([sys.executable, "-c", "import sys, pandas; print('pyarrow' in sys.modules)"],
                                  capture_output=True, text=True, check=False).stdout.strip() == "True"
    allowed = {"pyarrow"} if pandas_pulls else set()
    assert loaded - allowed == set(), loaded


# --- output folders that protect earlier work --------------------------------------

def _tree(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_what_if_run_leaves_the_baseline_folder_byte_identical(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("run", ADOPTED, "-q").exit_code == 0
    baseline = tmp_path / "out" / "2026-adopted"
    before = _tree(baseline)
    res = cli("run", ADOPTED, "--set", "pool.relocations=30000", "--set", "pool.financial_eur=600000000")
    assert res.exit_code == 0, res.stderr
    assert _tree(baseline) == before
    what_if = tmp_path / "out" / "2026-adopted--pool.relocations=30000--pool.financial_eur=600000000"
    assert f"files to {what_if}" in res.stderr
    assert json.loads((what_if / "manifest.json").read_text())["identity"] == (
        "run 2026-adopted.toml --set pool.relocations=30000 --set pool.financial_eur=600000000")
    low = tmp_path / "2026-adopted.toml"
    low.write_text(ADOPTED.read_text(encoding="utf-8") + "\n[variants.low.pool]\nsar_share = 0.1\n")
    assert cli("run", low, "-q", "-f", "csv", "--variant", "low").exit_code == 0
    assert _tree(baseline) == before and (tmp_path / "out" / "2026-adopted--low" / "pool.csv").is_file()


def test_a_what_if_into_the_baselines_folder_needs_force(cli, tmp_path):
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "-q").exit_code == 0
    res = cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "--set", "pool.relocations=30000")
    assert res.exit_code == 7
    assert (f"error: cannot write {tmp_path.resolve()}: the folder holds the outputs of another run "
            "('run 2026-adopted.toml'); its 10 files would be replaced (use --force to replace them, "
            "or choose another folder)\n") in res.stderr
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "-q", "--set", "pool.relocations=30000",
               "--force").exit_code == 0


def test_removing_files_asked_for_earlier_needs_force(cli, tmp_path):
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "-f", "md", "-q").exit_code == 0
    res = cli("run", ADOPTED, "-o", tmp_path, "-f", "csv")
    assert res.exit_code == 7
    assert (f"error: cannot write {tmp_path.resolve()}: writing here would remove 1 files of the earlier output "
            "that this run does not write: summary.md (use --force to remove them, or choose another folder)\n"
            ) in res.stderr
    assert (tmp_path / "summary.md").is_file()
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "-q", "--force").exit_code == 0
    assert not (tmp_path / "summary.md").exists()
    assert cli("run", ADOPTED, "-o", tmp_path, "-f", "csv", "-f", "md", "-q").exit_code == 0  # adding is fine


@pytest.mark.parametrize("sets, variant, name", [
    ((), None, "2026-adopted"),
    (["pool.relocations = 30000"], None, "2026-adopted--pool.relocations=30000"),
    (["pool.sar_share=0.5"], "low", "2026-adopted--low--pool.sar_share=0.5"),
    (["states.BE.note='x y'"], None, "2026-adopted--what-if-"),   # a quote and a space: a digest
    (["pool.relocations=1" + "0" * 130], None, "2026-adopted--what-if-"),  # too long: a digest
])
def test_default_folder_names_a_what_if_after_its_changes(sets, variant, name):
    from solidarity.cli.common import default_folder
    got = default_folder("2026-adopted", sets, variant)
    assert got.parent.name == "out" and got.name.startswith(name)
    if name.endswith("what-if-"):
        assert len(got.name) == len(name) + 10 and got == default_folder("2026-adopted", sets, variant)
        assert got != default_folder("2026-adopted", ["states.BE.note='x z'"], variant)


# --- help agrees with behaviour --------------------------------------------------------

def _commands():
    import typer.main
    return typer.main.get_command(app).commands


@pytest.mark.parametrize("name", sorted(_commands()))
def test_flags_show_no_value_placeholder(cli, name):
    res = cli(name, "--help")
    assert res.exit_code == 0
    assert "<bool>" not in res.stdout
    assert "--help" in res.stdout


def test_no_help_text_loses_brackets_to_rich_markup():
    """Rich reads [word] as a style tag and drops it ('solidarity[sign]' was
    shown as 'solidarity', '[cycle] scenarios' as ' scenarios'): brackets in
    help are escaped."""
    import re
    tag = re.compile(r"(?<!\\)\[[a-zA-Z/@#][^\[\]]*\]")
    for name, command in _commands().items():
        for text in [command.help or "", *(getattr(p, "help", "") or "" for p in command.params)]:
            assert not tag.search(text), (name, text)


def test_keygen_help_names_the_extra(cli):
    assert "pip install 'solidarity[sign]'" in " ".join(cli("keygen", "--help").stdout.split())


def test_cycle_help_describes_the_file_the_loader_reads(cli, tmp_path):
    res = cli("cycle", "--help")
    assert "a [cycle] table" in " ".join(res.stdout.replace("│", " ").split())
    ledger = SCENARIOS / "ledger-3y"
    (tmp_path / "cycle.toml").write_text(
        "[cycle]\nscenarios = [" + ", ".join(f'"{ledger / f"{y}.toml"}"' for y in (2026, 2027)) + "]\n")
    from solidarity.studies.ledger import load_cycle
    assert [s.year for s in load_cycle(tmp_path / "cycle.toml")] == [2026, 2027]


def test_format_help_says_where_the_default_formats_go(cli, tmp_path):
    """-f's help: the four default formats go to the output folder; run always
    writes a folder (out/<name>/ without -o), key prints csv without -o."""
    text = " ".join(cli("run", "--help").stdout.replace("│", " ").split())
    assert "Default: csv, parquet, json and md in the output folder" in text
    assert "for stdout" not in text
    assert cli("key", "--participants", "DE,FR").stdout.startswith("geo,country,")


def test_a_data_year_fallback_is_said_on_stderr(cli, tmp_path):
    """Issue 16: a file lacking 2025 for HU made runs use 2024, said only in meta."""
    rows = ["geo,year,value"] + [f"{g},2024,{v}" for g, v in (("DE", 83_000_000), ("FR", 68_000_000),
                                                              ("HU", 9_600_000))]
    rows += ["DE,2025,83500000", "FR,2025,68500000"]
    (tmp_path / "pop.csv").write_text("\n".join(rows) + "\n")
    path = tmp_path / "s.toml"
    path.write_text('participants = ["DE", "FR", "HU"]\n[scenario]\nname = "s"\nyear = 2026\n'
                    '[data]\npopulation_file = "pop.csv"\n[pool]\nrelocations = 100\nfinancial_eur = 2000000\n')
    res = cli("validate", path)
    assert res.exit_code == 0, res.stderr
    assert ("note: population 2024, the latest year every participant has in pop.csv; 2025 lacks HU\n"
            in res.stderr)
    assert "population 2024" in res.stdout
    full = cli("validate", SCENARIOS / "2026-adopted.toml")
    assert "note:" not in full.stderr  # the bundled files have the latest year for everyone


# --- what analysts expect: completion, stdin, --verbose, coloured errors ---------------

def test_shell_completion_is_offered():
    """typer's completion: the options on the root help, and the protocol a
    shell's completion script speaks (an environment variable named after
    the program) completes commands and options."""
    runner = CliRunner()
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout
    env = {"_SOLIDARITY_COMPLETE": "complete_bash", "COMP_WORDS": "solidarity ru", "COMP_CWORD": "1"}
    res = runner.invoke(app, [], prog_name="solidarity", env=env)
    assert (res.exit_code, res.stdout) == (0, "run\n")
    env.update(COMP_WORDS="solidarity run --for", COMP_CWORD="2")
    assert runner.invoke(app, [], prog_name="solidarity", env=env).stdout == "--format\n--force\n"


def test_a_scenario_on_stdin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    text = ADOPTED.read_text(encoding="utf-8")
    res = runner.invoke(app, ["validate", "-"], input=text)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("-: valid (2026 adopted pool, 2026;")
    ran = runner.invoke(app, ["run", "-", "-f", "csv", "-q"], input=text)
    assert ran.exit_code == 0, ran.stderr
    assert (tmp_path / "out" / "stdin" / "pool.csv").is_file()
    assert "# Effective scenario read from <stdin>" in (tmp_path / "out" / "stdin" / "scenario.toml").read_text()
    bad = runner.invoke(app, ["validate", "-"], input="[scenario]\nname = 1\n")
    assert bad.exit_code == 3
    assert "  - <stdin>: scenario.name = 1: wrong type" in bad.stderr


def test_verbose_says_each_stage_and_quiet_wins(cli, tmp_path):
    res = cli("run", ADOPTED, "-o", tmp_path / "v", "-f", "csv", "--verbose")
    assert res.exit_code == 0, res.stderr
    lines = res.stderr.splitlines()
    for stage in ("data", "shares", "model_input", "build", "solve", "calls", "flows", "rules", "tables", "verify"):
        assert f"{stage} ..." in lines
        assert any(line.startswith(f"{stage} done in ") and line.endswith(" s") for line in lines)
    assert lines.index("data ...") < lines.index("solve ...") < lines.index("verify ...")
    quiet = cli("run", ADOPTED, "-o", tmp_path / "q", "-f", "csv", "-v", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    plain = cli("run", ADOPTED, "-o", tmp_path / "p", "-f", "csv")
    assert "solve ..." not in plain.stderr


class _Terminal(StringIO):
    def isatty(self):
        return True


def test_errors_are_coloured_on_a_terminal_only(monkeypatch):
    from solidarity.cli.common import label
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert label("error:", _Terminal()) == "\x1b[31m\x1b[1merror:\x1b[0m"
    assert label("error:", StringIO()) == "error:"  # a file or a pipe
    monkeypatch.setenv("NO_COLOR", "1")
    assert label("error:", _Terminal()) == "error:"
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert label("error:", _Terminal()) == "error:"


def test_a_domain_error_on_a_terminal_is_red(tmp_path):
    import pty
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "solidarity", "validate", str(tmp_path / "none.toml")],
                              stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120, check=False)
        os.close(follower)
        shown = os.read(leader, 4096)
    finally:
        os.close(leader)
    assert proc.returncode == 3
    assert shown.startswith(b"\x1b[31m\x1b[1merror:\x1b[0m 1 problem found:")
    piped = python_m("validate", tmp_path / "none.toml")
    assert piped.returncode == 3 and piped.stderr.startswith("error: 1 problem found:")


def test_a_default_rate_is_said_on_stderr(cli, tmp_path):
    path = tmp_path / "relocation-only.toml"
    path.write_text('[scenario]\nname = "r"\nyear = 2026\n[pool]\nrelocations = 21000\nfinancial_eur = 0\n'
                    "proposal_relocations = 30000\nproposal_financial_eur = 600000000\n")
    res = cli("validate", path)
    assert res.exit_code == 0, res.stderr
    assert res.stderr == ("note: relocation-only.toml: no pool.equivalence_eur and no F / R to derive it from: "
                          "EUR 20 000 per relocation assumed (recital 15)\n")
    given = path.read_text().replace("financial_eur = 0\n", "financial_eur = 0\nequivalence_eur = 20000\n")
    path.write_text(given)
    assert cli("validate", path).stderr == ""
